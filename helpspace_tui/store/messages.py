"""Messages of tickets, their attachments, and the Message-ID → ticket map (M2)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from helpspace_tui.domain.models import Address, Attachment, Message, MessageKind
from helpspace_tui.store.db import Database, from_db, to_db


@dataclass(slots=True)
class NewMessage:
    """What the services hand the store to add one message to a ticket."""

    ticket_id: int
    kind: MessageKind
    date: datetime
    sender: Address | None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    subject: str = ""
    text: str = ""
    html: str | None = None
    message_id: str | None = None
    raw_id: int | None = None
    author_id: int | None = None
    thread_reason: str = ""
    bounced_message_id: str | None = None
    # (filename, content_type, content, content_id, inline)
    attachments: list[tuple[str, str, bytes, str | None, bool]] = field(default_factory=list)


def _addr_list(js: str) -> list[Address]:
    out = []
    for item in json.loads(js or "[]"):
        if isinstance(item, list) and len(item) == 2:
            out.append(Address(str(item[0]), str(item[1])))
    return out


class Messages:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, m: NewMessage, created_at: datetime) -> int:
        cur = self.db.conn.execute(
            """INSERT INTO messages (ticket_id, kind, raw_id, message_id, author_id, from_name,
                   from_addr, to_json, cc_json, subject, text, html, date, created_at,
                   thread_reason, bounced_message_id)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            (
                m.ticket_id,
                m.kind.value,
                m.raw_id,
                m.message_id,
                m.author_id,
                m.sender.name if m.sender else "",
                m.sender.addr if m.sender else "",
                json.dumps([[a.name, a.addr] for a in m.to], ensure_ascii=False),
                json.dumps([[a.name, a.addr] for a in m.cc], ensure_ascii=False),
                m.subject,
                m.text,
                m.html,
                to_db(m.date),
                to_db(created_at),
                m.thread_reason,
                m.bounced_message_id,
            ),
        )
        pk = int(cur.lastrowid or 0)
        self.db.conn.executemany(
            "INSERT INTO attachments (message_pk, filename, content_type, size, content,"
            " content_id, inline) VALUES (?,?,?,?,?,?,?)",
            [(pk, fn, ct, len(data), data, cid, int(inline))
             for fn, ct, data, cid, inline in m.attachments],
        )
        return pk

    def for_ticket(self, ticket_id: int) -> list[Message]:
        rows = self.db.all(
            """SELECT m.*, a.name AS author, o.state AS delivery, o.last_error AS delivery_error
               FROM messages m LEFT JOIN agents a ON a.id = m.author_id
               LEFT JOIN outbox o ON o.message_pk = m.id
               WHERE m.ticket_id = ? ORDER BY m.id""",
            (ticket_id,),
        )
        atts: dict[int, list[Attachment]] = {}
        for r in self.db.all(
            "SELECT a.id, a.message_pk, a.filename, a.content_type, a.size, a.inline"
            " FROM attachments a JOIN messages m ON m.id = a.message_pk"
            " WHERE m.ticket_id = ? ORDER BY a.id",
            (ticket_id,),
        ):
            atts.setdefault(r["message_pk"], []).append(
                Attachment(r["id"], r["filename"], r["content_type"], r["size"], bool(r["inline"]))
            )
        return [self._message(r, atts.get(r["id"], [])) for r in rows]

    @staticmethod
    def _message(r: sqlite3.Row, attachments: list[Attachment]) -> Message:
        sender = Address(r["from_name"], r["from_addr"]) if r["from_addr"] or r["from_name"] else None
        return Message(
            id=r["id"],
            ticket_id=r["ticket_id"],
            kind=MessageKind(r["kind"]),
            sender=sender,
            to=_addr_list(r["to_json"]),
            cc=_addr_list(r["cc_json"]),
            subject=r["subject"],
            text=r["text"],
            date=from_db(r["date"]) or datetime.now(UTC),
            message_id=r["message_id"],
            author=r["author"],
            attachments=attachments,
            thread_reason=r["thread_reason"],
            delivery=r["delivery"],
            delivery_error=r["delivery_error"],
        )

    def attachment_content(self, attachment_id: int) -> bytes | None:
        row = self.db.one("SELECT content FROM attachments WHERE id = ?", (attachment_id,))
        return bytes(row[0]) if row else None

    def same_mail(self, message_id: str, subject: str, text: str) -> int | None:
        """The ticket of a stored mail with this Message-ID and this very content: the
        same mail again in other bytes (re-encoded by a server, or moved)."""
        row = self.db.one(
            "SELECT ticket_id FROM messages WHERE message_id = ? AND subject = ? AND text = ?"
            " LIMIT 1", (message_id, subject, text))
        return int(row[0]) if row else None

    def find_by_message_id(self, message_id: str) -> tuple[int, int] | None:
        """(message pk, ticket id) of a stored mail with this Message-ID."""
        row = self.db.one(
            "SELECT id, ticket_id FROM messages WHERE message_id = ? ORDER BY id LIMIT 1",
            (message_id,),
        )
        return (int(row[0]), int(row[1])) if row else None

    # -- M2: every id we stored or saw referenced ------------------------------------
    def ticket_for_id(self, msgid: str) -> int | None:
        row = self.db.one("SELECT ticket_id FROM thread_ids WHERE msgid = ?", (msgid,))
        return int(row[0]) if row else None

    def remember_ids(self, ticket_id: int, seen: str | None, referenced: Iterable[str]) -> None:
        """Map the mail's own id (seen) and the ids it references to its ticket. An id
        already mapped keeps its first ticket, so a later mail can't move a thread."""
        if seen:
            self.db.conn.execute(
                "INSERT INTO thread_ids (msgid, ticket_id, seen) VALUES (?, ?, 1)"
                " ON CONFLICT(msgid) DO UPDATE SET seen = 1",
                (seen, ticket_id),
            )
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO thread_ids (msgid, ticket_id, seen) VALUES (?, ?, 0)",
            [(mid, ticket_id) for mid in referenced if mid],
        )
