"""The helpdesk's vocabulary as plain data: no I/O, no framework."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    """SPEC S1–S6. Waiting-until is Waiting plus a timer (S4 decision)."""

    OPEN = "open"
    ESCALATED = "escalated"
    WAITING = "waiting"
    CLOSED = "closed"
    SPAM = "spam"


ACTIVE_STATUSES = (Status.ESCALATED, Status.OPEN, Status.WAITING)


class MessageKind(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    NOTE = "note"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox. `addr` is lower-cased for comparison; `name` may be empty."""

    name: str
    addr: str

    def __str__(self) -> str:
        if self.name:
            return f"{self.name} <{self.addr}>"
        return f"<{self.addr}>" if self.addr else ""

    @property
    def display(self) -> str:
        return self.name or self.addr


@dataclass(frozen=True, slots=True)
class Attachment:
    """An attachment as listed in a conversation (content stays in the store)."""

    id: int
    filename: str
    content_type: str
    size: int
    inline: bool = False


@dataclass(slots=True)
class Message:
    id: int
    ticket_id: int
    kind: MessageKind
    sender: Address | None
    to: list[Address]
    cc: list[Address]
    subject: str
    text: str
    date: datetime
    message_id: str | None = None
    author: str | None = None  # agent name for agent replies and notes
    attachments: list[Attachment] = field(default_factory=list)
    thread_reason: str = ""
    delivery: str | None = None  # for agent replies: queued | sending | sent | failed
    delivery_error: str | None = None


@dataclass(slots=True)
class Ticket:
    id: int
    subject: str
    status: Status
    customer: Address
    assignee: str | None = None
    team: str | None = None
    tags: list[str] = field(default_factory=list)
    message_count: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_customer_at: datetime | None = None
    previous_status: Status | None = None
    waiting_until: datetime | None = None
    waiting_then: Status | None = None
    trashed_at: datetime | None = None
    followers: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Agent:
    id: int
    name: str
    email: str | None = None
    is_admin: bool = False
    os_user: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    ticket_id: int
    at: datetime
    actor: str | None
    what: str


@dataclass(frozen=True, slots=True)
class Notification:
    """W1/R5: one update on a followed ticket (or a mention), for one agent."""

    id: int
    ticket_id: int
    subject: str
    text: str
    actor: str | None
    created_at: datetime
    read_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReportRow:
    """T2: one line of a report: a tag, status or agent and its ticket counts."""

    key: str
    tickets: int  # tickets with activity (created or changed) in the period
    created: int  # of those, created in the period
