"""Small modal dialogs: pick one of a list, edit tags, confirm."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from helpspace_tui import render

DIALOG_CSS = """
{name} #tag-error, {name} #when-error {{ color: $error; height: auto; }}
{name} {{ align: center middle; background: $background 50%; }}
{name} > Vertical {{
    width: 60; max-width: 90%; height: auto; max-height: 80%;
    border: round $accent; background: $panel; padding: 0 1;
}}
{name} .dialog-title {{ text-style: bold; margin: 0 0 1 0; }}
{name} .dialog-help {{ color: $text-muted; margin: 1 0 0 0; }}
{name} OptionList {{ height: auto; max-height: 16; }}
"""


class PickScreen(ModalScreen[str | None]):
    """Choose one value; typing filters the list."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="PickScreen")

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None = None,
                 filter_placeholder: str = "type to filter") -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices  # (value, label)
        self.current = current
        self.placeholder = filter_placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(render.line(self.title_text), classes="dialog-title")
            yield Input(placeholder=self.placeholder, id="filter")
            yield OptionList(id="choices")
            yield Static(Text("enter choose · esc cancel"), classes="dialog-help")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#filter", Input).focus()

    def _fill(self, needle: str) -> None:
        ol = self.query_one("#choices", OptionList)
        ol.clear_options()
        needle = needle.lower()
        shown = [(v, label) for v, label in self.choices if needle in label.lower()]
        for value, label in shown:
            prompt = render.line(label + ("  ✓" if value == self.current else ""))
            ol.add_option(Option(prompt, id=value))
        if shown:
            ol.highlighted = next((i for i, (v, _) in enumerate(shown) if v == self.current), 0)

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.is_attached and self.query("#choices"):  # typed just before Enter dismissed us
            self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        ol = self.query_one("#choices", OptionList)
        if ol.highlighted is not None and ol.option_count:
            self.dismiss(ol.get_option_at_index(ol.highlighted).id)

    def on_key(self, event) -> None:  # noqa: ANN001 - arrows move the list while typing
        ol = self.query_one("#choices", OptionList)
        if event.key in ("down", "up") and ol.option_count:
            event.stop()
            ol.action_cursor_down() if event.key == "down" else ol.action_cursor_up()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class LastWordSuggester(Suggester):
    """Completes the word being typed from known tags ('-' prefixed to remove one)."""

    def __init__(self, words: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.words = words

    async def get_suggestion(self, value: str) -> str | None:
        head, _, last = value.rpartition(" ")
        if not last:
            return None
        sign = "-" if last.startswith("-") else ""
        stem = last[len(sign):]
        for w in self.words:
            if stem and w.startswith(stem) and w != stem:
                return f"{head} {sign}{w}".lstrip() if head else f"{sign}{w}"
        return None


class TagScreen(ModalScreen[list[str] | None]):
    """Add tags by name, remove with a leading '-': 'urgent billing -spam'."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel_tags")]
    DEFAULT_CSS = DIALOG_CSS.format(name="TagScreen")

    def __init__(self, label: str, current: list[str], known: list[str],
                 check: Callable[[str], object] = str) -> None:
        super().__init__()
        self.label = label
        self.check = check  # raises ValueError for a word that is not a tag
        self.current = current
        self.known = known

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Tags of {self.label}", classes="dialog-title")
            now = " ".join(f"#{t}" for t in self.current) or "(none)"
            yield Static(render.line(f"now: {now}"))
            yield Input(placeholder="tag  -tag-to-remove", id="tags",
                        suggester=LastWordSuggester(sorted(set(self.known) | set(self.current))))
            yield Static("", id="tag-error")
            yield Static(Text("enter apply · → complete · esc cancel"), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        words = event.value.split()
        for word in words:
            try:
                self.check(word[1:] if word.startswith("-") else word)
            except ValueError as e:  # say it here and keep what was typed
                self.query_one("#tag-error", Static).update(render.line(str(e)))
                return
        self.dismiss(words)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmScreen")

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(render.text(self.question), classes="dialog-title")
            yield Static(Text("y yes · n no"), classes="dialog-help")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class KeyList(OptionList):
    """An option list that also moves with j/k."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="dialog.list_down"),
        Binding("k", "cursor_up", "Up", show=False, id="dialog.list_up"),
    ]


class WaitingScreen(ModalScreen[tuple[datetime, str] | None]):
    """S4: waiting until a time, then a chosen status. The time is typed in the agent's
    words ('tomorrow 9:00', '3d', 'fri', '2026-12-24 09:00')."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel_waiting")]
    DEFAULT_CSS = DIALOG_CSS.format(name="WaitingScreen") + """
    WaitingScreen #when-error { color: $error; height: auto; }
    """

    def __init__(self, ticket_id: int, parse: Callable[[str], datetime],
                 show: Callable[[datetime], str]) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.parse = parse
        self.show = show
        self.until: datetime | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"#{self.ticket_id} waits until…", classes="dialog-title")
            yield Input(placeholder="tomorrow 9:00 · 3d · fri · 2026-12-24 09:00", id="when")
            yield Static("", id="when-error")
            yield Static("then becomes:")
            yield KeyList(Option("open", id="open"), Option("escalated", id="escalated"),
                          Option("closed", id="closed"), id="then")
            yield Static(Text("enter next · esc cancel"), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one("#when", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if not self.is_attached or not self.query("#when-error"):
            return  # a change that arrives after Enter has dismissed the dialog
        note = self.query_one("#when-error", Static)
        try:
            self.until = self.parse(event.value) if event.value.strip() else None
            note.update(Text(f"= {self.show(self.until)}", style="dim") if self.until else "")
        except ValueError as e:
            self.until = None
            note.update(render.line(str(e)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.until is not None:
            then = self.query_one("#then", OptionList)
            then.highlighted = then.highlighted or 0
            then.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if self.until is None:
            self.query_one("#when", Input).focus()
            return
        self.dismiss((self.until, event.option.id or "open"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text (a search)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel_prompt")]
    DEFAULT_CSS = DIALOG_CSS.format(name="PromptScreen")

    def __init__(self, title: str, placeholder: str = "", value: str = "",
                 help_text: str = "enter search · empty clears · esc cancel") -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.value = value
        self.help_text = help_text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(render.line(self.title_text), classes="dialog-title")
            yield Input(self.value, placeholder=self.placeholder)
            yield Static(Text(self.help_text), classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
