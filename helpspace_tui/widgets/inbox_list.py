"""The inboxes sidebar (SPEC V1–V11) with the V10 counts beside each name."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from helpspace_tui.domain.inboxes import InboxRef
from helpspace_tui.render import cell
from helpspace_tui.services.inboxes import InboxCount


class InboxList(OptionList):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="inboxes.down"),
        Binding("k", "cursor_up", "Up", show=False, id="inboxes.up"),
        Binding("g", "first", "First", show=False, id="inboxes.first"),
        Binding("G", "last", "Last", show=False, id="inboxes.last"),
    ]

    class Chosen(Message):
        def __init__(self, inbox: InboxRef) -> None:
            self.inbox = inbox
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._refs: dict[str, InboxRef] = {}
        self._counts: list[InboxCount] = []

    def on_resize(self) -> None:
        if self._counts:  # the first counts came before the layout knew our width
            self.show_counts(self._counts)

    def show_counts(self, counts: list[InboxCount]) -> None:
        """Redraw names and counts, keeping the highlighted inbox."""
        self._counts = counts
        keep = self.highlighted
        keys = [c.inbox.key for c in counts]
        self._refs = {c.inbox.key: c.inbox for c in counts}
        # the options' own padding and the scrollbar gutter take a few cells
        width = max(8, (self.scrollable_content_region.width or 18) - 2)
        options = []
        for c in counts:
            label = Text(no_wrap=True, end="")
            name = ("  " + c.inbox.title) if c.inbox.team else c.inbox.title
            number = str(c.count) if c.count else ""  # V10: nothing when zero
            label.append(cell(name, width - len(number) - 1))
            label.append(" ")
            label.append(number, "bold")
            options.append(Option(label, id=c.inbox.key))
        if [o.id for o in self.options] == keys:
            for o in options:
                self.replace_option_prompt(o.id or "", o.prompt)
        else:
            self.clear_options()
            self.add_options(options)
            self.highlighted = keep if keep is not None and keep < len(options) else 0

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        ref = self._refs.get(event.option.id or "")
        if ref is not None:
            self.post_message(self.Chosen(ref))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.screen.focus_next()
