"""SPEC rules S1–S7, A2, M4, M8 as pure functions of (ticket, event) -> ticket.

Every function returns a new Ticket; the caller diffs old and new to record history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from helpspace_tui.domain.inboxes import InboxRef
from helpspace_tui.domain.models import ACTIVE_STATUSES, Status, Ticket

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
    """S3/S4/S5/S6/M8: what a customer's mail (M9) does to its ticket. A deleted ticket
    the customer writes to comes back out of Trash (M1: their mail must be seen, and
    must never be purged with it)."""
    t = replace(t, last_customer_at=at, updated_at=at)
    if t.status is Status.SPAM:
        return t  # S6: the conversation stays in Spam (and in Trash, if it is there)
    t = replace(t, trashed_at=None)
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
            raise RuleError("only a waiting ticket can have a timer")
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
    if new.waiting_until is not None and (old.waiting_until, old.waiting_then) != (
            new.waiting_until, new.waiting_then):
        out.append(("timer", f"until {new.waiting_until:%Y-%m-%d %H:%M}Z then {new.waiting_then}"))
    elif old.waiting_until is not None and new.waiting_until is None and new.status is old.status:
        out.append(("timer", "timer cancelled"))
    if old.assignee != new.assignee:
        out.append(("assignee", f"{old.assignee or 'nobody'} → {new.assignee or 'nobody'}"))
    if old.team != new.team:
        out.append(("team", f"{old.team or 'no team'} → {new.team or 'no team'}"))
    if old.trashed_at is None and new.trashed_at is not None:
        out.append(("trash", "moved to Trash"))
    elif old.trashed_at is not None and new.trashed_at is None:
        out.append(("trash", "restored from Trash"))
    return out


# -- admins (G2) ------------------------------------------------------------------------
class NotAllowed(RuleError):
    """The agent lacks the role the action needs (G2: admins only)."""


def require_admin(is_admin: bool, what: str) -> None:
    """G2/V8/G4: restoring from Trash, managing agents, teams and settings need an admin."""
    if not is_admin:
        raise NotAllowed(f"only an admin can {what}")


# -- assignment (A1) ----------------------------------------------------------------------
def _in(name: str, names: Iterable[str]) -> bool:
    return name.lower() in {n.lower() for n in names}


def assign_agent(t: Ticket, agent: str | None, at: datetime,
                 team_members: Iterable[str] = ()) -> Ticket:
    """A1: one agent (or nobody). The ticket's team stays only if the agent belongs to
    it (a ticket is assigned to a team and *one agent of it*); nobody keeps the team."""
    team = t.team
    if agent is not None and team is not None and not _in(agent, team_members):
        team = None
    return replace(t, assignee=agent, team=team, updated_at=at)


def assign_team(t: Ticket, team: str, agent: str | None, team_members: Iterable[str],
                at: datetime) -> Ticket:
    """A1: a team, or a team and one agent of it. A team alone is in Unassigned and in
    the team's inbox (V1 decision)."""
    if agent is not None and not _in(agent, team_members):
        members = ", ".join(sorted(team_members)) or "nobody yet"
        raise RuleError(f"{agent} is not in team {team} (members: {members})")
    return replace(t, team=team, assignee=agent, updated_at=at)


# -- spam (S6) and trash (V8) -----------------------------------------------------------------
def mark_spam(t: Ticket, at: datetime) -> Ticket:
    """S6: the ticket goes to Spam, remembering its status for 'not spam'. A timer ends."""
    if t.status is Status.SPAM:
        raise RuleError(f"ticket #{t.id} is already spam")
    return replace(_clear_timer(t), status=Status.SPAM, previous_status=t.status, updated_at=at)


def mark_not_spam(t: Ticket, at: datetime) -> Ticket:
    """S6: not spam restores the status it had before (Open when there was none)."""
    if t.status is not Status.SPAM:
        raise RuleError(f"ticket #{t.id} is not spam")
    back = t.previous_status if t.previous_status not in (None, Status.SPAM) else Status.OPEN
    return replace(t, status=back, previous_status=None, updated_at=at)


def trash(t: Ticket, at: datetime) -> Ticket:
    """V8 decision: Trash is a mark; the ticket keeps its status."""
    if t.trashed_at is not None:
        raise RuleError(f"ticket #{t.id} is already in Trash")
    return replace(t, trashed_at=at, updated_at=at)


RESTORE_TARGETS = ("all", "unassigned", "mine", "closed", "spam", "team:NAME")


def restore(t: Ticket, at: datetime, *, is_admin: bool, me: str, to: InboxRef | None = None,
            team_members: Iterable[str] = ()) -> Ticket:
    """V8: an admin moves a trashed ticket back, to where it was or to another inbox:
    unassigned (no agent), mine (assigned to the admin), team:NAME (that team, no agent),
    closed, spam, all (as it was). Personal inboxes show active tickets only (V9), so a
    closed or spam ticket restored to one of them becomes Open."""
    require_admin(is_admin, "restore tickets from Trash")
    if t.trashed_at is None:
        raise RuleError(f"ticket #{t.id} is not in Trash")
    out = replace(t, trashed_at=None, updated_at=at)
    if to is None or to.name == "all":
        return out
    active = out.status in ACTIVE_STATUSES
    if to.name == "unassigned":
        out = replace(out, assignee=None)
    elif to.name == "mine":
        out = assign_agent(out, me, at, team_members)
    elif to.name == "team" and to.team:
        out = replace(out, team=to.team, assignee=None)
    elif to.name == "closed":
        return replace(_clear_timer(out), status=Status.CLOSED, previous_status=None)
    elif to.name == "spam":
        return mark_spam(out, at) if out.status is not Status.SPAM else out
    else:
        raise RuleError(f"cannot restore to {to.key}; choose one of {', '.join(RESTORE_TARGETS)}")
    if not active:
        out = replace(out, status=Status.OPEN, previous_status=None)
    return out


def purge_due(t: Ticket, now: datetime, trash_days: int) -> bool:
    """V8: a ticket in Trash longer than trash_days is removed for good."""
    return t.trashed_at is not None and now - t.trashed_at >= timedelta(days=trash_days)


# -- followers, mentions, notifications (W1, R5) ---------------------------------------------------
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_][\w.-]*)")


def mentions(text: str, agents: Iterable[str]) -> list[str]:
    """R5: the known agents a note names as @name (case-insensitive), in order, once
    each. Unknown names and e-mail addresses (ann@example.com) are not mentions."""
    known = {a.lower(): a for a in agents}
    out: list[str] = []
    for m in _MENTION.finditer(text):
        word = m[1].rstrip(".-").lower()
        name = known.get(word)
        if name is not None and name not in out:
            out.append(name)
    return out


def notify_whom(followers: Iterable[str], author: str | None) -> list[str]:
    """W1: every follower is told about an update, except the one who made it."""
    who = author.lower() if author else None
    return [f for f in followers if f.lower() != who]
