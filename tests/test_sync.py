"""SPEC M3 at the seams the real server rarely shows: a mail that cannot be fetched and a
crash in the middle of a sync. The source is a small fake (the end-to-end tests use
Dovecot); the store is a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpspace_tui.mail.imap import FetchedMail, FetchFailure, MailServerError
from helpspace_tui.services.sync import SyncReport, sync_folder
from helpspace_tui.store import Store


def raw(n: int) -> bytes:
    return (f"From: c{n}@cust.test\nTo: s@acme.test\nSubject: mail {n}\n"
            f"Message-ID: <sync-{n}@cust.test>\n\nbody {n}\n").encode()


class FakeSource:
    def __init__(self, uids: list[int], broken: set[int] = frozenset(),
                 crash_after: int | None = None) -> None:
        self.uids = uids
        self.broken = set(broken)
        self.crash_after = crash_after
        self.fetched = 0

    def select(self, folder: str) -> tuple[int, int]:
        return 7, max(self.uids) + 1

    def uids_after(self, last_uid: int) -> list[int]:
        return [u for u in self.uids if u > last_uid]

    def fetch(self, uids: list[int], batch: int = 500):  # noqa: ANN201
        for uid in uids:
            if self.crash_after is not None and self.fetched >= self.crash_after:
                raise MailServerError("connection lost")
            self.fetched += 1
            if uid in self.broken:
                yield FetchFailure(uid, "unparseable response")
            else:
                yield FetchedMail(uid, raw(uid), None)


def messages(store: Store) -> int:
    return int(store.db.scalar("SELECT count(*) FROM messages") or 0)


def test_m3_a_mail_that_cannot_be_fetched_is_tried_again_not_skipped(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    uids = list(range(1, 121))
    report = SyncReport()
    sync_folder(store, FakeSource(uids, broken={30}), "INBOX", report, batch=40)
    assert messages(store) == 119 and len(report.failed) == 1
    assert store.mailbox.folder_state("INBOX").last_uid == 29  # stuck before the failure
    report = SyncReport()
    sync_folder(store, FakeSource(uids), "INBOX", report, batch=40)  # the server recovered
    assert messages(store) == 120  # the missing one arrived, nothing twice
    assert report.new == 1 and report.duplicates == 90
    assert store.mailbox.folder_state("INBOX").last_uid == 120


def test_m3_crash_in_the_middle_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    uids = list(range(1, 201))
    with pytest.raises(MailServerError):
        sync_folder(store, FakeSource(uids, crash_after=130), "INBOX", SyncReport(), batch=100)
    assert messages(store) == 100  # the first batch landed with its position
    assert store.mailbox.folder_state("INBOX").last_uid == 100
    sync_folder(store, FakeSource(uids), "INBOX", SyncReport(), batch=100)
    assert messages(store) == 200
    assert int(store.db.scalar("SELECT count(*) FROM raw_mails") or 0) == 200
