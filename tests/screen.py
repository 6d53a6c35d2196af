"""What a Textual app shows, as text, for Pilot tests."""

from __future__ import annotations

import html
import re

from textual.app import App

_TEXT_RUN = re.compile(r"<text[^>]*>(.*?)</text>")


def screen_text(app: App) -> str:
    """The screen's text: the <text> runs of Textual's SVG screenshot, unescaped and
    joined (runs of blank cells are dropped, so compare words, not columns)."""
    svg = app.export_screenshot()
    return html.unescape("".join(_TEXT_RUN.findall(svg))).replace("\xa0", " ")
