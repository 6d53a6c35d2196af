"""Tickets and messages as plain dicts: the JSON contract of the CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from helpspace_tui.domain.models import Address, Message, Ticket


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ticket_dict(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id,
        "subject": t.subject,
        "status": t.status.value,
        "assignee": t.assignee,
        "team": t.team,
        "customer": t.customer.addr,
        "customer_name": t.customer.name,
        "tags": list(t.tags),
        "message_count": t.message_count,
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
        "last_customer_at": iso(t.last_customer_at),
        "previous_status": t.previous_status.value if t.previous_status else None,
        "waiting_until": iso(t.waiting_until),
        "waiting_then": t.waiting_then.value if t.waiting_then else None,
        "trashed": t.trashed_at is not None,
        "followers": list(t.followers),
    }


def _addr(a: Address | None) -> str:
    if a is None:
        return ""
    return f"{a.name} <{a.addr}>" if a.name else f"<{a.addr}>"


def message_dict(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "kind": m.kind.value,
        "from": _addr(m.sender),
        "to": [_addr(a) for a in m.to],
        "cc": [_addr(a) for a in m.cc],
        "date": iso(m.date),
        "subject": m.subject,
        "text": m.text,
        "message_id": m.message_id,
        "author": m.author,
        "thread_reason": m.thread_reason,
        "delivery": m.delivery,
        "delivery_error": m.delivery_error,
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size,
             "inline": a.inline}
            for a in m.attachments
        ],
    }
