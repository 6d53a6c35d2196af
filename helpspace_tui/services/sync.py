"""Syncing the support mailbox into the store (M1–M4, M8), then the housekeeping every
sync pass does: deliver the outbox (R6), fire due timers (S4), purge old Trash (V8)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from helpspace_tui.mail.imap import FetchedMail, FetchFailure, MailServerError
from helpspace_tui.services.actions import fire_due_timers, purge_trash
from helpspace_tui.services.delivery import DeliveryReport, Sender, deliver_outbox
from helpspace_tui.services.ingest import IngestResult, Location, ingest_raw, reingest_pending
from helpspace_tui.store import Store
from helpspace_tui.store.db import utcnow

BATCH = 500
COMMIT_EVERY = 50  # mails per write transaction: the lock is held for ~0.1 s at most


class Source(Protocol):
    def select(self, folder: str) -> tuple[int, int]: ...
    def uids_after(self, last_uid: int) -> list[int]: ...
    def fetch(self, uids: list[int], batch: int = ...) -> object: ...
    def __enter__(self) -> Source: ...
    def __exit__(self, *exc: object) -> None: ...


@dataclass(slots=True)
class SyncReport:
    fetched: int = 0
    new: int = 0
    threaded: int = 0
    duplicates: int = 0
    failed: list[str] = field(default_factory=list)  # mails kept raw: "folder uid: error"
    errors: list[str] = field(default_factory=list)  # server or config trouble, one line each
    timers: list[int] = field(default_factory=list)
    purged: list[int] = field(default_factory=list)  # V8: removed from Trash for good
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    seconds: float = 0.0

    @property
    def eventful(self) -> bool:
        return bool(self.fetched or self.failed or self.errors or self.timers or self.purged
                    or self.delivery.sent or self.delivery.failed)

    def summary(self) -> str:
        parts = [
            f"{self.fetched} fetched", f"{self.new} new tickets", f"{self.threaded} threaded",
            f"{self.duplicates} duplicates",
        ]
        if self.failed:
            parts.append(f"{len(self.failed)} kept raw (see helpspace quarantine)")
        if self.delivery.sent or self.delivery.failed:
            parts.append(f"{len(self.delivery.sent)} sent, {len(self.delivery.failed)} not sent")
        if self.timers:
            parts.append(f"{len(self.timers)} timers fired")
        if self.purged:
            parts.append(f"{len(self.purged)} purged from Trash")
        return ", ".join(parts) + f" in {self.seconds:.1f} s"


def sync_folder(store: Store, source: Source, folder: str, report: SyncReport,
                *, from_junk: bool = False, batch: int = BATCH) -> None:
    """Fetch what is new in one folder. Mails are ingested in short write transactions
    (so agents' own writes never wait long), each committing the folder's new position
    with its mails: a crash loses at most the mails in flight, fetched again next run."""
    uidvalidity, _ = source.select(folder)
    state = store.mailbox.folder_state(folder)
    # M3: a new UIDVALIDITY means every UID may have changed: look at all mails again;
    # the content hash keeps those we have from being stored twice.
    last_uid = state.last_uid if state.uidvalidity == uidvalidity else 0
    uids = source.uids_after(last_uid)
    # never move past a mail we could not fetch: the next run tries it again
    stuck_at: int | None = None
    for start in range(0, len(uids), batch):
        chunk = uids[start : start + batch]
        results = list(source.fetch(chunk, batch=batch))  # type: ignore[call-overload]
        for sub in range(0, len(results), COMMIT_EVERY):
            items = results[sub : sub + COMMIT_EVERY]
            with store.write():
                for item in items:
                    if isinstance(item, FetchFailure):
                        report.failed.append(f"{folder} uid {item.uid}: {item.error}")
                        stuck_at = item.uid if stuck_at is None else min(stuck_at, item.uid)
                        continue
                    assert isinstance(item, FetchedMail)
                    _count(report, folder, item.uid, ingest_raw(
                        store, item.raw, internaldate=item.internaldate,
                        location=Location(folder, uidvalidity, item.uid), from_junk=from_junk,
                    ))
                seen = max((i.uid for i in items), default=last_uid)
                if sub + COMMIT_EVERY >= len(results):
                    seen = max(seen, chunk[-1])  # UIDs deleted meanwhile count as seen
                position = seen if stuck_at is None else min(seen, stuck_at - 1)
                store.mailbox.set_folder_position(folder, uidvalidity, max(position, last_uid))


def _count(report: SyncReport, folder: str, uid: int, res: IngestResult) -> None:
    report.fetched += 1
    if res.action == "new":
        report.new += 1
    elif res.action == "threaded":
        report.threaded += 1
    elif res.action == "failed":
        report.failed.append(f"{folder} uid {uid}: {res.error}")
    else:
        report.duplicates += 1


def sync_once(
    store: Store,
    *,
    open_source: Callable[[], Source] | None,
    folders: list[tuple[str, bool]],
    make_sender: Callable[[], Sender] | None,
) -> SyncReport:
    """One pass: mail in, mail out, timers. Server trouble is reported, not raised, so
    the other steps still run."""
    started = time.monotonic()
    report = SyncReport()
    reingest_pending(store, junk_folders=frozenset(f for f, junk in folders if junk))
    if open_source is not None:
        try:
            with open_source() as source:
                for folder, from_junk in folders:
                    try:
                        sync_folder(store, source, folder, report, from_junk=from_junk)
                        error = None
                    except MailServerError as e:
                        error = str(e)
                        report.errors.append(error)
                    with store.write():
                        store.mailbox.set_folder_result(folder, utcnow(), error)
        except MailServerError as e:
            report.errors.append(str(e))
            with store.write():
                for folder, _ in folders:
                    store.mailbox.set_folder_result(folder, utcnow(), str(e))
    if make_sender is not None:
        report.delivery = deliver_outbox(store, make_sender)
    report.timers = fire_due_timers(store)
    report.purged = purge_trash(store)
    report.seconds = time.monotonic() - started
    return report
