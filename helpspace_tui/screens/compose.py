"""Writing a reply or a note (R1, R5). The text is saved as a draft while typing (R6)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static, TextArea

from helpspace_tui import render

MAX_ATTACHMENT_BYTES = 20 * 2**20  # what most mail servers take


class ComposeScreen(Screen[str | None]):
    """Returns the text to send, or None when closed (the draft stays)."""

    BINDINGS = [
        Binding("ctrl+s", "send", "Send", id="compose.send", priority=True),
        Binding("escape", "close", "Close, keep draft", id="compose.close", priority=True),
        Binding("ctrl+l", "discard", "Discard draft", id="compose.discard"),
        Binding("tab", "complete", "Complete @name", show=False, priority=True,
                id="compose.complete"),
        Binding("ctrl+o", "attach", "Attach a file", id="compose.attach"),
    ]
    DEFAULT_CSS = """
    ComposeScreen #compose-head { padding: 0 1; background: $panel; height: auto; }
    ComposeScreen #attached { padding: 0 1; background: $panel; height: auto; color: $accent; }
    ComposeScreen TextArea { height: 1fr; }
    ComposeScreen.-note TextArea { border: tall $warning; }
    """

    def __init__(self, kind: str, heading: list[str], initial: str,
                 save_draft: Callable[[str], None], mentions: list[str] | None = None,
                 attachments: list[Path] | None = None) -> None:
        super().__init__(classes=f"-{kind}")
        self.kind = kind
        # R1: files to send with a reply; the caller keeps the list (None: no attaching)
        self.attachments = attachments
        self.mentions = sorted(mentions or [])  # R5: agents an @name can reach
        self.heading = heading
        self.initial = initial
        self._save_draft = save_draft
        self._save_timer: Timer | None = None
        self._latest = initial
        self._pending = False

    def compose(self) -> ComposeResult:
        head = Text(end="")
        for n, h in enumerate(self.heading):
            if n:
                head.append("\n")
            head.append_text(render.line(h, "bold" if n == 0 else ""))
        yield Static(head, id="compose-head")
        yield Static("", id="attached")
        area = TextArea(self.initial, id="body", soft_wrap=True, show_line_numbers=False,
                        tab_behavior="focus")  # Tab is ours: @name completion, else indent
        yield area
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        # save shortly after typing stops: a crash or a closed terminal loses nothing
        self._latest = event.text_area.text
        self._pending = True
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(0.5, self._flush_draft)

    def _flush_draft(self) -> None:
        self._pending = False
        self._save_draft(self._latest)

    def action_complete(self) -> None:
        """Tab after '@ma' completes '@maria' (R5); anywhere else Tab indents as usual."""
        area = self.query_one(TextArea)
        row, col = area.cursor_location
        before = area.document.get_line(row)[:col]
        word = before.rsplit(maxsplit=1)[-1] if before.strip() else ""
        if word.startswith("@") and not before.endswith(" "):
            stem = word[1:].lower()
            hits = [n for n in self.mentions if n.lower().startswith(stem)]
            if len(hits) == 1:
                area.insert(hits[0][len(stem):] + " ")
                return
            if hits:
                common = hits[0]
                for h in hits[1:]:
                    while not h.lower().startswith(common.lower()):
                        common = common[:-1]
                if len(common) > len(stem):
                    area.insert(common[len(stem):])
                self.notify("  ".join("@" + h for h in hits), markup=False)
                return
        area.insert("    ")

    def action_attach(self) -> None:
        if self.attachments is None:
            self.notify("Notes have no attachments.", markup=False)
            return
        from helpspace_tui.screens.dialogs import PromptScreen

        def done(value: str | None) -> None:
            if not value or self.attachments is None:
                return
            path = Path(value).expanduser()
            if not path.is_file():
                self.notify(f"No file {path}", severity="error", markup=False)
            elif path.stat().st_size > MAX_ATTACHMENT_BYTES:
                self.notify(f"{path.name} is over {MAX_ATTACHMENT_BYTES // 2**20} MB",
                            severity="error", markup=False)
            else:
                self.attachments.append(path)
                self._show_attachments()
            self.query_one(TextArea).focus()

        self.app.push_screen(PromptScreen("Attach a file", "path, e.g. ~/Downloads/invoice.pdf",
                                          help_text="enter attach · esc cancel"), done)

    def _show_attachments(self) -> None:
        names = ", ".join(p.name for p in self.attachments or [])
        self.query_one("#attached", Static).update(render.line(f"📎 {names}") if names else "")

    def action_send(self) -> None:
        if not self.text.strip():
            self.notify("Nothing to send: the text is empty.", severity="warning", markup=False)
            return
        self._flush_draft()
        self.dismiss(self.text)

    def action_close(self) -> None:
        self._flush_draft()
        self.dismiss(None)

    def action_discard(self) -> None:
        from helpspace_tui.screens.dialogs import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self._save_draft("")
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard this draft?"), answer)

    def on_unmount(self) -> None:
        # quitting with Ctrl+Q while writing: the last keystrokes are saved too (R6)
        if self._pending:
            self._flush_draft()
