"""Tickets, customers, tags, followers, history: queries that return domain objects."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime

from helpspace_tui.domain.inboxes import InboxRef
from helpspace_tui.domain.models import (
    ACTIVE_STATUSES,
    Address,
    HistoryEntry,
    ReportRow,
    Status,
    Ticket,
)
from helpspace_tui.store.db import Database, from_db, to_db

_SEP = "\x1f"  # joins tags in one column; cannot occur in a sanitised tag

_SELECT = f"""
    SELECT t.*, c.email AS c_email, c.name AS c_name,
           a.name AS assignee_name, tm.name AS team_name,
           (SELECT group_concat(tag, '{_SEP}') FROM
               (SELECT tag FROM tags WHERE ticket_id = t.id ORDER BY tag)) AS tag_list
    FROM tickets t
    JOIN customers c ON c.id = t.customer_id
    LEFT JOIN agents a ON a.id = t.assignee_id
    LEFT JOIN teams tm ON tm.id = t.team_id
"""
_ACTIVE = "(" + ",".join(f"'{s}'" for s in ACTIVE_STATUSES) + ")"
_ORDER = "ORDER BY t.status_rank, t.last_customer_at DESC, t.id DESC"
# a search matches the words of any message (FTS5), the customer, or the ticket number
_SEARCH = """(t.id IN (SELECT m.ticket_id FROM messages m WHERE m.id IN
                 (SELECT rowid FROM messages_fts WHERE messages_fts MATCH :fts))
             OR t.customer_id IN (SELECT id FROM customers WHERE email LIKE :like ESCAPE '\\'
                                  OR name LIKE :like ESCAPE '\\')
             OR CAST(t.id AS TEXT) = :number)"""
_WORD = re.compile(r"\w+", re.UNICODE)


def _like_escape(text: str) -> str:
    """'_' and '%' typed by an agent are characters, not LIKE wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_query(text: str) -> str | None:
    """What an agent types as an FTS5 query that cannot be a syntax error: every word
    must occur, as a prefix ('invo' finds 'invoice')."""
    words = _WORD.findall(text)
    return " ".join(f'"{w}"*' for w in words[:12]) or None


def _ticket(row: sqlite3.Row) -> Ticket:
    return Ticket(
        id=row["id"],
        subject=row["subject"],
        status=Status(row["status"]),
        customer=Address(row["c_name"], row["c_email"]),
        assignee=row["assignee_name"],
        team=row["team_name"],
        tags=row["tag_list"].split(_SEP) if row["tag_list"] else [],
        message_count=row["message_count"],
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        last_customer_at=from_db(row["last_customer_at"]),
        previous_status=Status(row["previous_status"]) if row["previous_status"] else None,
        waiting_until=from_db(row["waiting_until"]),
        waiting_then=Status(row["waiting_then"]) if row["waiting_then"] else None,
        trashed_at=from_db(row["trashed_at"]),
    )


class Tickets:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading --------------------------------------------------------------------
    def get(self, ticket_id: int) -> Ticket | None:
        row = self.db.one(_SELECT + " WHERE t.id = ?", (ticket_id,))
        if row is None:
            return None
        t = _ticket(row)
        t.followers = [
            r["name"]
            for r in self.db.all(
                "SELECT a.name FROM followers f JOIN agents a ON a.id = f.agent_id"
                " WHERE f.ticket_id = ? ORDER BY a.name",
                (ticket_id,),
            )
        ]
        return t

    def _where(self, inbox: InboxRef, me: int | None, tag: str | None,
               search: str | None = None) -> tuple[str, dict]:
        """The WHERE clause of an inbox (V1–V11), narrowed by a tag (T1) and a search;
        and its parameters."""
        if inbox.name == "trash":
            clause = "t.trashed_at IS NOT NULL"
        else:
            clause = "t.trashed_at IS NULL AND " + {
                "unassigned": f"t.assignee_id IS NULL AND t.status IN {_ACTIVE}",
                "mine": f"t.assignee_id = :me AND t.status IN {_ACTIVE}",
                "assigned": f"t.assignee_id IS NOT NULL AND t.assignee_id IS NOT :me"
                f" AND t.status IN {_ACTIVE}",
                "all": "t.status != 'spam'",
                "watched": "t.status != 'spam' AND t.id IN"
                " (SELECT ticket_id FROM followers WHERE agent_id = :me)",
                "closed": "t.status = 'closed'",
                "spam": "t.status = 'spam'",
                "team": f"t.team_id = (SELECT id FROM teams WHERE name = :team)"
                f" AND t.status IN {_ACTIVE}",
            }[inbox.name]
        params: dict = {"me": me, "team": inbox.team, "tag": tag}
        if tag:
            clause += " AND t.id IN (SELECT ticket_id FROM tags WHERE tag = :tag)"
        if search:
            clause += f" AND {_SEARCH}"
            params.update(fts=fts_query(search) or '""', like="%" + _like_escape(search.strip()) + "%",
                          number=search.strip().lstrip("#"))
        return clause, params

    def list(
        self,
        inbox: InboxRef,
        me: int | None,
        *,
        offset: int = 0,
        limit: int | None = None,
        tag: str | None = None,
        search: str | None = None,
    ) -> list[Ticket]:
        """One page of an inbox in S7 order; lists never load whole unless asked."""
        clause, params = self._where(inbox, me, tag, search)
        sql = f"{_SELECT} WHERE {clause} {_ORDER} LIMIT :limit OFFSET :offset"
        rows = self.db.all(sql, {**params, "limit": -1 if limit is None else limit,
                                 "offset": offset})
        return [_ticket(r) for r in rows]

    def ids(self, inbox: InboxRef, me: int | None, *, tag: str | None = None,
            search: str | None = None) -> list[int]:
        """Every ticket id of an inbox in S7 order: what a list view pages through."""
        clause, params = self._where(inbox, me, tag, search)
        return [r[0] for r in self.db.conn.execute(
            f"SELECT t.id FROM tickets t WHERE {clause} {_ORDER}", params)]

    def get_many(self, ids: list[int]) -> list[Ticket]:
        """These tickets, in this order (those that no longer exist are left out)."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        found = {r["id"]: _ticket(r) for r in self.db.all(
            f"{_SELECT} WHERE t.id IN ({marks})", tuple(ids))}
        return [found[i] for i in ids if i in found]

    def count(self, inbox: InboxRef, me: int | None, *, tag: str | None = None,
              only_open: bool = False, search: str | None = None) -> int:
        """All tickets of an inbox, or with only_open its V10 number (open + escalated)."""
        clause, params = self._where(inbox, me, tag, search)
        if only_open:
            clause += " AND t.status IN ('open', 'escalated')"
        return int(self.db.scalar(f"SELECT count(*) FROM tickets t WHERE {clause}", params) or 0)

    def position(self, inbox: InboxRef, me: int | None, ticket_id: int,
                 tag: str | None = None, search: str | None = None) -> int | None:
        """Row index of a ticket in an inbox (to keep the cursor on it after a change)."""
        clause, params = self._where(inbox, me, tag, search)
        row = self.db.one(
            f"SELECT rn FROM (SELECT t.id, row_number() OVER ({_ORDER}) - 1 AS rn"
            f" FROM tickets t WHERE {clause}) WHERE id = :id",
            {**params, "id": ticket_id},
        )
        return int(row["rn"]) if row else None

    def for_customer(self, email: str, limit: int = 25) -> list[Ticket]:
        """The customer's most recent tickets (C2); a busy sender can have thousands."""
        rows = self.db.all(_SELECT + " WHERE c.email = ? ORDER BY t.id DESC LIMIT ?",
                           (email, limit))
        return [_ticket(r) for r in rows]

    def due_timers(self, now: datetime) -> list[int]:
        return [
            r[0]
            for r in self.db.all(
                "SELECT id FROM tickets WHERE waiting_until IS NOT NULL AND waiting_until <= ?"
                " AND status = 'waiting'",
                (to_db(now),),
            )
        ]

    def next_timer(self) -> datetime | None:
        """When the next waiting timer is due (S4), so a sync can wake up for it."""
        return from_db(self.db.scalar(  # type: ignore[arg-type]
            "SELECT min(waiting_until) FROM tickets WHERE waiting_until IS NOT NULL"
            " AND status = 'waiting'"))

    def participants(self, ticket_id: int) -> set[str]:
        """The customer and every To/Cc address of the ticket's mails (M2 token rule)."""
        addrs = {
            r[0]
            for r in self.db.all(
                "SELECT c.email FROM tickets t JOIN customers c ON c.id = t.customer_id"
                " WHERE t.id = ?",
                (ticket_id,),
            )
        }
        rows = self.db.all(
            # to_json/cc_json hold [name, addr] pairs: take the address
            "SELECT json_extract(j.value, '$[1]') FROM messages m, json_each(m.to_json) j"
            " WHERE m.ticket_id = ?"
            " UNION SELECT json_extract(j.value, '$[1]') FROM messages m, json_each(m.cc_json) j"
            " WHERE m.ticket_id = ?"
            " UNION SELECT from_addr FROM messages WHERE ticket_id = ? AND kind = 'customer'",
            (ticket_id, ticket_id, ticket_id),
        )
        for (value,) in rows:
            addr = str(value)
            if "<" in addr and addr.endswith(">"):
                addr = addr[addr.rindex("<") + 1 : -1]
            addrs.add(addr.strip().lower())
        return addrs

    def all_tags(self) -> list[str]:
        return [r[0] for r in self.db.all("SELECT DISTINCT tag FROM tags ORDER BY tag")]

    def history(self, ticket_id: int) -> list[HistoryEntry]:
        rows = self.db.all(
            "SELECT e.*, a.name AS actor FROM events e LEFT JOIN agents a ON a.id = e.actor_id"
            " WHERE e.ticket_id = ? ORDER BY e.at, e.id",
            (ticket_id,),
        )
        return [
            HistoryEntry(ticket_id, from_db(r["at"]) or datetime.min, r["actor"], r["detail"])
            for r in rows
        ]

    # -- writing (callers hold a write transaction) --------------------------------------
    def customer_id(self, addr: Address, at: datetime) -> int:
        row = self.db.one("SELECT id, name FROM customers WHERE email = ?", (addr.addr,))
        if row:
            if addr.name and not row["name"]:
                self.db.conn.execute(
                    "UPDATE customers SET name = ? WHERE id = ?", (addr.name, row["id"])
                )
            return int(row["id"])
        cur = self.db.conn.execute(
            "INSERT INTO customers (email, name, created_at) VALUES (?, ?, ?)",
            (addr.addr, addr.name, to_db(at)),
        )
        return int(cur.lastrowid or 0)

    def create(self, subject: str, customer: Address, status: Status, at: datetime) -> int:
        cid = self.customer_id(customer, at)
        cur = self.db.conn.execute(
            "INSERT INTO tickets (subject, customer_id, status, created_at, updated_at,"
            " last_customer_at) VALUES (?, ?, ?, ?, ?, ?)",
            (subject, cid, status.value, to_db(at), to_db(at), to_db(at)),
        )
        return int(cur.lastrowid or 0)

    def save(self, t: Ticket) -> None:
        """Write a ticket's workflow fields back (status, timer, assignee, times)."""
        self.db.conn.execute(
            """UPDATE tickets SET status = ?, previous_status = ?, waiting_until = ?,
                   waiting_then = ?, assignee_id = (SELECT id FROM agents WHERE name = ?),
                   team_id = (SELECT id FROM teams WHERE name = ?), trashed_at = ?,
                   updated_at = ?, last_customer_at = ?
               WHERE id = ?""",
            (
                t.status.value,
                t.previous_status.value if t.previous_status else None,
                to_db(t.waiting_until),
                t.waiting_then.value if t.waiting_then else None,
                t.assignee,
                t.team,
                to_db(t.trashed_at),
                to_db(t.updated_at),
                to_db(t.last_customer_at),
                t.id,
            ),
        )

    def touch(self, ticket_id: int, at: datetime) -> None:
        self.db.conn.execute(
            "UPDATE tickets SET updated_at = max(updated_at, ?),"
            " message_count = (SELECT count(*) FROM messages WHERE ticket_id = ?"
            " AND kind != 'system') WHERE id = ?",
            (to_db(at), ticket_id, ticket_id),
        )

    def add_tag(self, ticket_id: int, tag: str) -> bool:
        cur = self.db.conn.execute(
            "INSERT OR IGNORE INTO tags (ticket_id, tag) VALUES (?, ?)", (ticket_id, tag)
        )
        return cur.rowcount > 0

    def remove_tag(self, ticket_id: int, tag: str) -> bool:
        cur = self.db.conn.execute(
            "DELETE FROM tags WHERE ticket_id = ? AND tag = ?", (ticket_id, tag)
        )
        return cur.rowcount > 0

    def follow(self, ticket_id: int, agent_id: int) -> bool:
        cur = self.db.conn.execute(
            "INSERT OR IGNORE INTO followers (ticket_id, agent_id) VALUES (?, ?)",
            (ticket_id, agent_id),
        )
        return cur.rowcount > 0

    def unfollow(self, ticket_id: int, agent_id: int) -> bool:
        cur = self.db.conn.execute(
            "DELETE FROM followers WHERE ticket_id = ? AND agent_id = ?", (ticket_id, agent_id)
        )
        return cur.rowcount > 0

    def follower_ids(self, ticket_id: int) -> list[tuple[int, str]]:
        """(agent id, name) of each follower still on the roster."""
        return [(r[0], r[1]) for r in self.db.all(
            "SELECT a.id, a.name FROM followers f JOIN agents a ON a.id = f.agent_id"
            " WHERE f.ticket_id = ? AND a.removed_at IS NULL ORDER BY a.name", (ticket_id,))]

    # -- V8: Trash and removal for good ----------------------------------------------------
    def trashed_before(self, cutoff: datetime) -> list[int]:
        return [r[0] for r in self.db.all(
            "SELECT id FROM tickets WHERE trashed_at IS NOT NULL AND trashed_at <= ?"
            " ORDER BY id", (to_db(cutoff),))]

    def purge(self, ticket_id: int, at: datetime) -> int:
        """Caller holds a write transaction. Remove a ticket for good: its messages,
        attachments, outbox rows, history, notifications and raw mails. Each mail leaves a
        tombstone (content hash + Message-ID) so a resync never brings it back; our own
        mails, which have no raw copy, leave one by Message-ID. Returns the tombstones."""
        rows = self.db.all(
            "SELECT m.message_id, m.raw_id, r.content_hash FROM messages m"
            " LEFT JOIN raw_mails r ON r.id = m.raw_id WHERE m.ticket_id = ?", (ticket_id,))
        stones = 0
        for r in rows:
            digest = r["content_hash"] or (f"message-id:{r['message_id']}"
                                           if r["message_id"] else None)
            if digest is None:
                continue  # a note: never a mail, nothing to keep out
            self.db.conn.execute(
                "INSERT OR IGNORE INTO tombstones (content_hash, message_id, at) VALUES (?,?,?)",
                (digest, r["message_id"], to_db(at)))
            stones += 1
        raw_ids = [r["raw_id"] for r in rows if r["raw_id"] is not None]
        self.db.conn.execute("DELETE FROM tickets WHERE id = ?", (ticket_id,))
        self.db.conn.executemany("DELETE FROM raw_mails WHERE id = ?", [(i,) for i in raw_ids])
        return stones

    # -- T2: reports -------------------------------------------------------------------------
    def report(self, by: str, since: datetime | None) -> list[ReportRow]:
        """Tickets with activity in the period (created, or changed in any way: a mail, a
        reply, a note, a status, an assignment, a tag — their updated_at is in the period),
        counted by current tag, status or assignee; with how many of them were created in
        the period. Trash is left out; Spam too, except as its own row `--by status`. A
        ticket with two tags counts once under each."""
        key = {
            "status": "t.status",
            "agent": "coalesce(a.name, '(unassigned)')",
            "tag": "coalesce(g.tag, '(no tag)')",
        }.get(by)
        if key is None:
            raise ValueError(f"no report by '{by}'")
        where = "t.trashed_at IS NULL AND t.updated_at >= :since"
        if by != "status":
            where += " AND t.status != 'spam'"
        rows = self.db.all(
            f"SELECT {key} AS k, count(DISTINCT t.id) AS n,"
            f" count(DISTINCT CASE WHEN t.created_at >= :since THEN t.id END) AS created"
            f" FROM tickets t LEFT JOIN agents a ON a.id = t.assignee_id"
            f" LEFT JOIN tags g ON g.ticket_id = t.id"
            f" WHERE {where} GROUP BY k ORDER BY n DESC, k",
            {"since": to_db(since) if since else ""},
        )
        return [ReportRow(r["k"], r["n"], r["created"]) for r in rows]

    def record(self, ticket_id: int, actor_id: int | None, kind: str, detail: str,
               at: datetime) -> None:
        self.db.conn.execute(
            "INSERT INTO events (ticket_id, actor_id, kind, detail, at) VALUES (?, ?, ?, ?, ?)",
            (ticket_id, actor_id, kind, detail, to_db(at)),
        )
