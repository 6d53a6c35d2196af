"""R6: half-written replies and notes, saved as the agent types."""

from __future__ import annotations

from datetime import datetime

from helpspace_tui.store.db import Database, to_db


class Drafts:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, agent_id: int, ticket_id: int, kind: str) -> str | None:
        r = self.db.one(
            "SELECT body FROM drafts WHERE agent_id = ? AND ticket_id = ? AND kind = ?",
            (agent_id, ticket_id, kind),
        )
        return r[0] if r else None

    def save(self, agent_id: int, ticket_id: int, kind: str, body: str, at: datetime) -> None:
        """Caller holds a write transaction. An empty body removes the draft."""
        if not body.strip():
            self.delete(agent_id, ticket_id, kind)
            return
        self.db.conn.execute(
            "INSERT INTO drafts (agent_id, ticket_id, kind, body, updated_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT(agent_id, ticket_id, kind) DO UPDATE SET body = excluded.body,"
            " updated_at = excluded.updated_at",
            (agent_id, ticket_id, kind, body, to_db(at)),
        )

    def ticket_ids(self, agent_id: int) -> set[int]:
        """Tickets this agent has an unfinished reply or note on."""
        return {r[0] for r in self.db.all(
            "SELECT DISTINCT ticket_id FROM drafts WHERE agent_id = ?", (agent_id,))}

    def delete(self, agent_id: int, ticket_id: int, kind: str) -> None:
        self.db.conn.execute(
            "DELETE FROM drafts WHERE agent_id = ? AND ticket_id = ? AND kind = ?",
            (agent_id, ticket_id, kind),
        )
