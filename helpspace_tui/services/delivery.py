"""Delivering the outbox (R6): any process may do it; each row is claimed atomically,
sent outside the transaction, and marked sent or failed with its error."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from helpspace_tui.store import Store
from helpspace_tui.store.db import utcnow

_BACKOFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1)]
MAX_ATTEMPTS = 12


class Sender(Protocol):
    def send(self, raw: bytes, sender: str, recipients: list[str]) -> None: ...


@dataclass(slots=True)
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def deliver_outbox(store: Store, make_sender: Callable[[], Sender],
                   now: datetime | None = None, limit: int = 100) -> DeliveryReport:
    report = DeliveryReport()
    sender: Sender | None = None
    me = worker_id()
    for _ in range(limit):
        at = now or utcnow()
        with store.write():
            mail = store.outbox.claim_next(me, at)
        if mail is None:
            break
        try:
            if sender is None:
                sender = make_sender()
            sender.send(mail.raw, mail.mail_from, mail.recipients)
        except Exception as e:  # SendError, config or network trouble: keep it, retry later
            error = str(e).splitlines()[0] if str(e) else type(e).__name__
            permanent = bool(getattr(e, "permanent", False)) or mail.attempts >= MAX_ATTEMPTS
            retry = None if permanent else at + _BACKOFF[min(mail.attempts, len(_BACKOFF)) - 1]
            with store.write():
                store.outbox.mark_failed(mail.id, error, retry)
            report.failed.append((mail.ticket_id, error))
            if not permanent:
                break  # the server is down or refusing for now: don't hammer it
            continue
        with store.write():
            store.outbox.mark_sent(mail.id, utcnow())
        report.sent.append(mail.ticket_id)
    return report
