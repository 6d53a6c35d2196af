"""Every key, by where it works, as the current key map has it."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def _keys_text(keys: str) -> str:
    names = {"question_mark": "?", "exclamation_mark": "!", "escape": "esc",
             "pagedown": "PgDn", "pageup": "PgUp", "space": "space", "enter": "enter"}
    return " / ".join(names.get(k.strip(), k.strip()) for k in keys.split(","))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
        Binding("j", "scroll('down')", "Down", show=False, id="help.down"),
        Binding("k", "scroll('up')", "Up", show=False, id="help.up"),
        Binding("g", "scroll('home')", "Top", show=False, id="help.top"),
        Binding("G", "scroll('end')", "Bottom", show=False, id="help.bottom"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 80; max-width: 95%; height: 90%;
        border: round $accent; background: $panel; padding: 0 1; }
    """

    def __init__(self, sections: list[tuple[str, list[BindingType]]], keymap: dict[str, str]):
        super().__init__()
        self.sections = sections
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
        table.add_column("key", style="bold cyan", width=22)
        table.add_column("what")
        for title, bindings in self.sections:
            table.add_row(Text(title, style="bold underline"), "")
            for b in bindings:
                if not isinstance(b, Binding) or not b.description:
                    continue
                keys = self.keymap.get(b.id or "", b.key)
                table.add_row(Text(_keys_text(keys)), Text(b.description))
            table.add_row("", "")
        table.add_row(Text("tab / shift+tab"), Text("next / previous pane"))
        with VerticalScroll():
            yield Static(Text.assemble(("Keys", "bold"),
                                       ("   j/k or arrows scroll · esc closes", "dim")))
            yield Static(table)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()  # arrows, PgDn and End scroll the list

    def action_scroll(self, direction: str) -> None:
        view = self.query_one(VerticalScroll)
        {"down": view.scroll_down, "up": view.scroll_up, "home": view.scroll_home,
         "end": view.scroll_end}[direction]()

    def action_close(self) -> None:
        self.dismiss(None)
