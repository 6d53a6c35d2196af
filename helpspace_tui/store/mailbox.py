"""What the sync has seen on the server: raw mails, their locations, per-folder state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from helpspace_tui.store.db import Database, from_db, to_db


@dataclass(frozen=True, slots=True)
class FolderState:
    folder: str
    uidvalidity: int | None
    last_uid: int
    last_sync_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


@dataclass(frozen=True, slots=True)
class RawMail:
    id: int
    raw: bytes
    internaldate: datetime | None
    state: str
    error: str | None


class Mailbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- folder state -----------------------------------------------------------------
    def folder_state(self, folder: str) -> FolderState:
        r = self.db.one("SELECT * FROM sync_state WHERE folder = ?", (folder,))
        if r is None:
            return FolderState(folder, None, 0, None, None, None)
        return FolderState(
            folder, r["uidvalidity"], r["last_uid"], from_db(r["last_sync_at"]),
            r["last_error"], from_db(r["last_error_at"]),
        )

    def all_folder_states(self) -> list[FolderState]:
        return [self.folder_state(r[0]) for r in self.db.all("SELECT folder FROM sync_state")]

    def set_folder_position(self, folder: str, uidvalidity: int, last_uid: int) -> None:
        self.db.conn.execute(
            "INSERT INTO sync_state (folder, uidvalidity, last_uid) VALUES (?, ?, ?)"
            " ON CONFLICT(folder) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
            " last_uid = excluded.last_uid",
            (folder, uidvalidity, last_uid),
        )

    def set_folder_result(self, folder: str, at: datetime, error: str | None) -> None:
        self.db.conn.execute(
            "INSERT INTO sync_state (folder, last_uid) VALUES (?, 0) ON CONFLICT DO NOTHING",
            (folder,),
        )
        if error is None:
            self.db.conn.execute(
                "UPDATE sync_state SET last_sync_at = ?, last_error = NULL WHERE folder = ?",
                (to_db(at), folder),
            )
        else:
            self.db.conn.execute(
                "UPDATE sync_state SET last_error = ?, last_error_at = ? WHERE folder = ?",
                (error, to_db(at), folder),
            )

    # -- raw mails ----------------------------------------------------------------------
    def raw_id_for_hash(self, content_hash: str) -> int | None:
        row = self.db.one("SELECT id FROM raw_mails WHERE content_hash = ?", (content_hash,))
        return int(row[0]) if row else None

    def is_tombstoned(self, content_hash: str) -> bool:
        return self.db.one(
            "SELECT 1 FROM tombstones WHERE content_hash = ?", (content_hash,)
        ) is not None

    def is_tombstoned_id(self, message_id: str) -> bool:
        """V8: a mail of a ticket removed for good, known by its Message-ID."""
        return self.db.one(
            "SELECT 1 FROM tombstones WHERE message_id = ?", (message_id,)
        ) is not None

    def bury(self, raw_id: int, content_hash: str, message_id: str | None, at: datetime) -> None:
        """A resynced copy of a removed mail: drop the raw copy, remember its hash."""
        self.db.conn.execute(
            "INSERT OR IGNORE INTO tombstones (content_hash, message_id, at) VALUES (?, ?, ?)",
            (content_hash, message_id, to_db(at)))
        self.db.conn.execute("DELETE FROM raw_mails WHERE id = ?", (raw_id,))

    def add_raw(self, raw: bytes, content_hash: str, message_id: str | None,
                internaldate: datetime | None, at: datetime) -> int:
        cur = self.db.conn.execute(
            "INSERT INTO raw_mails (message_id, content_hash, raw, internaldate, fetched_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (message_id, content_hash, raw, to_db(internaldate), to_db(at)),
        )
        return int(cur.lastrowid or 0)

    def add_location(self, folder: str, uidvalidity: int, uid: int, raw_id: int | None) -> None:
        self.db.conn.execute(
            "INSERT OR IGNORE INTO mail_locations (folder, uidvalidity, uid, raw_id)"
            " VALUES (?, ?, ?, ?)",
            (folder, uidvalidity, uid, raw_id),
        )

    def folders_of(self, raw_id: int) -> set[str]:
        return {r[0] for r in self.db.all(
            "SELECT DISTINCT folder FROM mail_locations WHERE raw_id = ?", (raw_id,))}

    def mark(self, raw_id: int, state: str, error: str | None = None) -> None:
        self.db.conn.execute(
            "UPDATE raw_mails SET state = ?, error = ? WHERE id = ?", (state, error, raw_id)
        )

    def get_raw(self, raw_id: int) -> RawMail | None:
        r = self.db.one("SELECT * FROM raw_mails WHERE id = ?", (raw_id,))
        if r is None:
            return None
        return RawMail(r["id"], bytes(r["raw"]), from_db(r["internaldate"]), r["state"], r["error"])

    def failed(self) -> list[tuple[int, str, str | None]]:
        """Mails kept raw because they could not be ingested: (id, error, message_id)."""
        return [
            (r["id"], r["error"] or "", r["message_id"])
            for r in self.db.all(
                "SELECT id, error, message_id FROM raw_mails WHERE state = 'failed' ORDER BY id"
            )
        ]

    def pending(self) -> list[int]:
        """Raw mails stored but not yet turned into messages (a crash in between)."""
        return [r[0] for r in self.db.all("SELECT id FROM raw_mails WHERE state = 'new' ORDER BY id")]
