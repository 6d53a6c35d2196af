"""W1/R5: notifications of updates on followed tickets, per agent."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from helpspace_tui.domain.models import Notification
from helpspace_tui.store.db import Database, from_db, to_db


def _notification(r: sqlite3.Row) -> Notification:
    return Notification(
        id=r["id"], ticket_id=r["ticket_id"], subject=r["subject"], text=r["text"],
        actor=r["actor"], created_at=from_db(r["created_at"]) or datetime.min,
        read_at=from_db(r["read_at"]),
    )


class Notifications:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, agent_id: int, ticket_id: int, actor_id: int | None, text: str,
            at: datetime) -> None:
        """Caller holds a write transaction."""
        self.db.conn.execute(
            "INSERT INTO notifications (agent_id, ticket_id, actor_id, text, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (agent_id, ticket_id, actor_id, text, to_db(at)),
        )

    def list(self, agent_id: int, *, unread_only: bool = True, offset: int = 0,
             limit: int | None = None) -> list[Notification]:
        """Newest first."""
        rows = self.db.all(
            "SELECT n.*, t.subject AS subject, a.name AS actor FROM notifications n"
            " JOIN tickets t ON t.id = n.ticket_id LEFT JOIN agents a ON a.id = n.actor_id"
            " WHERE n.agent_id = :agent" + (" AND n.read_at IS NULL" if unread_only else "")
            + " ORDER BY n.created_at DESC, n.id DESC LIMIT :limit OFFSET :offset",
            {"agent": agent_id, "limit": -1 if limit is None else limit, "offset": offset},
        )
        return [_notification(r) for r in rows]

    def unread_count(self, agent_id: int) -> int:
        return int(self.db.scalar(
            "SELECT count(*) FROM notifications WHERE agent_id = ? AND read_at IS NULL",
            (agent_id,)) or 0)

    def mark_read(self, agent_id: int, at: datetime, ids: list[int] | None = None,
                  ticket_id: int | None = None) -> int:
        """Mark some (by id), a ticket's, or all unread notifications of an agent read."""
        sql = "UPDATE notifications SET read_at = ? WHERE agent_id = ? AND read_at IS NULL"
        params: list = [to_db(at), agent_id]
        if ids is not None:
            sql += f" AND id IN ({','.join('?' * len(ids))})"
            params += ids
        if ticket_id is not None:
            sql += " AND ticket_id = ?"
            params.append(ticket_id)
        return self.db.conn.execute(sql, params).rowcount

    def exists(self, agent_id: int, notification_id: int) -> bool:
        return self.db.one("SELECT 1 FROM notifications WHERE id = ? AND agent_id = ?",
                           (notification_id, agent_id)) is not None
