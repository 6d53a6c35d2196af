"""R6: the persistent outbox. Rows are claimed atomically so each mail goes out once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from helpspace_tui.store.db import Database, to_db

# a claim older than this belongs to a process that died while sending
STALE_CLAIM = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    id: int
    ticket_id: int
    message_pk: int
    raw: bytes
    mail_from: str
    recipients: list[str]
    attempts: int


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(self, ticket_id: int, message_pk: int, raw: bytes, mail_from: str,
                recipients: list[str], at: datetime) -> int:
        cur = self.db.conn.execute(
            "INSERT INTO outbox (message_pk, ticket_id, raw, mail_from, rcpt_json,"
            " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (message_pk, ticket_id, raw, mail_from, json.dumps(recipients), to_db(at), to_db(at)),
        )
        return int(cur.lastrowid or 0)

    def claim_next(self, worker: str, now: datetime) -> OutgoingMail | None:
        """Take one due mail for this worker (caller holds a write transaction)."""
        row = self.db.one(
            "SELECT * FROM outbox WHERE (state = 'queued' AND next_attempt_at <= ?)"
            " OR (state = 'sending' AND claimed_at <= ?) ORDER BY id LIMIT 1",
            (to_db(now), to_db(now - STALE_CLAIM)),
        )
        if row is None:
            return None
        self.db.conn.execute(
            "UPDATE outbox SET state = 'sending', claimed_by = ?, claimed_at = ?,"
            " attempts = attempts + 1 WHERE id = ?",
            (worker, to_db(now), row["id"]),
        )
        return OutgoingMail(
            row["id"], row["ticket_id"], row["message_pk"], bytes(row["raw"]),
            row["mail_from"], json.loads(row["rcpt_json"]), row["attempts"] + 1,
        )

    def mark_sent(self, outbox_id: int, at: datetime) -> None:
        self.db.conn.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
            (to_db(at), outbox_id),
        )

    def mark_failed(self, outbox_id: int, error: str, retry_at: datetime | None) -> None:
        """Temporary failures go back in the queue; permanent ones wait for an agent."""
        if retry_at is None:
            self.db.conn.execute(
                "UPDATE outbox SET state = 'failed', last_error = ? WHERE id = ?",
                (error, outbox_id),
            )
        else:
            self.db.conn.execute(
                "UPDATE outbox SET state = 'queued', last_error = ?, next_attempt_at = ?"
                " WHERE id = ?",
                (error, to_db(retry_at), outbox_id),
            )

    def retry(self, outbox_id: int, at: datetime) -> bool:
        cur = self.db.conn.execute(
            "UPDATE outbox SET state = 'queued', next_attempt_at = ? WHERE id = ?"
            " AND state = 'failed'",
            (to_db(at), outbox_id),
        )
        return cur.rowcount > 0

    def counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.db.all("SELECT state, count(*) FROM outbox GROUP BY state")}

    def unsent(self) -> list[tuple[int, int, str, int, str | None]]:
        """(id, ticket, state, attempts, last error) of every mail not yet delivered."""
        return [
            (r["id"], r["ticket_id"], r["state"], r["attempts"], r["last_error"])
            for r in self.db.all(
                "SELECT * FROM outbox WHERE state != 'sent' ORDER BY id"
            )
        ]
