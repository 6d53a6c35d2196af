"""The one path from untrusted mail text to the screen (SPEC M7).

Everything a customer wrote reaches a widget as a rich `Text` built here: sanitised of
control characters and escape sequences, and never parsed as markup, so `[URGENT]`,
`[bold]` and `[/]` show exactly as written."""

from __future__ import annotations

import re

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


_QUOTE = re.compile(r"^((?:>[ \t]?)+)")
_STARTS_BLOCK = re.compile(r"^(\s|[-*•+] |\d{1,3}[.)] |[A-Z][\w-]{1,20}: |-- ?$|--+$|__+$)")
HARD_WRAP_MIN = 40  # a line this long that goes on in the next was wrapped by a mail client


def reflow(value: str) -> str:
    """Join the hard-wrapped lines of a plain-text mail into paragraphs, so the pane
    wraps each paragraph once instead of leaving one-word stubs. Lists, indented
    blocks, signatures and short lines (greetings, addresses) stay as they are."""
    out: list[str] = []
    prev_prefix, prev_body = None, ""
    for line in value.split("\n"):
        m = _QUOTE.match(line)
        prefix = m.group(1).replace(" ", "").replace("\t", "") if m else ""
        body = line[m.end():] if m else line
        if (out and prefix == prev_prefix and body.strip() and prev_body.strip()
                and len(prev_body.rstrip()) >= HARD_WRAP_MIN
                and "|" not in body and "|" not in prev_body  # table rows stay rows
                and not _STARTS_BLOCK.match(body)):
            out[-1] = out[-1].rstrip() + " " + body.strip()
            prev_body = body
            continue
        out.append(line)
        prev_prefix, prev_body = prefix, body
    return "\n".join(out)


def mail_text(value: str | None) -> Text:
    """A mail body for reading: sanitised, reflowed, quoted lines dimmed so they stay
    apart from the new text even where the pane wraps them."""
    clean = reflow(sanitize_text(value or ""))
    out = Text()
    for n, line in enumerate(clean.split("\n")):
        if n:
            out.append("\n")
        out.append(line, "dim" if line.startswith(">") else "")
    return out
