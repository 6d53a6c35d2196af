"""SPEC C1/C2: the customer sidebar: who they are, who works the ticket, their other
tickets."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from helpspace_tui import render
from helpspace_tui.domain.models import Ticket
from helpspace_tui.widgets.ticket_table import STATUS_STYLE


class CustomerCard(Static):
    DEFAULT_CSS = """
    CustomerCard { padding: 0 1; }
    """

    def show(self, ticket: Ticket | None, others: list[Ticket]) -> None:
        if ticket is None:
            self.update("")
            return
        parts: list[Text] = [
            Text("Customer", style="bold underline"),
            render.line(ticket.customer.name or "(no name)", "bold"),
            render.line(ticket.customer.addr),
            Text(""),
            Text("Ticket", style="bold underline"),
            Text.assemble(("status   ", "dim"), (ticket.status.value, STATUS_STYLE[ticket.status])),
            Text.assemble(("assignee ", "dim"), render.line(ticket.assignee or "nobody")),
            Text.assemble(("team     ", "dim"), render.line(ticket.team or "-")),
            Text.assemble(("channel  ", "dim"), "email"),
        ]
        if ticket.waiting_until:
            parts.append(Text.assemble(("until    ", "dim"),
                                       f"{ticket.waiting_until:%d %b %H:%M}Z → {ticket.waiting_then}"))
        if ticket.tags:
            parts.append(Text.assemble(("tags     ", "dim"),
                                       render.line(" ".join(f"#{t}" for t in ticket.tags), "yellow")))
        if ticket.followers:
            parts.append(Text.assemble(("followers ", "dim"), render.line(", ".join(ticket.followers))))
        rest = [t for t in others if t.id != ticket.id]
        if rest:
            parts += [Text(""), Text(f"Other tickets ({len(rest)})", style="bold underline")]
            for t in rest[:12]:
                parts.append(Text.assemble((f"#{t.id} ", "dim"), (f"{t.status.value:<9} ",
                             STATUS_STYLE[t.status]), render.line(t.subject)))
        self.update(Group(*parts))
