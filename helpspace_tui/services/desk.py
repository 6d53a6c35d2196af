"""The one factory that the CLI, the app and the tests use to get from a config to a
working store, agent, mail source and sender."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from helpspace_tui.config import Config, ConfigError, lookup_password
from helpspace_tui.domain.models import Agent
from helpspace_tui.mail.imap import ImapSource, MailServerError
from helpspace_tui.mail.smtp import SmtpSender
from helpspace_tui.services.delivery import Sender
from helpspace_tui.services.identity import current_agent
from helpspace_tui.services.sync import Source, SyncReport, sync_once
from helpspace_tui.services.synclock import SyncLock
from helpspace_tui.store import Store
from helpspace_tui.store.db import utcnow

TIMER_CHECK_SECONDS = 3.0  # how late a timer may fire while the service waits for mail
DEMO_SENDER = "Acme Cloud Support <support@acme-cloud.example>"


@dataclass
class Desk:
    config: Config
    store: Store
    agent: Agent
    # set for the demo: replies are written as .eml files here instead of SMTP
    outbox_dir: Path | None = None
    lock: SyncLock = field(init=False)

    def __post_init__(self) -> None:
        self.lock = SyncLock(self.store.path)

    @classmethod
    def open(cls, config: Config, store_path: Path | None = None,
             outbox_dir: Path | None = None) -> Desk:
        store = Store(store_path or config.store_path)
        return cls(config, store, current_agent(store, config.agent.name), outbox_dir)

    def reopen(self) -> Desk:
        """A second connection for another thread (sqlite3 connections are per thread)."""
        store = Store(self.store.path)
        agent = store.agents.by_id(self.agent.id) or self.agent
        return Desk(self.config, store, agent, self.outbox_dir)

    @property
    def sender_address(self) -> str:
        if self.config.smtp is not None:
            return self.config.smtp.from_
        return DEMO_SENDER

    def can_send(self) -> bool:
        return self.config.smtp is not None or self.outbox_dir is not None

    def open_source(self) -> Callable[[], Source] | None:
        imap = self.config.imap
        if imap is None:
            return None

        def factory() -> Source:
            password = lookup_password("imap", imap, self.config.path) or ""
            return ImapSource(imap.host, imap.port, imap.security, imap.username or "", password)

        return factory

    def make_sender(self) -> Callable[[], Sender] | None:
        if self.outbox_dir is not None:
            folder = self.outbox_dir
            return lambda: FolderSender(folder)
        smtp = self.config.smtp
        if smtp is None:
            return None

        def factory() -> Sender:
            password = lookup_password("smtp", smtp, self.config.path)
            return SmtpSender(smtp.host, smtp.port, smtp.security, smtp.username, password)

        return factory

    def folders(self) -> list[tuple[str, bool]]:
        imap = self.config.imap
        if imap is None:
            return []
        out = [(imap.folder, False)]
        if imap.junk_folder:
            out.append((imap.junk_folder, True))  # M8
        return out

    def sync(self) -> SyncReport:
        return sync_once(self.store, open_source=self.open_source(), folders=self.folders(),
                         make_sender=self.make_sender())

    def wait_for_work(self, seconds: float) -> None:
        """Between two syncs: wait in IMAP IDLE so new mail starts the next sync at once,
        and look every few seconds for a waiting timer that has come due (S4), also one
        an agent set meanwhile. Falls back to sleeping when the server is unreachable."""
        deadline = time.monotonic() + seconds
        open_source = self.open_source()
        folders = self.folders()
        try:
            if open_source is not None and folders:
                with open_source() as source:
                    source.select(folders[0][0])
                    while not self._timer_due() and time.monotonic() < deadline:
                        step = min(TIMER_CHECK_SECONDS, deadline - time.monotonic())
                        if source.idle_wait(step):  # type: ignore[attr-defined]
                            return
                return
        except (MailServerError, ConfigError):
            pass  # the next sync reports it; here we only wait
        while not self._timer_due() and time.monotonic() < deadline:
            time.sleep(min(TIMER_CHECK_SECONDS, max(0.0, deadline - time.monotonic())))

    def _timer_due(self) -> bool:
        due = self.store.tickets.next_timer()
        return due is not None and due <= utcnow()

    def close(self) -> None:
        self.lock.release()
        self.store.close()


class FolderSender:
    """The demo's 'SMTP server': each sent mail becomes an .eml file in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        n = len(list(self.folder.glob("*.eml"))) + 1
        (self.folder / f"{n:04d}.eml").write_bytes(raw)
