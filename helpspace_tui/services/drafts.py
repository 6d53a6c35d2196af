"""R6: drafts survive a crash or a closed terminal."""

from __future__ import annotations

from helpspace_tui.domain.models import Agent
from helpspace_tui.store import Store
from helpspace_tui.store.db import utcnow


def load_draft(store: Store, agent: Agent, ticket_id: int, kind: str) -> str:
    return store.drafts.get(agent.id, ticket_id, kind) or ""


def save_draft(store: Store, agent: Agent, ticket_id: int, kind: str, body: str) -> None:
    with store.write():
        store.drafts.save(agent.id, ticket_id, kind, body, utcnow())


def discard_draft(store: Store, agent: Agent, ticket_id: int, kind: str) -> None:
    with store.write():
        store.drafts.delete(agent.id, ticket_id, kind)
