"""Syncing the support mailbox into the store (M1–M4, M8), then the housekeeping every
sync pass does: deliver the outbox (R6) and fire due timers (S4)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from helpspace_tui.mail.imap import FetchedMail, FetchFailure, MailServerError
from helpspace_tui.services.actions import fire_due_timers
from helpspace_tui.services.delivery import DeliveryReport, Sender, deliver_outbox
from helpspace_tui.services.ingest import Location, ingest_raw, reingest_pending
from helpspace_tui.store import Store
from helpspace_tui.store.db import utcnow

BATCH = 500


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
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    seconds: float = 0.0

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
        return ", ".join(parts) + f" in {self.seconds:.1f} s"


def sync_folder(store: Store, source: Source, folder: str, report: SyncReport,
                *, from_junk: bool = False, batch: int = BATCH) -> None:
    """Fetch what is new in one folder. Each batch and the folder's new position commit
    together: a crash loses at most the batch in flight, which the next run fetches again."""
    uidvalidity, _ = source.select(folder)
    state = store.mailbox.folder_state(folder)
    # M3: a new UIDVALIDITY means every UID may have changed: look at all mails again;
    # the content hash keeps those we have from being stored twice.
    last_uid = state.last_uid if state.uidvalidity == uidvalidity else 0
    uids = source.uids_after(last_uid)
    for start in range(0, len(uids), batch):
        chunk = uids[start : start + batch]
        results = list(source.fetch(chunk, batch=batch))  # type: ignore[call-overload]
        first_failure: int | None = None
        with store.write():
            for item in results:
                if isinstance(item, FetchFailure):
                    report.failed.append(f"{folder} uid {item.uid}: {item.error}")
                    first_failure = item.uid if first_failure is None else min(first_failure,
                                                                                 item.uid)
                    continue
                assert isinstance(item, FetchedMail)
                report.fetched += 1
                res = ingest_raw(
                    store, item.raw, internaldate=item.internaldate,
                    location=Location(folder, uidvalidity, item.uid), from_junk=from_junk,
                )
                if res.action == "new":
                    report.new += 1
                elif res.action == "threaded":
                    report.threaded += 1
                elif res.action == "failed":
                    report.failed.append(f"{folder} uid {item.uid}: {res.error}")
                else:
                    report.duplicates += 1
            # never move past a mail we could not fetch: the next run tries it again
            done = chunk[-1] if first_failure is None else first_failure - 1
            store.mailbox.set_folder_position(folder, uidvalidity, max(done, last_uid))
        if first_failure is not None:
            last_uid = max(first_failure - 1, last_uid)


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
    reingest_pending(store)
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
    report.seconds = time.monotonic() - started
    return report
