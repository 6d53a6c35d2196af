"""HTML mail bodies as readable text (SPEC M5). Never fetches anything remote.

html2text gives the best reading (lists, links as visible URLs, image alt
text), but it is pure Python and slow on huge or pathological input, so big
documents go through a plain tag stripper instead.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

__all__ = ["html_to_text", "strip_tags"]

# Above this html2text takes seconds; the stripper is linear and good enough.
MAX_HTML2TEXT_CHARS = 1_000_000

_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "table",
        "ul",
        "ol",
        "hr",
        "section",
        "article",
    ]
)
_SKIP_TAGS = frozenset(("script", "style", "head", "title", "template"))


class _Stripper(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


# html2text adds Markdown escapes ("1\\." for "1."); real backslashes are parked
# on a private-use code point meanwhile so that every backslash left in the
# output is one html2text added and can be removed (mail-parser-97: backslashes are text).
_BACKSLASH_PARK = "\U000f0a5c"
_MD_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_MANY_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TAG = re.compile(r"<[^>]{0,10000}>")


_HEADING = re.compile(r"^#{1,6} +", re.MULTILINE)
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t:]*-{3,}[-| \t:]*$\n?", re.MULTILINE)
_LINK = re.compile(r"\[([^\]\n]*)\]\(<?([^)\s>]+)>?(?: \"[^\"]*\")?\)")


def _link(m: re.Match[str]) -> str:
    label, url = m.group(1).strip(), m.group(2)
    bare = url.removeprefix("mailto:")
    if not label or label in (url, bare):
        return bare
    return f"{label} <{bare}>"


def _plain(text: str) -> str:
    """html2text writes Markdown; a person reads text: headings without '#', links as
    'label <url>' (the URL stays visible, M5), no table rule rows."""
    text = _HEADING.sub("", text)
    text = _TABLE_RULE.sub("", text)
    return _LINK.sub(_link, text)


def strip_tags(markup: str) -> str:
    """Plain text from HTML with no formatting, for when html2text is too slow or fails."""
    try:
        p = _Stripper()
        p.feed(markup)
        p.close()
        text = "".join(p.parts)
    except Exception:  # noqa: BLE001 - HTMLParser on hostile input; fall back to a regex
        text = html.unescape(_TAG.sub(" ", markup))
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return _MANY_BLANKS.sub("\n\n", text).strip()


def html_to_text(markup: str) -> str:
    """Readable text: links shown as `[text](url)`, images as their alt text."""
    if not markup or not markup.strip():
        return ""
    if len(markup) > MAX_HTML2TEXT_CHARS:
        return strip_tags(markup)
    try:
        import html2text

        h = html2text.HTML2Text()
        h.body_width = 0  # the terminal wraps; hard breaks would break URLs
        h.unicode_snob = True  # keep "é", not "e"
        h.images_to_alt = True
        h.ignore_images = False
        h.inline_links = True
        h.protect_links = False
        h.ignore_emphasis = True  # "**bold**" reads as noise in a terminal
        h.escape_snob = False
        h.ignore_mailto_links = False
        text = h.handle(markup.replace("\\", _BACKSLASH_PARK))
        text = _plain(_MD_ESCAPE.sub(r"\1", text).replace(_BACKSLASH_PARK, "\\"))
    except Exception:  # noqa: BLE001 - html2text bugs on odd markup must not lose the mail
        return strip_tags(markup)
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return _MANY_BLANKS.sub("\n\n", text).strip()
