"""Opening the SQLite store: pragmas, migrations, and short IMMEDIATE write transactions.

Measured here (ARCHITECTURE.md): with BEGIN DEFERRED half of the writes of two
processes failed with "database is locked"; BEGIN IMMEDIATE plus a busy timeout and a
retry makes concurrent agents safe.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from helpspace_tui.store.schema import MIGRATIONS

BUSY_TIMEOUT_MS = 10_000
_RETRIES = 8


class StoreError(Exception):
    """The store cannot be opened or written; the message is one line for the user."""


def to_db(dt: datetime | None) -> str | None:
    """Fixed-width UTC text, so that string order is time order."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db(s: str | None) -> datetime | None:
    if not s:
        return None
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Database:
    """One connection (sqlite3 connections belong to one thread: open one per worker)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
                _prepare_file(self.path)
            conn = sqlite3.connect(
                str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                check_same_thread=False,
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except (sqlite3.Error, OSError) as e:
            raise StoreError(f"cannot open the store {path}: {e}") from None
        self.conn = conn
        self.utils = sqlite_utils.Database(conn)
        self._depth = 0
        self._migrate()

    def close(self) -> None:
        self.conn.close()

    # -- transactions ---------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction taken with BEGIN IMMEDIATE; nests by reusing it."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as e:
            self.conn.execute("ROLLBACK")
            raise StoreError(f"could not save to the store {self.path}: {e}") from None

    def _begin(self) -> None:
        delay = 0.05
        for attempt in range(_RETRIES):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as e:
                msg = str(e)
                if "locked" not in msg and "busy" not in msg:
                    raise StoreError(f"cannot write to the store {self.path}: {msg}") from None
                if attempt == _RETRIES - 1:
                    raise StoreError(
                        f"the store {self.path} stayed locked by another process; try again"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    @contextmanager
    def savepoint(self, name: str = "sp") -> Iterator[None]:
        """Isolate one item of a batch: its failure rolls back only itself."""
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        self.conn.execute(f"RELEASE {name}")

    # -- reading helpers --------------------------------------------------------------
    def one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: tuple | dict = ()) -> object:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def data_version(self) -> int:
        """Changes when another connection commits: lets an app notice other agents' work."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    # -- schema -----------------------------------------------------------------------
    def _migrate(self) -> None:
        version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise StoreError(
                f"the store {self.path} is from a newer helpspace-tui (schema {version}); "
                "upgrade this program"
            )
        if version == len(MIGRATIONS):
            return
        with self.write() as conn:
            # re-read inside the lock: another process may have migrated meanwhile
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in _split_statements(script):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")


def _prepare_file(path: Path) -> None:
    """On a shared server the store lives in a setgid folder of the agents' group
    (README). SQLite gives the -wal and -shm files the database file's mode, so the
    database is made group-writable there before SQLite first opens it."""
    try:
        shared = bool(os.stat(path.parent).st_mode & stat.S_ISGID)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o660 if shared else 0o644))
        if shared and (os.stat(path).st_mode & 0o060) != 0o060 and os.access(path, os.W_OK):
            os.chmod(path, os.stat(path).st_mode | 0o060)
    except OSError:
        pass  # sqlite3.connect says what is wrong with the path


def _split_statements(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    out: list[str] = []
    buf: list[str] = []
    for line in script.splitlines():
        if line.strip().startswith("--") and not buf:
            continue
        buf.append(line)
        if sqlite3.complete_statement("\n".join(buf)):
            stmt = "\n".join(buf).strip()
            if stmt and stmt != ";":
                out.append(stmt)
            buf = []
    rest = "\n".join(buf).strip()
    if rest:
        out.append(rest)
    return out
