"""The SQLite ticket store. The only package that writes SQL."""

from __future__ import annotations

from pathlib import Path

from helpspace_tui.store.agents import Agents, Settings
from helpspace_tui.store.db import Database, StoreError
from helpspace_tui.store.drafts import Drafts
from helpspace_tui.store.mailbox import Mailbox
from helpspace_tui.store.messages import Messages, NewMessage
from helpspace_tui.store.notifications import Notifications
from helpspace_tui.store.outbox import Outbox
from helpspace_tui.store.tickets import Tickets

__all__ = ["Store", "StoreError", "NewMessage"]


class Store:
    """One connection to the store and the repositories that share it."""

    def __init__(self, path: Path | str) -> None:
        self.db = Database(path)
        self.path = self.db.path
        self.tickets = Tickets(self.db)
        self.messages = Messages(self.db)
        self.mailbox = Mailbox(self.db)
        self.outbox = Outbox(self.db)
        self.agents = Agents(self.db)
        self.settings = Settings(self.db)
        self.drafts = Drafts(self.db)
        self.notifications = Notifications(self.db)

    def write(self):  # noqa: ANN201 - a context manager from Database
        return self.db.write()

    def savepoint(self, name: str = "sp"):  # noqa: ANN201
        return self.db.savepoint(name)

    def data_version(self) -> int:
        return self.db.data_version()

    def close(self) -> None:
        self.db.close()
