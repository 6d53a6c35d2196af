"""T2: ticket counts by tag, status or agent over a period, as plain data."""

from __future__ import annotations

from datetime import datetime

from helpspace_tui.domain.models import ReportRow
from helpspace_tui.services.errors import ActionError
from helpspace_tui.store import Store

REPORT_BY = ("tag", "status", "agent")


def report(store: Store, by: str, since: datetime | None) -> list[ReportRow]:
    """Tickets with activity in the period — created, or changed in any way (a mail, a
    reply, a note, a status, an assignment, a tag) since `since` — counted by their
    current tag, status or assignee, with how many of them were created in the period.
    Trash is left out; Spam too except as its own row by status. A ticket with two tags
    counts under each. `since` None: all time."""
    if by not in REPORT_BY:
        raise ActionError(f"no report by '{by}'; choose {', '.join(REPORT_BY)}")
    return store.tickets.report(by, since)
