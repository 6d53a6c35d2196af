"""The inboxes an agent sees (V1–V11) with their V10 counts, and their ticket lists."""

from __future__ import annotations

from dataclasses import dataclass

from helpspace_tui.domain.inboxes import PERSONAL_INBOXES, InboxRef
from helpspace_tui.domain.models import Agent, Ticket
from helpspace_tui.services.errors import NotFound
from helpspace_tui.store import Store


@dataclass(frozen=True, slots=True)
class InboxCount:
    inbox: InboxRef
    count: int  # V10: open + escalated


def inbox_counts(store: Store, agent: Agent) -> list[InboxCount]:
    refs = [InboxRef(name) for name, _ in PERSONAL_INBOXES]
    refs += [InboxRef("team", team) for team in store.agents.teams()]  # V11
    return [InboxCount(r, store.tickets.count(r, agent.id, only_open=True)) for r in refs]


def check_inbox(store: Store, inbox: InboxRef) -> None:
    if inbox.team and inbox.team.lower() not in {t.lower() for t in store.agents.teams()}:
        teams = ", ".join(store.agents.teams()) or "none yet"
        raise NotFound(f"no team '{inbox.team}'; teams: {teams}")


def list_tickets(store: Store, agent: Agent, inbox: InboxRef, *, offset: int = 0,
                 limit: int | None = None, tag: str | None = None,
                 search: str | None = None) -> list[Ticket]:
    check_inbox(store, inbox)
    return store.tickets.list(inbox, agent.id, offset=offset, limit=limit, tag=tag,
                              search=search)
