"""The one path from untrusted mail text to the screen (SPEC M7).

Everything a customer wrote reaches a widget as a rich `Text` built here: sanitised of
control characters and escape sequences, and never parsed as markup, so `[URGENT]`,
`[bold]` and `[/]` show exactly as written."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from helpspace_tui.domain.sanitize import sanitize_line, sanitize_text


def text(value: str | None, style: str = "") -> Text:
    """A multi-line body, literally."""
    return Text(sanitize_text(value or ""), style=style)


def line(value: str | None, style: str = "") -> Text:
    """A one-line value (subject, name, filename), literally."""
    return Text(sanitize_line(value or ""), style=style)


def cell(value: str | None, width: int) -> str:
    """A one-line value cut or padded to exactly `width` terminal cells, so wide
    characters (CJK, emoji) never push the list's columns out of line."""
    clean = sanitize_line(value or "")
    if cell_len(clean) > width and width > 1:
        return set_cell_size(clean, width - 1) + "…"
    return set_cell_size(clean, width)
