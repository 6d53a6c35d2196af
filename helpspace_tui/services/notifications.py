"""History and notifications of ticket updates, in one place (W1, R5, issue 5 History).

Every service that changes a ticket (actions, ingest) ends its update with
`record_update`: one event per change (who, when, what: the conversation shows them as
dim lines) and one notification per follower except the one who made the update.
The app reads `unread_count` and `list_notifications` and calls `mark_read`."""

from __future__ import annotations

from datetime import datetime

from helpspace_tui.domain import rules
from helpspace_tui.domain.models import Agent, Notification
from helpspace_tui.services.errors import NotFound
from helpspace_tui.store import Store
from helpspace_tui.store.db import utcnow


def record_update(
    store: Store,
    ticket_id: int,
    actor: Agent | None,
    changes: list[tuple[str, str]],
    at: datetime,
    *,
    summary: str | None = None,
    personal: dict[str, str] | None = None,
) -> int:
    """Caller holds a write transaction. `changes` are (kind, detail) events; `summary`
    says what happened when it is more than the changes (a mail, a reply, a note);
    `personal` gives some followers their own text (a mention). Returns how many
    notifications were written."""
    actor_id = actor.id if actor else None
    for kind, detail in changes:
        store.tickets.record(ticket_id, actor_id, kind, detail, at)
    text = "; ".join(x for x in [summary, *(_label(k, d) for k, d in changes)] if x)
    personal = {k.lower(): v for k, v in (personal or {}).items()}
    followers = dict((name, agent_id) for agent_id, name in store.tickets.follower_ids(ticket_id))
    sent = 0
    for name in rules.notify_whom(followers, actor.name if actor else None):
        message = personal.get(name.lower(), text)
        if message:
            store.notifications.add(followers[name], ticket_id, actor_id, message, at)
            sent += 1
    return sent


def _label(kind: str, detail: str) -> str:
    """'waiting → open' says more as 'status waiting → open' outside the conversation."""
    return f"{kind} {detail}" if kind in ("status", "assignee", "team") else detail


def unread_count(store: Store, agent: Agent) -> int:
    return store.notifications.unread_count(agent.id)


def list_notifications(store: Store, agent: Agent, *, unread_only: bool = True,
                       offset: int = 0, limit: int | None = None) -> list[Notification]:
    """The agent's notifications, newest first (unread only unless asked)."""
    return store.notifications.list(agent.id, unread_only=unread_only, offset=offset,
                                    limit=limit)


def mark_read(store: Store, agent: Agent, ids: list[int] | None = None, *,
              ticket_id: int | None = None, now: datetime | None = None) -> int:
    """Mark notifications read: the given ones, those of one ticket (the app does this
    when the agent opens it), or all (neither given). Returns how many changed."""
    now = now or utcnow()
    with store.write():
        for n in ids or []:
            if not store.notifications.exists(agent.id, n):
                raise NotFound(f"no notification {n} for {agent.name}")
        return store.notifications.mark_read(agent.id, now, ids, ticket_id)
