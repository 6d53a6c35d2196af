"""SPEC rules S1–S7, A2, M4, M8 as pure functions of (ticket, event) -> ticket.

Every function returns a new Ticket; the caller diffs old and new to record history.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from helpspace_tui.domain.models import Status, Ticket

# S7: escalated first, then open, then waiting; closed and spam only appear in their
# own inboxes (and closed in All), after the active ones.
STATUS_RANK = {
    Status.ESCALATED: 0,
    Status.OPEN: 1,
    Status.WAITING: 2,
    Status.CLOSED: 3,
    Status.SPAM: 4,
}

ASSIGN_ON_REPLY_CHOICES = ("always", "unassigned", "never")
TIMER_TARGETS = (Status.OPEN, Status.ESCALATED, Status.CLOSED)


class RuleError(ValueError):
    """An action the rules do not allow (shown to the user as one line)."""


def new_ticket_status(*, automatic: bool, from_junk: bool) -> Status:
    """M1 (new conversations are Open), M4 decision (unmatched automatic mail is
    Closed), M8 decision (mail from the Junk folder is Spam)."""
    if from_junk:
        return Status.SPAM
    if automatic:
        return Status.CLOSED
    return Status.OPEN


def _clear_timer(t: Ticket) -> Ticket:
    return replace(t, waiting_until=None, waiting_then=None)


def on_customer_mail(t: Ticket, at: datetime, *, from_junk: bool = False) -> Ticket:
    """S3/S4/S5/S6/M8: what a customer's mail (M9) does to its ticket."""
    t = replace(t, last_customer_at=at, updated_at=at)
    if t.status is Status.SPAM:
        return t  # S6: the conversation stays in Spam
    if from_junk:
        return replace(_clear_timer(t), status=Status.SPAM, previous_status=t.status)
    if t.status is Status.WAITING:
        # S3: back to what it was before the agent's reply; Decision: anything else -> Open.
        # S4: a reply before the timer fires acts the same and cancels the timer.
        back = t.previous_status if t.previous_status in (Status.OPEN, Status.ESCALATED) else None
        return replace(_clear_timer(t), status=back or Status.OPEN, previous_status=None)
    if t.status is Status.CLOSED:
        return replace(t, status=Status.OPEN, previous_status=None)  # S5
    return t  # open and escalated stay as they are


def on_automatic_mail(t: Ticket, at: datetime) -> Ticket:
    """M4: auto-replies and bounces are attached but change no status."""
    return replace(t, updated_at=at)


def on_agent_reply(t: Ticket, agent: str, at: datetime, assign_on_reply: str = "always") -> Ticket:
    """S3: replying makes the ticket Waiting, remembering what it was before.
    A2: the replier becomes the assignee (Decision: configurable)."""
    if t.status is Status.SPAM:
        raise RuleError(f"ticket #{t.id} is spam: mark it as not spam before replying")
    previous = t.status if t.status is not Status.WAITING else t.previous_status
    assignee = t.assignee
    if assign_on_reply == "always" or (assign_on_reply == "unassigned" and assignee is None):
        assignee = agent
    return replace(
        _clear_timer(t),
        status=Status.WAITING,
        previous_status=previous,
        assignee=assignee,
        updated_at=at,
    )


def set_status(
    t: Ticket,
    status: Status,
    at: datetime,
    *,
    until: datetime | None = None,
    then: Status | None = None,
) -> Ticket:
    """An agent sets a status by hand (S1–S6); S4 adds a timer to Waiting."""
    if (until is None) != (then is None):
        raise RuleError("a waiting timer needs both a time (--until) and a status (--then)")
    if until is not None:
        if status is not Status.WAITING:
            raise RuleError("only a waiting ticket can have a timer (S4)")
        if then not in TIMER_TARGETS:
            raise RuleError("a timer can only change the status to open, escalated or closed")
        if until <= at:
            raise RuleError("the timer's time is in the past")
    previous = t.previous_status
    if status is Status.WAITING and t.status is not Status.WAITING:
        previous = t.status
    elif status is not Status.WAITING:
        previous = None
    return replace(
        t,
        status=status,
        previous_status=previous,
        waiting_until=until,
        waiting_then=then,
        updated_at=at,
    )


def timer_due(t: Ticket, now: datetime) -> bool:
    return (
        t.status is Status.WAITING
        and t.waiting_until is not None
        and t.waiting_then is not None
        and t.waiting_until <= now
    )


def fire_timer(t: Ticket, now: datetime) -> Ticket:
    """S4: a due timer changes the ticket to its chosen status, exactly once."""
    if not timer_due(t, now):
        return t
    assert t.waiting_then is not None
    return replace(_clear_timer(t), status=t.waiting_then, previous_status=None, updated_at=now)


def describe_changes(old: Ticket, new: Ticket) -> list[tuple[str, str]]:
    """History lines (kind, detail) for what changed between two versions of a ticket."""
    out: list[tuple[str, str]] = []
    if old.status is not new.status:
        out.append(("status", f"{old.status} → {new.status}"))
    if old.waiting_until != new.waiting_until and new.waiting_until is not None:
        out.append(("timer", f"until {new.waiting_until:%Y-%m-%d %H:%M}Z then {new.waiting_then}"))
    elif old.waiting_until is not None and new.waiting_until is None and new.status is old.status:
        out.append(("timer", "timer cancelled"))
    if old.assignee != new.assignee:
        out.append(("assignee", f"{old.assignee or 'nobody'} → {new.assignee or 'nobody'}"))
    if old.team != new.team:
        out.append(("team", f"{old.team or 'no team'} → {new.team or 'no team'}"))
    return out
