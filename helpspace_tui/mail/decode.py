"""Charset and RFC 2047/2231 decoding that survives what real mailers send (SPEC M6).

The stdlib decoders are strict where mail is sloppy: unknown charset labels,
encoded words with spaces inside, multi-byte characters split across encoded
words, ISO-2022-JP with NEC/IBM extension characters. Everything here returns
text with U+FFFD for undecodable bytes and never raises.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

__all__ = [
    "repair_double_utf8",
    "decode_bytes",
    "decode_header_bytes",
    "decode_rfc2047",
    "normalize_charset",
    "parse_params",
]

# Labels seen in the wild that Python does not know, or knows as something
# narrower than what senders mean (the WHATWG encoding standard's choices).
_ALIASES: dict[str, str] = {
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "x-unknown": "",
    "unknown": "",
    "unknown-8bit": "",
    "x-user-defined": "",
    "default": "",
    "charset": "",
    "none": "",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "ansi-x3.4-1968": "ascii",
    "iso-8859-1": "cp1252",  # WHATWG: 0x80-0x9F are cp1252 punctuation in practice
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-8-e": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "iso-8859-6-e": "iso-8859-6",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "x-windows-874": "cp874",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "euc-kr": "cp949",
    "x-euc-kr": "cp949",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "chinese": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "hz",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "x-mac-ce": "mac_latin2",
    "x-mac-centraleurroman": "mac_latin2",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-ukrainian": "mac_cyrillic",
    "x-mac-greek": "mac_greek",
    "x-mac-icelandic": "mac_iceland",
    "x-mac-turkish": "mac_turkish",
    "x-mac-croatian": "mac_croatian",
    "x-mac-romanian": "mac_romanian",
    "x-mac-japanese": "cp932",
    "x-mac-chinesetrad": "big5hkscs",
    "x-mac-chinesesimp": "gb18030",
    "x-mac-korean": "cp949",
    "koi8-ru": "koi8_u",
    "x-cp1250": "cp1250",
    "x-cp1251": "cp1251",
    "windows-1252": "cp1252",
    "iso-2022-jp": "cp50220",
    "iso-2022-jp-ms": "cp50220",
    "iso2022jp": "cp50220",
    "csiso2022jp": "cp50220",
    "cp50220": "cp50220",
    "cp50221": "cp50220",
    "cp50222": "cp50220",
    "iso-2022-jp-1": "cp50220",
    "iso-2022-jp-2": "iso2022_jp_2",
    "iso-2022-jp-3": "iso2022_jp_3",
    "iso-2022-jp-2004": "iso2022_jp_2004",
}

# Pseudo codec names handled by this module rather than by Python's codecs.
_CUSTOM: dict[str, Callable[[bytes], str]] = {}

_LABEL_JUNK = re.compile(r"[\"'\s;]+")


def normalize_charset(label: str | None) -> str:
    """Map a declared label to a Python codec name; "" means "unknown, detect"."""
    if not label:
        return ""
    lab = _LABEL_JUNK.sub("", label).lower()
    lab = lab.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*de
    if lab in _ALIASES:
        return _ALIASES[lab]
    if lab.startswith("x-mac-"):
        return "mac_roman"
    if lab in _CUSTOM:
        return lab
    try:
        name = codecs.lookup(lab).name
    except LookupError:
        # "windows1252", "cp-1252", "iso8859_15": retry with the separators fixed.
        m = re.fullmatch(r"(?:windows|win|cp|x-cp)[-_]?(\d{3,5})", lab)
        if m:
            return normalize_charset("cp" + m.group(1))
        m = re.fullmatch(r"iso[-_]?8859[-_]?(\d{1,2})", lab)
        if m:
            return normalize_charset("iso-8859-" + m.group(1))
        return ""
    if name == "latin-1":
        return "cp1252"
    return name


# --- ISO-2022-JP as CP50220: JIS -> Shift_JIS -> cp932 --------------------------
# Python's iso2022_jp codecs reject NEC row 13 (①, ㈱) and the NEC-selected IBM
# extensions (髙); mail from Japanese Windows/Outlook uses them all the time.
_ESC_ASCII = (b"\x1b(B", b"\x1b(J", b"\x1b(H")
_ESC_KANJI = (b"\x1b$@", b"\x1b$B", b"\x1b&@\x1b$B", b"\x1b$(B", b"\x1b$(Q", b"\x1b$(O")
_ESC_KANA = b"\x1b(I"


def _decode_cp50220(data: bytes) -> str:
    out = bytearray()
    mode = "ascii"
    shifted = False  # SO/SI half-width katakana (CP50221)
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == 0x1B:
            seq = next((s for s in (*_ESC_KANJI, *_ESC_ASCII, _ESC_KANA) if data.startswith(s, i)), None)
            if seq is None:
                out += b"?"
                i += 1
                continue
            mode = "kana" if seq == _ESC_KANA else "kanji" if seq in _ESC_KANJI else "ascii"
            i += len(seq)
            continue
        if b == 0x0E:
            shifted = True
            i += 1
            continue
        if b == 0x0F:
            shifted = False
            i += 1
            continue
        if b in (0x0A, 0x0D):
            out.append(b)
            i += 1
            continue
        if mode == "kanji" and not shifted:
            if i + 1 < n and 0x21 <= b <= 0x7E and 0x21 <= data[i + 1] <= 0x7E:
                j1, j2 = b, data[i + 1]
                s1 = ((j1 - 0x21) >> 1) + 0x81
                if s1 > 0x9F:
                    s1 += 0x40
                if j1 & 1:
                    s2 = j2 + 0x1F
                    if s2 >= 0x7F:
                        s2 += 1
                else:
                    s2 = j2 + 0x7E
                out += bytes((s1, s2))
                i += 2
                continue
            out += b"?" if b >= 0x80 else bytes((b,))
            i += 1
            continue
        if (mode == "kana" or shifted) and 0x21 <= b <= 0x5F:
            out.append(b + 0x80)
            i += 1
            continue
        out.append(b if b < 0x80 else 0x3F)
        i += 1
    return out.decode("cp932", "replace")


_CUSTOM["cp50220"] = _decode_cp50220


def _try_decode(data: bytes, codec: str, errors: str = "strict") -> str | None:
    try:
        if codec in _CUSTOM:
            return _CUSTOM[codec](data)
        return data.decode(codec, errors)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _detect(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
    except Exception:  # noqa: BLE001 - detection is a best effort, never fatal
        return None
    if best is None:
        return None
    return normalize_charset(best.encoding) or None


_ASCII_SAFE = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-7", "hz"})


def decode_bytes(
    data: bytes, charset: str | None, defects: list[str] | None = None, *, detect: bool = True
) -> str:
    """Decode mail bytes declared as `charset`. Never raises; U+FFFD for what cannot be read."""
    if not data:
        return ""
    codec = normalize_charset(charset)
    if charset and not codec and defects is not None:
        defects.append(f"unknown charset {charset[:40]!r}")
    if data.isascii():
        # 7-bit data: only the stateful/7-bit encodings differ from ASCII.
        if (
            codec in _CUSTOM
            or codec.startswith(("iso2022", "utf_16", "utf_32"))
            or (codec in _ASCII_SAFE or codec in ("utf-7", "utf_7"))
        ):
            text = _try_decode(data, codec) if codec else None
            if text is not None:
                return text
        return data.decode("ascii")
    # Valid non-ASCII UTF-8 is almost never anything else: trust it over a
    # label that lies (Big5 declared, UTF-8 sent; 8-bit body with no charset).
    if codec not in ("utf_16", "utf-16", "utf_16_le", "utf_16_be", "utf_32"):
        text = _try_decode(data, "utf-8")
        if text is not None:
            if codec and codec not in ("utf-8", "utf_8", "ascii") and defects is not None:
                defects.append(f"declared {charset[:40]!r} but the bytes are UTF-8")
            return text
    if codec and codec not in ("ascii", "utf-8", "utf_8"):
        text = _try_decode(data, codec)
        if text is not None:
            return text
    if codec in ("utf-8", "utf_8"):
        # Mostly UTF-8 with a few broken sequences: keep it UTF-8 with U+FFFD.
        text = data.decode("utf-8", "replace")
        if defects is not None:
            defects.append("invalid UTF-8 bytes replaced")
        return text
    if detect and len(data) >= 64:
        # Shorter samples make charset-normalizer guess wildly (Arabic for "Grüße").
        guess = _detect(data)
        if guess:
            text = _try_decode(data, guess)
            if text is not None:
                if defects is not None and codec:
                    defects.append(f"bytes do not fit {charset[:40]!r}, read as {guess}")
                return text
    fallback = codec if codec and codec not in ("ascii",) else "cp1252"
    text = _try_decode(data, fallback, "replace")
    if text is None:
        text = data.decode("utf-8", "replace")
    if defects is not None:
        defects.append("undecodable bytes replaced")
    return text


def decode_header_bytes(data: bytes, fallback_charset: str | None = None) -> str:
    """Raw 8-bit header bytes (RFC 6532 or a mailer that never heard of RFC 2047)."""
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Mostly-UTF-8 with a truncated sequence (freescout-5265): keep it UTF-8.
    lossy = data.decode("utf-8", "replace")
    good = sum(1 for c in lossy if ord(c) > 0x7F and c != "\ufffd")
    if good and good >= lossy.count("\ufffd"):
        return lossy
    codec = normalize_charset(fallback_charset)
    if codec and codec not in ("utf-8", "utf_8", "ascii"):
        text = _try_decode(data, codec)
        if text is not None:
            return text
    return data.decode("cp1252", "replace") if _try_decode(data, "cp1252") else lossy


# --- RFC 2047 ---------------------------------------------------------------------
# Lenient: the encoded text may contain spaces and "?" (freescout-3167 case 1 ends
# in "??="), the charset may carry an RFC 2231 language, the encoding may be lower-case.
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?(.*?)\?=", re.DOTALL)
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_QP_ESC = re.compile(rb"=([0-9A-Fa-f]{2})")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")


def _b_decode(text: str) -> bytes:
    raw = _B64_JUNK.sub(b"", text.encode("ascii", "ignore"))
    raw = raw[: len(raw) - len(raw) % 4] if len(raw) % 4 == 1 else raw
    raw += b"=" * (-len(raw) % 4)
    try:
        return base64.b64decode(raw)
    except (binascii.Error, ValueError):
        return b""


def _q_decode(text: str) -> bytes:
    raw = text.replace("_", " ").encode("utf-8", "surrogateescape")
    return _QP_ESC.sub(lambda m: bytes((int(m.group(1), 16),)), raw)


def decode_rfc2047(value: str, defects: list[str] | None = None) -> str:
    """Decode encoded words anywhere in an (unfolded or folded) header value.

    Adjacent encoded words (only whitespace between them) are joined without
    the whitespace, and the bytes of adjacent words in the same charset are
    concatenated *before* decoding, because mailers split multi-byte
    characters (and ISO-2022-JP escape runs) across words.
    """
    if not value:
        return ""
    value = _FOLD.sub("", value)
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: bytearray = bytearray()
    pending_cs: str | None = None

    def flush() -> None:
        nonlocal pending, pending_cs
        if pending_cs is not None:
            out.append(decode_bytes(bytes(pending), pending_cs or None, defects))
        pending = bytearray()
        pending_cs = None

    pos = 0
    for m in _ENCODED_WORD.finditer(value):
        between = value[pos : m.start()]
        if between and not (pending_cs is not None and between.isspace()):
            flush()
            out.append(between)
        charset = m.group(1).split("*", 1)[0]
        enc = m.group(2).upper()
        payload = _b_decode(m.group(3)) if enc == "B" else _q_decode(m.group(3))
        cs_key = charset.lower()
        if pending_cs is not None and cs_key != pending_cs:
            flush()
        pending_cs = cs_key
        pending += payload
        pos = m.end()
    flush()
    out.append(value[pos:])
    text = "".join(out)
    if "=?" in text and defects is not None and re.search(r"=\?[^?\s]+\?[bBqQ]\?", text):
        defects.append("unterminated encoded word")
        # A truncated last word (no "?="): decode what is there rather than show it raw.
        text = re.sub(
            r"=\?([^?\s]{1,75})\?([bBqQ])\?(\S*)$",
            lambda m: decode_bytes(
                _b_decode(m.group(3)) if m.group(2) in "bB" else _q_decode(m.group(3)),
                m.group(1),
                defects,
            ),
            text,
        )
    return text


# --- MIME parameters (RFC 2045 + RFC 2231 + the RFC 2047 misuse) ------------------
_PARAM = re.compile(
    r"""
    ;?\s*
    (?P<name>[^\s=;"]+)\s*=\s*
    (?P<value>"(?:\\.|[^"\\])*"?|[^;]*)
    """,
    re.VERBOSE | re.DOTALL,
)


def parse_params(raw: str, defects: list[str] | None = None) -> tuple[str, dict[str, str]]:
    """Split `type/sub; a=b; c*0*=...` into the lower-cased value and decoded params.

    RFC 2231 continuations and charsets are joined and decoded here; quoted
    values that contain RFC 2047 words (Outlook's filenames) are decoded too.
    """
    raw = _FOLD.sub("", raw or "").replace("\r", "").replace("\n", " ")
    head, _, rest = raw.partition(";")
    main = head.strip().strip('"').lower()
    simple: dict[str, str] = {}
    parts: dict[str, dict[int, tuple[bool, str]]] = {}
    for m in _PARAM.finditer(";" + rest):
        name = m.group("name").lower()
        val = m.group("value").strip()
        quoted = val.startswith('"')
        if quoted:
            val = val[1:-1] if val.endswith('"') and len(val) > 1 else val[1:]
            val = re.sub(r"\\(.)", r"\1", val)
        cm = re.fullmatch(r"(.+?)\*(\d+)?(\*)?", name)
        if cm and (cm.group(2) is not None or cm.group(3)):
            base = cm.group(1)
            idx = int(cm.group(2) or 0)
            parts.setdefault(base, {})[idx] = (bool(cm.group(3)) and not quoted, val)
        elif name.endswith("*") and len(name) > 1:
            parts.setdefault(name[:-1], {})[0] = (True, val)
        else:
            simple.setdefault(name, val)
    params: dict[str, str] = {}
    for base, chunks in parts.items():
        charset = ""
        buf = bytearray()
        for i, (_idx, (encoded, val)) in enumerate(sorted(chunks.items())):
            if encoded and i == 0 and val.count("'") >= 2:
                charset, _lang, val = val.split("'", 2)
            if encoded:
                buf += unquote_to_bytes(val.encode("utf-8", "surrogateescape"))
            else:
                buf += val.encode("utf-8", "surrogateescape")
        params[base] = decode_bytes(bytes(buf), charset or "utf-8", defects)
    for name, val in simple.items():
        if name in params:
            continue
        if "=?" in val:
            val = decode_rfc2047(val, defects)
        elif not val.isascii():
            val = decode_header_bytes(val.encode("utf-8", "surrogateescape"))
        params[name] = val
    return main, params


# --- double-encoded UTF-8 ("â€™" for "’", "ðŸ§¦" for "🧦") ----------------------------
# A run of characters that cp1252 can encode, starting with a UTF-8 lead byte's
# cp1252 face (Â-ô) and followed by continuation-byte faces. Only a run that is
# *valid* UTF-8 once re-encoded is replaced, so real Latin text ("éè") stays.
_CP1252_HIGH = (
    "\u00a0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
_MOJIBAKE_RUN = re.compile(f"[\u00c2-\u00f4][{_CP1252_HIGH}]+")


def _unmojibake(m: re.Match[str]) -> str:
    run = m.group(0)
    try:
        fixed = run.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return run
    return fixed


def repair_double_utf8(text: str) -> str:
    """Undo UTF-8 that was decoded as cp1252 and encoded again (a common mailer bug)."""
    if not text or text.isascii():
        return text
    return _MOJIBAKE_RUN.sub(_unmojibake, text)
