"""Building the MIME of mails we send: Markdown as text plus HTML (R1), threading
headers, our Message-ID, and a loop-prevention header (M4)."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, make_msgid

from markdown_it import MarkdownIt

LOOP_HEADER = "X-Helpspace-Loop"
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})


@dataclass(slots=True)
class OutgoingDraft:
    sender: str  # "Support <support@example.com>"
    to: list[str]
    subject: str
    body_markdown: str
    date: datetime
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    attachments: list[tuple[str, bytes]] = field(default_factory=list)  # (filename, content)


def address_domain(sender: str) -> str:
    addrs = getaddresses([sender])
    addr = addrs[0][1] if addrs else ""
    return addr.rpartition("@")[2] or "localhost"


def bare_address(value: str) -> str:
    addrs = getaddresses([value])
    return addrs[0][1] if addrs and addrs[0][1] else value.strip()


def build_mail(d: OutgoingDraft) -> tuple[bytes, str]:
    """The mail as bytes ready for SMTP, and its Message-ID (without <>)."""
    domain = address_domain(d.sender)
    msgid = make_msgid(domain=domain)
    msg = EmailMessage()
    msg["From"] = d.sender
    msg["To"] = ", ".join(d.to)
    if d.cc:
        msg["Cc"] = ", ".join(d.cc)
    msg["Subject"] = d.subject
    msg["Date"] = format_datetime(d.date)
    msg["Message-ID"] = msgid
    if d.in_reply_to:
        msg["In-Reply-To"] = f"<{d.in_reply_to}>"
    refs = [r for r in d.references if r]
    if d.in_reply_to and d.in_reply_to not in refs:
        refs.append(d.in_reply_to)
    if refs:
        msg["References"] = " ".join(f"<{r}>" for r in refs[-20:])
    msg[LOOP_HEADER] = domain
    # our answers are written by people, but out-of-office robots must not answer them twice
    msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    text = d.body_markdown.rstrip() + "\n"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(_html(d.body_markdown), subtype="html", charset="utf-8")
    for filename, content in d.attachments:
        ctype, _ = mimetypes.guess_type(filename)
        maintype, _, subtype = (ctype or "application/octet-stream").partition("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=SMTP), msgid.strip("<>")


def _html(markdown: str) -> str:
    body = _md.render(markdown)
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>"
        f"<body>{body}</body></html>\n"
    )
