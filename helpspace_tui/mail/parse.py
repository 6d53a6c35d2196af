"""One raw mail -> one ParsedMail (SPEC M4-M7). Never raises, whatever the bytes.

The stdlib `email` package (policy.default) splits the MIME structure, but
headers and parameters are decoded here from their raw values: its header
objects are slow and its RFC 2047 decoding is strict where mailers are not
(spaces inside encoded words, multi-byte characters split across words,
ISO-2022-JP extensions, unknown charset labels). Every string that leaves
this module has been through the M7 sanitiser.

Decisions:
- message/rfc822 parts become an `EmbeddedMessage` *and* an attachment named
  after the forwarded subject ("<subject>.eml"), so the agent can save the
  forwarded mail whole; attachments inside it are not listed separately.
- multipart/signed: the first part is the body, the signature is listed as an
  attachment. Encrypted mail: the text says so and the parts are attachments.
- winmail.dat (application/ms-tnef) is replaced by the files inside it; if it
  cannot be unpacked it stays as it is.
- A body over MAX_TEXT_CHARS is cut there (the raw mail is kept by the store).
"""

from __future__ import annotations

import email
import email.utils
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import Message

from helpspace_tui.domain.models import Address
from helpspace_tui.domain.sanitize import fix_surrogates, safe_filename, sanitize_line, sanitize_text
from helpspace_tui.mail.classify import BOUNCE, classify, raw_header
from helpspace_tui.mail.decode import (
    decode_bytes,
    decode_header_bytes,
    decode_rfc2047,
    parse_params,
    repair_double_utf8,
)
from helpspace_tui.mail.html import html_to_text

__all__ = [
    "EmbeddedMessage",
    "LOOP_HEADER",
    "ParsedAttachment",
    "ParsedMail",
    "content_hash",
    "extract_ids",
    "parse_mail",
]

LOOP_HEADER = "X-Helpspace-Loop"
MAX_DEPTH = 30  # MIME nesting beyond this is an attack or a broken mailer
MAX_TEXT_CHARS = 5_000_000
MAX_HEADER_CHARS = 20_000  # a subject longer than this is garbage; keep it bounded


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    filename: str  # safe_filename()d, never empty
    content_type: str  # lower-case, e.g. "application/pdf"
    size: int  # decoded bytes
    content: bytes
    content_id: str | None  # without <>
    inline: bool


@dataclass(frozen=True, slots=True)
class EmbeddedMessage:
    """A message/rfc822 part (a forward, or the original inside a bounce)."""

    subject: str
    sender: Address | None
    date: datetime | None
    text: str


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    subject: str
    sender: Address | None
    reply_to: list[Address]
    to: list[Address]
    cc: list[Address]
    date: datetime | None
    text: str
    html: str | None
    attachments: list[ParsedAttachment]
    embedded: list[EmbeddedMessage]
    auto: str | None
    bounced_message_id: str | None
    loop: bool
    defects: list[str]


# --- message ids ------------------------------------------------------------------
_ANGLE_ID = re.compile(r"<\s*([^<>\s]{1,990})\s*>")
_BARE_ID = re.compile(r"[^\s<>,;\"()]{1,990}@[^\s<>,;\"()]{1,990}")
_CTRL = re.compile(r"[\x00-\x20\x7f-\x9f]")


def extract_ids(value: str | None) -> list[str]:
    """Message-ids in an In-Reply-To/References value, in order, deduplicated.

    Tolerates prose around `<id>` ("Your message of ... <id>"), junk, missing
    angle brackets, and ids separated by commas or nothing at all.
    """
    if not value:
        return []
    value = fix_surrogates(str(value))  # 8-bit bytes in the header (RFC 6532)
    found = _ANGLE_ID.findall(value)
    if not found:
        found = _BARE_ID.findall(value)
    seen: set[str] = set()
    ids: list[str] = []
    for raw_id in found:
        mid = _CTRL.sub("", raw_id).strip("<>")
        if mid and mid not in seen:
            seen.add(mid)
            ids.append(mid)
    return ids


def _normalize_message_id(value: str | None) -> str | None:
    if not value:
        return None
    ids = extract_ids(value)
    if ids:
        return ids[0]
    token = value.strip().strip("<>").strip()
    if not token or len(token) > 990 or _CTRL.search(token):
        return None  # garbage: whitespace, controls, or nothing
    return token


# --- header helpers ---------------------------------------------------------------
_FOLD = re.compile(r"\r?\n[ \t]*")


def _raw_all(msg: Message, name: str) -> list[str]:
    lname = name.lower()
    out: list[str] = []
    try:
        for k, v in msg.raw_items():
            if k.lower() == lname:
                out.append(_FOLD.sub(" ", str(v)))
    except Exception:  # noqa: BLE001 - a broken header list means "none"
        return []
    return out


def _unraw(value: str, fallback_charset: str | None) -> str:
    """The parser keeps 8-bit header bytes as surrogates; turn them into text."""
    if value.isascii():
        return value
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value
    return decode_header_bytes(data, fallback_charset)


def _header_text(value: str | None, charset: str | None, defects: list[str]) -> str:
    if not value:
        return ""
    if len(value) > MAX_HEADER_CHARS:
        defects.append("header value truncated")
        value = value[:MAX_HEADER_CHARS]
    text = decode_rfc2047(_unraw(value, charset), defects)
    fixed = repair_double_utf8(text)
    if fixed != text:
        defects.append("double-encoded UTF-8 repaired")
    return sanitize_line(fixed)


_EW_RUN = re.compile(r"=\?[^?\s]{1,75}\?[bBqQ]\?.*?\?=(?:\s*=\?[^?\s]{1,75}\?[bBqQ]\?.*?\?=)*")
_EW_TOKEN = re.compile(r"HSEW(\d+)Z")
_EMAIL_ISH = re.compile(r"[^\s<>,;:\"()\[\]]+@[^\s<>,;:\"()\[\]]+")


def _getaddresses(value: str) -> list[tuple[str, str]]:
    try:
        return email.utils.getaddresses([value])
    except Exception:  # noqa: BLE001 - malformed lists; salvaged by the caller
        return []


def _addresses(values: list[str], charset: str | None, defects: list[str]) -> list[Address]:
    out: list[Address] = []
    seen: set[tuple[str, str]] = set()
    for value in values:
        if len(value) > MAX_HEADER_CHARS:
            defects.append("address header truncated")
            value = value[:MAX_HEADER_CHARS]
        value = _unraw(value, charset)
        # Encoded words are swapped for plain atoms before splitting the list,
        # so a comma inside a decoded name cannot split an address in two.
        words: list[str] = []

        def park(m: re.Match[str], words: list[str] = words) -> str:
            words.append(m.group(0))
            return f"HSEW{len(words) - 1}Z"

        parked = _EW_RUN.sub(park, value) if "=?" in value else value
        if "@" not in parked and " at " in parked:
            # Mailman/pipermail archives write "user at example.com (Name)".
            parked = re.sub(r"(\S+) at ([\w.-]+\.[a-z]{2,})", r"\1@\2", parked, flags=re.I)
        pairs = _getaddresses(parked)
        if not any(a for _, a in pairs) and "@" in parked:
            pairs = [("", a) for a in _EMAIL_ISH.findall(parked)]

        def unpark(m: re.Match[str], words: list[str] = words) -> str:
            return decode_rfc2047(words[int(m.group(1))], defects)

        for name, addr in pairs:
            if words:
                name = _EW_TOKEN.sub(unpark, name)
                addr = _EW_TOKEN.sub(unpark, addr)
            name = sanitize_line(repair_double_utf8(name)).strip("\"' ")
            addr = sanitize_line(addr).replace(" ", "").strip("<>").lower()
            if not name and not addr:
                continue
            if name.lower() == addr:
                name = ""
            key = (name, addr)
            if key not in seen:
                seen.add(key)
                out.append(Address(name, addr))
    return out


def _parse_date(value: str | None, defects: list[str]) -> datetime | None:
    if not value:
        return None
    value = value.strip()[:200]
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        dt = None
    if dt is None:
        # "Mon, 2 Aug 2021 06:23:45 -0300 (BRT)" and similar survive the
        # tuple parser even when the datetime one gives up.
        try:
            tup = email.utils.parsedate_tz(value)
            if tup:
                dt = datetime.fromtimestamp(email.utils.mktime_tz(tup), UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            dt = None
    if dt is None:
        defects.append("unparseable Date")
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)  # "-0000": time zone unknown, the time is UTC
    try:
        return dt.astimezone(UTC)
    except (OverflowError, ValueError):
        defects.append("Date out of range")
        return None


# --- body walking -----------------------------------------------------------------
_CTYPE_OK = re.compile(r"^[a-z0-9!#$&.+^_-]+/[a-z0-9!#$&.+^_-]+$")
_META_CHARSET = re.compile(rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.I)
_TEXT_BODY_TYPES = ("text/plain", "text/html")
_REPORT_TYPES = (
    "message/delivery-status",
    "message/disposition-notification",
    "message/feedback-report",
    "message/global-delivery-status",
)


@dataclass(slots=True)
class _Body:
    """What a walk over one message's MIME tree collects."""

    defects: list[str]
    pieces: list[tuple[str, str]] = field(default_factory=list)  # ("plain"|"html", content)
    html_sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fallback_texts: list[str] = field(default_factory=list)  # report parts, TNEF body
    attachments: list[ParsedAttachment] = field(default_factory=list)
    embedded: list[EmbeddedMessage] = field(default_factory=list)
    related_ids: list[str] = field(default_factory=list)  # ids of returned originals
    counter: int = 0

    def child(self) -> _Body:
        """A fresh body list sharing everything else (for multipart/alternative)."""
        sub = _Body(self.defects)
        sub.html_sources = self.html_sources
        sub.notes = self.notes
        sub.fallback_texts = self.fallback_texts
        sub.attachments = self.attachments
        sub.embedded = self.embedded
        sub.related_ids = self.related_ids
        return sub


def _ctype(part: Message) -> tuple[str, dict[str, str], list[str]]:
    defects: list[str] = []
    raw = raw_header(part, "Content-Type")
    if raw is None:
        try:
            return part.get_default_type(), {}, defects
        except Exception:  # noqa: BLE001
            return "text/plain", {}, defects
    main, params = parse_params(raw, defects)
    if not _CTYPE_OK.match(main):
        defects.append(f"bad Content-Type {main[:40]!r}")
        try:
            main = part.get_default_type()
        except Exception:  # noqa: BLE001
            main = "text/plain"
    return main, params, defects


def _payload(part: Message, defects: list[str]) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - bad transfer encodings: fall back to the raw text
        data = None
        defects.append("undecodable transfer encoding")
    if isinstance(data, bytes):
        return data
    try:
        raw = part.get_payload()
    except Exception:  # noqa: BLE001
        return b""
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _guess_ext(ctype: str) -> str:
    if ctype == "message/rfc822":
        return ".eml"
    if ctype in _REPORT_TYPES or (ctype.startswith("text/") and ctype not in ("text/html", "text/calendar")):
        return ".txt"
    return mimetypes.guess_extension(ctype, strict=False) or ".bin"


def _add_attachment(
    body: _Body,
    content: bytes,
    ctype: str,
    filename: str | None,
    content_id: str | None,
    inline: bool,
) -> None:
    body.counter += 1
    fallback = f"attachment-{body.counter}{_guess_ext(ctype)}"
    body.attachments.append(
        ParsedAttachment(
            filename=safe_filename(filename or "", fallback),
            content_type=ctype,
            size=len(content),
            content=content,
            content_id=content_id,
            inline=inline,
        )
    )


def _tnef_name(att: object, codepage: str) -> str:
    """tnefparse decodes names as strict UTF-8 and raises on cp1252 ones; do it gently."""
    for getter in ("long_filename", "name"):
        try:
            value = getattr(att, getter)
            value = value() if callable(value) else value
        except Exception:  # noqa: BLE001 - try the next source of a name
            continue
        if isinstance(value, bytes):
            value = decode_bytes(value.rstrip(b"\0"), codepage)
        if isinstance(value, str) and value.strip("\0 "):
            return value.strip("\0 ")
    raw = getattr(att, "_name", b"")
    return decode_bytes(raw.rstrip(b"\0"), codepage) if isinstance(raw, bytes) else ""


def _tnef(body: _Body, data: bytes, filename: str | None) -> None:
    try:
        from tnefparse import TNEF

        t = TNEF(data, do_checksum=False)
        codepage = getattr(t, "codepage", None) or "cp1252"
        files = [(_tnef_name(a, codepage), bytes(a.data or b"")) for a in t.attachments]
        text = ""
        if t.body:
            text = t.body if isinstance(t.body, str) else decode_bytes(t.body, codepage)
        elif t.htmlbody:
            html = t.htmlbody if isinstance(t.htmlbody, str) else decode_bytes(t.htmlbody, None)
            text = html_to_text(html)
    except Exception:  # noqa: BLE001 - a TNEF we cannot read stays an attachment
        body.defects.append("winmail.dat could not be unpacked")
        _add_attachment(body, data, "application/ms-tnef", filename or "winmail.dat", None, False)
        return
    for name, content in files:
        ctype = mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"
        _add_attachment(body, content, ctype.lower(), name, None, False)
    if text.strip():
        body.fallback_texts.append(text)
    if not files and not text.strip():
        _add_attachment(body, data, "application/ms-tnef", filename or "winmail.dat", None, False)


def _report_text(part: Message) -> str:
    """message/delivery-status & co: parsed as header blocks by the email package."""
    lines: list[str] = []
    payload = part.get_payload()
    blocks = payload if isinstance(payload, list) else []
    for blk in blocks:
        if isinstance(blk, Message):
            for k, v in blk.raw_items():
                lines.append(f"{k}: {_FOLD.sub(' ', str(v)).strip()}")
            lines.append("")
    if not blocks and isinstance(payload, str):
        lines.append(payload)
    return _unraw("\n".join(lines), "utf-8").strip()


def _embedded(body: _Body, part: Message, depth: int, disp_filename: str | None) -> None:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, Message):
        data = _payload(part, body.defects)
        _add_attachment(body, data, "message/rfc822", disp_filename, None, False)
        return
    charset = _top_charset(inner)
    subject = _header_text(raw_header(inner, "Subject"), charset, body.defects)
    senders = _addresses(_raw_all(inner, "From"), charset, body.defects)
    date = _parse_date(raw_header(inner, "Date"), body.defects)
    mid = _normalize_message_id(raw_header(inner, "Message-ID"))
    if mid:
        body.related_ids.append(mid)
    inner_body = _Body(body.defects)
    _walk(inner, inner_body, depth + 1)
    text = _assemble_text(inner_body)
    body.embedded.append(EmbeddedMessage(subject, senders[0] if senders else None, date, text))
    body.embedded.extend(inner_body.embedded)
    try:
        data = inner.as_bytes(policy=policy.compat32)
    except Exception:  # noqa: BLE001 - unserialisable headers: keep the text at least
        data = text.encode("utf-8")
    _add_attachment(
        body, data, "message/rfc822", disp_filename or (subject or "forwarded") + ".eml", None, False
    )


def _walk(
    part: Message,
    body: _Body,
    depth: int,
    force_attachment: bool = False,
    force_body: bool = False,
) -> None:
    if depth > MAX_DEPTH:
        body.defects.append("MIME nesting too deep; inner parts skipped")
        return
    ctype, cparams, ct_defects = _ctype(part)
    body.defects.extend(ct_defects)
    disp_raw = raw_header(part, "Content-Disposition")
    disp, dparams = parse_params(disp_raw, body.defects) if disp_raw else ("", {})
    # KMail sends name=" " on body parts: a blank name is no name.
    filename = (dparams.get("filename") or "").strip() or (cparams.get("name") or "").strip() or None
    if force_body and ctype in _TEXT_BODY_TYPES:
        filename, disp = None, ""  # a report's human-readable part, even if it has a name
    multipart = part.is_multipart()

    if ctype == "message/rfc822" or (multipart and ctype.startswith("message/rfc822")):
        _embedded(body, part, depth, filename)
        return
    if ctype in _REPORT_TYPES:
        text = _report_text(part)
        for m in re.finditer(r"(?im)^(?:x-)?original-message-id:\s*(.+)$", text):
            body.related_ids.extend(extract_ids(m.group(1)))
        body.fallback_texts.append(text)
        _add_attachment(body, text.encode("utf-8"), ctype, filename or None, None, False)
        return
    if multipart:
        children = [c for c in (part.get_payload() or []) if isinstance(c, Message)]
        sub = ctype.split("/", 1)[1] if ctype.startswith("multipart/") else "mixed"
        if sub == "alternative" and not force_attachment:
            _alternative(children, body, depth)
        elif sub == "signed" and not force_attachment:
            for i, c in enumerate(children):
                _walk(c, body, depth + 1, force_attachment=i > 0)
        elif sub == "report" and not force_attachment:
            # RFC 6522: the first part is the human-readable explanation.
            for i, c in enumerate(children):
                _walk(c, body, depth + 1, force_body=i == 0)
        elif sub == "encrypted":
            body.notes.append("[This message is encrypted; its parts are listed as attachments.]")
            for c in children:
                _walk(c, body, depth + 1, force_attachment=True)
        else:
            for c in children:
                _walk(c, body, depth + 1, force_attachment)
        return

    data = _payload(part, body.defects)
    charset = cparams.get("charset")
    if ctype.startswith("multipart/"):
        # A multipart without a usable boundary: its text is still the mail.
        body.defects.append(f"{ctype} without boundary read as text")
        if data.strip():
            body.pieces.append(("plain", decode_bytes(data, charset, body.defects)))
        return
    if ctype in _TEXT_BODY_TYPES and disp != "attachment" and not filename and not force_attachment:
        if ctype == "text/html":
            if not charset:
                m = _META_CHARSET.search(data[:4096])
                charset = m.group(1).decode("ascii") if m else None
            html = decode_bytes(data, charset, body.defects)
            body.html_sources.append(html)
            body.pieces.append(("html", html))
        else:
            body.pieces.append(("plain", decode_bytes(data, charset, body.defects)))
        return
    if ctype in ("application/ms-tnef", "application/vnd.ms-tnef") or (
        (filename or "").lower() == "winmail.dat"
    ):
        _tnef(body, data, filename)
        return
    if ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
        if "enveloped" in cparams.get("smime-type", "enveloped-data"):
            body.notes.append("[This message is encrypted (S/MIME); it is listed as an attachment.]")
        else:
            body.notes.append("[S/MIME signed message; its content is in the attached smime.p7m.]")
    if ctype == "text/rfc822-headers":
        hdrs = decode_bytes(data, charset, body.defects)
        m = re.search(r"(?im)^message-id:\s*(.+(?:\n[ \t].*)*)", hdrs)
        if m:
            body.related_ids.extend(extract_ids(m.group(1))[:1])
    cid_raw = raw_header(part, "Content-ID")
    cid = (extract_ids(cid_raw) or [cid_raw.strip().strip("<>")])[0] if cid_raw else None
    cid = sanitize_line(cid)[:300] if cid else None
    inline = disp == "inline" or (not disp and cid is not None and not force_attachment)
    if not filename:
        # A nameless inline image is named after its Content-ID ("image001.png@01D...").
        filename = cid.split("@", 1)[0] if cid and ctype.startswith("image/") else None
        if filename and "." not in filename:
            filename += _guess_ext(ctype)
    _add_attachment(body, data, ctype, filename, cid or None, inline)


def _alternative(children: list[Message], body: _Body, depth: int) -> None:
    """Prefer the first non-empty text/plain alternative, else the richest HTML one."""
    subs: list[_Body] = []
    for c in children:
        sub = body.child()
        _walk(c, sub, depth + 1)
        subs.append(sub)
    for want in ("plain", "html"):
        for sub in subs if want == "plain" else reversed(subs):
            if any(k == want and v.strip() for k, v in sub.pieces):
                body.pieces.extend(sub.pieces)
                return
    for sub in subs:
        body.pieces.extend(sub.pieces)


def _assemble_text(body: _Body) -> str:
    texts: list[str] = []
    for kind, content in body.pieces:
        t = html_to_text(content) if kind == "html" else content
        t = t.strip("\r\n")
        if t.strip():
            texts.append(t)
    text = "\n\n".join(texts)
    if body.embedded:  # forwards read as part of the mail, with their own sender and date
        forwards = "\n\n".join(_render_forward(e) for e in body.embedded[:5])
        text = f"{text}\n\n{forwards}" if text.strip() else forwards
    if not text.strip() and body.fallback_texts:
        text = "\n\n".join(t for t in body.fallback_texts if t.strip())
    if body.notes:
        text = "\n".join(dict.fromkeys(body.notes)) + ("\n\n" + text if text.strip() else "")
    if len(text) > MAX_TEXT_CHARS:
        body.defects.append("body text cut at 5,000,000 characters")
        text = text[:MAX_TEXT_CHARS]
    return sanitize_text(text)


def _render_forward(e: EmbeddedMessage) -> str:
    lines = ["---------- Forwarded message ----------"]
    if e.sender:
        lines.append(f"From: {e.sender}")
    if e.date:
        lines.append(f"Date: {e.date.isoformat()}")
    if e.subject:
        lines.append(f"Subject: {e.subject}")
    return "\n".join(lines) + "\n\n" + e.text


def _top_charset(msg: Message) -> str | None:
    raw = raw_header(msg, "Content-Type")
    if not raw:
        return None
    return parse_params(raw)[1].get("charset")


def _parser_defects(msg: Message) -> list[str]:
    out: list[str] = []
    try:
        for part in msg.walk():
            for d in getattr(part, "defects", []):
                out.append(type(d).__name__)
    except Exception:  # noqa: BLE001
        pass
    return out


# --- entry points -----------------------------------------------------------------
_LEADING_BLANKS = re.compile(rb"\A(?:[ \t]*\r?\n)+(?=[!-9;-~]+:)")


def _parse(raw: bytes) -> ParsedMail:
    defects: list[str] = []
    if _LEADING_BLANKS.match(raw):
        # Some MTAs/exports put a blank line first; the parser would read it all as body.
        raw = _LEADING_BLANKS.sub(b"", raw, count=1)
        defects.append("leading blank line before headers")
    msg = email.message_from_bytes(raw, policy=policy.default)
    charset = _top_charset(msg)

    subject = _header_text(raw_header(msg, "Subject"), charset, defects)
    senders = _addresses(_raw_all(msg, "From"), charset, defects)
    message_id = _normalize_message_id(raw_header(msg, "Message-ID"))
    in_reply_to = extract_ids(" ".join(_raw_all(msg, "In-Reply-To")))
    references = extract_ids(" ".join(_raw_all(msg, "References")))
    date = _parse_date(raw_header(msg, "Date"), defects)

    body = _Body(defects)
    _walk(msg, body, 0)
    text = _assemble_text(body)
    html = "\n".join(body.html_sources) if body.html_sources else None

    sender = senders[0] if senders else None
    try:
        auto = classify(msg, subject, sender)
    except Exception:  # noqa: BLE001 - classification is advisory
        auto = None
        defects.append("classification failed")
    bounced: str | None = None
    if auto == BOUNCE:
        candidates = list(body.related_ids)
        for name in ("Original-Message-ID", "X-Original-Message-ID"):
            candidates.extend(extract_ids(raw_header(msg, name)))
        if not candidates:
            m = re.search(r"(?im)^\s*message-id:\s*<([^<>\s]+)>", text)
            if m:
                candidates.append(m.group(1))
        bounced = next((c for c in candidates if c != message_id), None)

    defects.extend(_parser_defects(msg))
    return ParsedMail(
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        subject=subject,
        sender=sender,
        reply_to=_addresses(_raw_all(msg, "Reply-To"), charset, defects),
        to=_addresses(_raw_all(msg, "To"), charset, defects),
        cc=_addresses(_raw_all(msg, "Cc"), charset, defects),
        date=date,
        text=text,
        html=html,
        attachments=body.attachments,
        embedded=body.embedded,
        auto=auto,
        bounced_message_id=bounced,
        loop=raw_header(msg, LOOP_HEADER) is not None,
        defects=list(dict.fromkeys(defects)),
    )


def _fallback(raw: bytes, exc: BaseException) -> ParsedMail:
    """The email package itself failed: keep the bytes readable, note why."""
    head, _, rest = raw.partition(b"\n\n")
    m = re.search(rb"(?im)^subject:[ \t]*(.*)$", head[:65536])
    subject = sanitize_line(decode_header_bytes(m.group(1)[:2000])) if m else ""
    text = decode_bytes((rest or raw)[:MAX_TEXT_CHARS], "utf-8")
    return ParsedMail(
        message_id=None,
        in_reply_to=[],
        references=[],
        subject=subject,
        sender=None,
        reply_to=[],
        to=[],
        cc=[],
        date=None,
        text=sanitize_text(text),
        html=None,
        attachments=[],
        embedded=[],
        auto=None,
        bounced_message_id=None,
        loop=False,
        defects=[f"parser failed: {type(exc).__name__}"],
    )


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse one mail. Never raises; deterministic for the same bytes."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raw = str(raw).encode("utf-8", "surrogateescape")
    raw = bytes(raw)
    try:
        return _parse(raw)
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - M6: never drop a mail
        try:
            return _fallback(raw, exc)
        except Exception:  # noqa: BLE001
            return _fallback(b"", exc)


# --- duplicate detection ----------------------------------------------------------
_HASH_HEADERS = (b"message-id", b"from", b"date", b"subject", b"to", b"cc")
_HDR_SPLIT = re.compile(rb"\r?\n\r?\n|\r\r")
_WS = re.compile(rb"\s+")
_TRAILING_WS = re.compile(rb"[ \t]+$", re.M)


def content_hash(raw: bytes) -> str:
    """sha256 over what identifies a mail, not over how it was delivered.

    Received/Delivered-To/Return-Path and line endings differ between two
    deliveries of one mail; Message-ID, From, Date, Subject, To, Cc and the
    body do not.
    """
    raw = bytes(raw or b"")
    m = _HDR_SPLIT.search(raw)
    head, body = (raw[: m.start()], raw[m.end() :]) if m else (raw, b"")
    head = head.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    values: dict[bytes, bytes] = {}
    current: bytes | None = None  # the header whose continuation lines we are reading
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if current is not None:
                values[current] += b" " + line.strip()
            continue
        key, sep, val = line.partition(b":")
        name = key.strip().lower()
        current = None
        if sep and name in _HASH_HEADERS and name not in values:
            values[name] = val.strip()
            current = name
    h = hashlib.sha256()
    for key in _HASH_HEADERS:
        h.update(key + b":" + _WS.sub(b" ", values.get(key, b"")).strip() + b"\0")
    body = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    body = _TRAILING_WS.sub(b"", body).rstrip(b"\n")
    h.update(b"\0" + body)
    return h.hexdigest()
