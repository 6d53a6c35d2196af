"""Agents, teams and store-wide settings (SPEC G1–G4)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from helpspace_tui.domain.models import Agent
from helpspace_tui.domain.settings import DEFAULTS
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
        removed = self.db.one(
            "SELECT id FROM agents WHERE name = ? AND removed_at IS NOT NULL", (name,))
        if removed is not None:  # an agent removed earlier comes back under its name
            self.db.conn.execute(
                "UPDATE agents SET removed_at = NULL, email = ?, os_user = ?, is_admin = ?"
                " WHERE id = ?", (email, os_user, int(is_admin), removed["id"]))
            back = self.by_id(int(removed["id"]))
            assert back is not None
            return back
        cur = self.db.conn.execute(
            "INSERT INTO agents (name, email, os_user, is_admin, created_at) VALUES (?,?,?,?,?)",
            (name, email, os_user, int(is_admin), to_db(at)),
        )
        agent = self.by_id(int(cur.lastrowid or 0))
        assert agent is not None
        return agent

    def is_removed(self, name: str) -> bool:
        """An agent of this name was removed by an admin (G2: only an admin adds it back)."""
        return self.db.one(
            "SELECT 1 FROM agents WHERE name = ? AND removed_at IS NOT NULL", (name,)) is not None

    def set_os_user(self, agent_id: int, os_user: str) -> None:
        self.db.conn.execute("UPDATE agents SET os_user = ? WHERE id = ?", (os_user, agent_id))

    def teams(self) -> list[str]:
        return [r[0] for r in self.db.all("SELECT name FROM teams ORDER BY name")]

    def admins(self) -> list[str]:
        return [r[0] for r in self.db.all(
            "SELECT name FROM agents WHERE is_admin AND removed_at IS NULL ORDER BY name")]

    def set_admin(self, agent_id: int, is_admin: bool) -> None:
        self.db.conn.execute("UPDATE agents SET is_admin = ? WHERE id = ?",
                             (int(is_admin), agent_id))

    def remove(self, agent_id: int, at: datetime) -> list[int]:
        """Caller holds a write transaction. The agent leaves the roster (their name stays
        on history), their teams and follows; returns the tickets they had, now
        unassigned (the caller records that on each ticket)."""
        tickets = [r[0] for r in self.db.all(
            "SELECT id FROM tickets WHERE assignee_id = ? ORDER BY id", (agent_id,))]
        self.db.conn.execute("UPDATE tickets SET assignee_id = NULL WHERE assignee_id = ?",
                             (agent_id,))
        self.db.conn.execute("DELETE FROM team_members WHERE agent_id = ?", (agent_id,))
        self.db.conn.execute("DELETE FROM followers WHERE agent_id = ?", (agent_id,))
        self.db.conn.execute(
            "UPDATE agents SET removed_at = ?, os_user = NULL, is_admin = 0 WHERE id = ?",
            (to_db(at), agent_id))
        return tickets

    # -- teams (G3) ---------------------------------------------------------------------
    def team(self, name: str) -> str | None:
        """The team's name as stored (names are case-insensitive), or None."""
        r = self.db.one("SELECT name FROM teams WHERE name = ?", (name,))
        return r[0] if r else None

    def add_team(self, name: str, at: datetime) -> None:
        self.db.conn.execute("INSERT INTO teams (name, created_at) VALUES (?, ?)",
                             (name, to_db(at)))

    def remove_team(self, name: str) -> list[int]:
        """Caller holds a write transaction; returns the tickets that were the team's."""
        tickets = [r[0] for r in self.db.all(
            "SELECT t.id FROM tickets t JOIN teams tm ON tm.id = t.team_id WHERE tm.name = ?"
            " ORDER BY t.id", (name,))]
        self.db.conn.execute(
            "UPDATE tickets SET team_id = NULL WHERE team_id = (SELECT id FROM teams"
            " WHERE name = ?)", (name,))
        self.db.conn.execute("DELETE FROM teams WHERE name = ?", (name,))
        return tickets

    def members(self, team: str) -> list[str]:
        return [r[0] for r in self.db.all(
            "SELECT a.name FROM team_members m JOIN teams t ON t.id = m.team_id"
            " JOIN agents a ON a.id = m.agent_id WHERE t.name = ? AND a.removed_at IS NULL"
            " ORDER BY a.name", (team,))]

    def teams_with_members(self) -> list[tuple[str, list[str]]]:
        return [(t, self.members(t)) for t in self.teams()]

    def add_member(self, team: str, agent_id: int) -> bool:
        cur = self.db.conn.execute(
            "INSERT OR IGNORE INTO team_members (team_id, agent_id)"
            " SELECT id, ? FROM teams WHERE name = ?", (agent_id, team))
        return cur.rowcount > 0

    def remove_member(self, team: str, agent_id: int) -> bool:
        cur = self.db.conn.execute(
            "DELETE FROM team_members WHERE agent_id = ? AND team_id ="
            " (SELECT id FROM teams WHERE name = ?)", (agent_id, team))
        return cur.rowcount > 0


class Settings:
    """Store-wide settings (G4) with their defaults."""

    DEFAULTS: dict[str, str] = DEFAULTS

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
