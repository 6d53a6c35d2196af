"""Fixtures with real servers: a private Dovecot (IMAP) and aiosmtpd (SMTP) on 127.0.0.1.

They never skip: a missing binary or a server that will not start fails the test with the
reason (and the server's log), because a skipped integration suite looks like a green one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from helpspace_tui.store import Store

try:  # works with or without tests/__init__.py, run as `python -m pytest` or `pytest`
    from tests.servers import DovecotServer, Mailbox, SmtpServer
except ImportError:
    from servers import DovecotServer, Mailbox, SmtpServer


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A real SQLite store file, fresh for each test."""
    s = Store(tmp_path / "store.db")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    server = DovecotServer()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def mailbox(dovecot: DovecotServer) -> Mailbox:
    """A fresh IMAP user (own password, empty INBOX) on the session's Dovecot."""
    return dovecot.add_user()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
