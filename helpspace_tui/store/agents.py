"""Agents, teams and store-wide settings (SPEC G1–G4)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from helpspace_tui.domain.models import Agent
from helpspace_tui.store.db import Database, to_db


def _agent(r: sqlite3.Row) -> Agent:
    return Agent(r["id"], r["name"], r["email"], bool(r["is_admin"]), r["os_user"])


class Agents:
    def __init__(self, db: Database) -> None:
        self.db = db

    def by_name(self, name: str) -> Agent | None:
        r = self.db.one("SELECT * FROM agents WHERE name = ? AND removed_at IS NULL", (name,))
        return _agent(r) if r else None

    def by_os_user(self, os_user: str) -> Agent | None:
        r = self.db.one("SELECT * FROM agents WHERE os_user = ? AND removed_at IS NULL", (os_user,))
        return _agent(r) if r else None

    def by_id(self, agent_id: int) -> Agent | None:
        r = self.db.one("SELECT * FROM agents WHERE id = ?", (agent_id,))
        return _agent(r) if r else None

    def list(self) -> list[Agent]:
        return [_agent(r) for r in self.db.all(
            "SELECT * FROM agents WHERE removed_at IS NULL ORDER BY name")]

    def os_users(self) -> set[str]:
        return {r[0] for r in self.db.all("SELECT os_user FROM agents WHERE os_user IS NOT NULL")}

    def emails(self) -> set[str]:
        return {r[0].lower() for r in self.db.all(
            "SELECT email FROM agents WHERE email IS NOT NULL AND removed_at IS NULL")}

    def add(self, name: str, at: datetime, *, os_user: str | None = None,
            email: str | None = None, is_admin: bool | None = None) -> Agent:
        """Caller holds a write transaction. The first agent of a store is its admin."""
        if is_admin is None:
            is_admin = self.db.scalar("SELECT count(*) FROM agents") == 0
        cur = self.db.conn.execute(
            "INSERT INTO agents (name, email, os_user, is_admin, created_at) VALUES (?,?,?,?,?)",
            (name, email, os_user, int(is_admin), to_db(at)),
        )
        agent = self.by_id(int(cur.lastrowid or 0))
        assert agent is not None
        return agent

    def set_os_user(self, agent_id: int, os_user: str) -> None:
        self.db.conn.execute("UPDATE agents SET os_user = ? WHERE id = ?", (os_user, agent_id))

    def teams(self) -> list[str]:
        return [r[0] for r in self.db.all("SELECT name FROM teams ORDER BY name")]


class Settings:
    """Store-wide settings (G4) with their defaults."""

    DEFAULTS: dict[str, str] = {
        "assign_on_reply": "always",
        "trash_days": "30",
    }

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str) -> str:
        r = self.db.one("SELECT value FROM settings WHERE key = ?", (key,))
        return r[0] if r else self.DEFAULTS[key]

    def set(self, key: str, value: str) -> None:
        self.db.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def all(self) -> dict[str, str]:
        out = dict(self.DEFAULTS)
        out.update({r[0]: r[1] for r in self.db.all("SELECT key, value FROM settings")})
        return out
