"""SPEC M7: the one sanitiser for untrusted text (mail headers, bodies, filenames).

Text from a mail is shown literally, so this module does not escape markup; it
only removes what a terminal would *interpret*: escape sequences (CSI, OSC such
as OSC 52 clipboard writes, DCS/APC/PM/SOS strings, their 8-bit forms), other
C0/C1 controls and DEL, and bidi overrides/isolates that make text display in
an order other than the one it is stored in ("Trojan Source").
Everything here is pure and linear-time (precompiled regexes, str.translate).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata

__all__ = ["safe_filename", "sanitize_line", "sanitize_text"]

# Whole escape sequences first, so their parameters do not survive as text.
# The string-type sequences (OSC, DCS, SOS, PM, APC) end at BEL or ST (ESC \ or
# 8-bit 0x9C); an unterminated one loses only its introducer (the payload stays
# as harmless text rather than swallowing the rest of the mail).
_ESC_SEQ = re.compile(
    r"""
      (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])  # OSC/DCS/SOS/PM/APC introducer
      [^\x07\x1b\x9c]{0,65536}
      (?:\x07|\x1b\\|\x9c)                    # ... terminated by BEL or ST
    | (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?       # CSI params, intermediates, final
    | \x1b[ -/]*[0-~]?                        # 2-char (or nF) ESC sequences
    """,
    re.VERBOSE,
)

# Line separators that a terminal (or a later splitlines()) treats as newlines.
_LINE_SEPS = "\u2028\u2029"
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

# Quick test: does the string contain anything this module must touch?
_NEEDS_WORK = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff" + _BIDI + _LINE_SEPS + "]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")

_DROP = {c: None for c in range(0x20) if c not in (0x09, 0x0A)}
_DROP.update({c: None for c in range(0x7F, 0xA0)})
_DROP.update({ord(c): None for c in _BIDI})
_DROP.update({ord(c): "\n" for c in _LINE_SEPS})
_TEXT_TABLE = str.maketrans(_DROP)

_WS_RUN = re.compile(r"\s+")


def fix_surrogates(s: str) -> str:
    """Raw 8-bit header bytes reach us as surrogate escapes (RFC 6532 UTF-8 headers);
    read them as UTF-8, and anything still unpaired becomes U+FFFD. SQLite, terminals
    and JSON all refuse lone surrogates."""
    if not _SURROGATE.search(s):
        return s
    with contextlib.suppress(UnicodeEncodeError):  # a surrogate outside U+DC80-U+DCFF
        s = s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _SURROGATE.sub("\ufffd", s)


def sanitize_text(s: str) -> str:
    """Body text: keep \\n and \\t, normalise line ends, drop everything a terminal interprets."""
    if not s or not _NEEDS_WORK.search(s):
        return s
    s = fix_surrogates(s)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if "\x1b" in s or any(c in s for c in "\x90\x98\x9b\x9d\x9e\x9f"):
        s = _ESC_SEQ.sub("", s)
    return s.translate(_TEXT_TABLE)


def sanitize_line(s: str) -> str:
    """Subjects, names, filenames: as sanitize_text, plus all whitespace runs become one space."""
    if not s:
        return ""
    return _WS_RUN.sub(" ", sanitize_text(s)).strip()


# Characters that separate paths or are invalid on common file systems (the
# agent may save to a Windows share); replaced, not dropped, so names stay readable.
_BAD_FILENAME_CHARS = re.compile(r'[/\\:*?"<>|]')
_DOT_RUN = re.compile(r"\.{2,}")
_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul", "clock$"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)
_MAX_FILENAME_BYTES = 200
_MAX_EXT_BYTES = 24


def _truncate_utf8(s: str, limit: int) -> str:
    b = s.encode("utf-8")
    if len(b) <= limit:
        return s
    return b[:limit].decode("utf-8", "ignore")


def _clean_filename(name: str) -> str:
    # NFC so that a name decomposed by one mailer and composed by another compare equal.
    name = unicodedata.normalize("NFC", sanitize_line(name))
    name = _BAD_FILENAME_CHARS.sub("_", name)
    name = _DOT_RUN.sub(".", name)  # no ".." anywhere, not even between underscores
    name = name.strip(" .")  # leading dots hide files; trailing dots/spaces vanish on Windows
    if not name:
        return ""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.split(".")[0].strip().lower() in _WINDOWS_RESERVED:
        name = "_" + name
    if len(name.encode("utf-8")) > _MAX_FILENAME_BYTES:
        if ext and len(ext.encode("utf-8")) <= _MAX_EXT_BYTES and stem:
            keep = _MAX_FILENAME_BYTES - len(ext.encode("utf-8")) - 1
            name = _truncate_utf8(stem, keep).rstrip(" .") + "." + ext
        else:
            name = _truncate_utf8(name, _MAX_FILENAME_BYTES).rstrip(" .")
    return name


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """A single path component that can never leave the chosen folder (M7). Never empty."""
    cleaned = _clean_filename(name or "")
    if cleaned:
        return cleaned
    return _clean_filename(fallback or "") or "attachment"
