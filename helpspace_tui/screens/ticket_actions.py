"""What an agent does to tickets from any list (SPEC V12): on the marked tickets, else
the highlighted one. A mixin of the main screen, kept apart so the screen stays about
layout and navigation."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from helpspace_tui.domain.models import Status, Ticket
from helpspace_tui.domain.when import parse_when
from helpspace_tui.screens.dialogs import ConfirmScreen, PickScreen, TagScreen, WaitingScreen
from helpspace_tui.services import actions
from helpspace_tui.services.errors import ActionError
from helpspace_tui.store import StoreError

if TYPE_CHECKING:
    from textual.app import App

    from helpspace_tui.services.desk import Desk
    from helpspace_tui.widgets.ticket_table import TicketTable

STATUS_CHOICES = [
    (Status.OPEN.value, "Open"),
    (Status.ESCALATED.value, "Escalated"),
    (Status.WAITING.value, "Waiting"),
    (Status.CLOSED.value, "Closed"),
    (Status.SPAM.value, "Spam"),
]


class TicketActions:
    """Needs from its screen: desk, tz, table, current, refresh_data, notify, app and
    _ticket_or_warn."""

    desk: Desk
    tz: tzinfo | None
    app: App

    if TYPE_CHECKING:
        @property
        def table(self) -> TicketTable: ...
        @property
        def current(self) -> Ticket | None: ...
        def refresh_data(self, keep_ticket: int | None = None) -> None: ...
        def notify(self, message: str, **kwargs: object) -> None: ...
        def _ticket_or_warn(self) -> Ticket | None: ...

    def _targets(self) -> list[Ticket]:
        """The marked tickets, else the highlighted one (V12: bulk triage)."""
        t = self.table
        if t.marked:
            tickets = [self.desk.store.tickets.get(i) for i in sorted(t.marked)]
            return [x for x in tickets if x is not None]
        current = self._ticket_or_warn()
        return [current] if current is not None else []

    def _apply_all(self, what: str, fn, tickets: list[Ticket], *args, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        """One action on each target; failures are reported together, the rest go on."""
        errors: list[str] = []
        done = 0
        for t in tickets:
            try:
                fn(self.desk.store, self.desk.agent, t.id, *args, **kwargs)
                done += 1
            except (ActionError, StoreError) as e:
                errors.append(f"#{t.id}: {e}")
        keep = self.current.id if self.current else None
        self.table.clear_marks()
        self.refresh_data(keep_ticket=keep)
        if errors:
            self.notify("\n".join(errors[:5]), title=f"{what} failed", severity="error",
                        markup=False)
        elif len(tickets) > 1:
            self.notify(f"{what}: {done} tickets.", markup=False)

    def _label(self, tickets: list[Ticket]) -> str:
        return f"#{tickets[0].id}" if len(tickets) == 1 else f"{len(tickets)} tickets"

    def action_tags(self) -> None:
        tickets = self._targets()
        if not tickets:
            return
        # the tags all targets share: removing one of them works on every ticket
        current = sorted(set.intersection(*(set(t.tags) for t in tickets)))

        def check(word: str) -> None:
            try:
                actions.normalize_tag(word)
            except ActionError as e:
                raise ValueError(str(e)) from None

        def done(words: list[str] | None) -> None:
            if not words:
                return
            add = [w for w in words if not w.startswith("-")]
            remove = [w[1:] for w in words if w.startswith("-") and len(w) > 1]
            self._apply_all("Tags", actions.tag, tickets, add, remove)

        self.app.push_screen(TagScreen(self._label(tickets), current,
                                       self.desk.store.tickets.all_tags(), check), done)

    def action_assign(self) -> None:
        tickets = self._targets()
        if not tickets:
            return
        store, me = self.desk.store, self.desk.agent.name
        choices = [(f"agent:{a.name}", a.name + (" (me)" if a.name == me else ""))
                   for a in store.agents.list()]
        for team in store.agents.teams():  # A1: a team, or a team and one of its agents
            choices.append((f"team:{team}", f"team {team}"))
            choices += [(f"team:{team}:{m}", f"team {team} · {m}")
                        for m in store.agents.members(team)]
        choices.append(("none", "nobody (unassign)"))
        current = f"agent:{tickets[0].assignee}" if len(tickets) == 1 and tickets[0].assignee \
            else None

        def done(value: str | None) -> None:
            if value is None:
                return
            kind, _, rest = value.partition(":")
            if kind == "none":
                self._apply_all("Assign", actions.unassign, tickets)
            elif kind == "agent":
                self._apply_all("Assign", actions.assign, tickets, rest)
            else:
                team, _, agent = rest.partition(":")
                self._apply_all("Assign", actions.assign_team, tickets, team, agent or None)

        self.app.push_screen(PickScreen(f"Assign {self._label(tickets)} to", choices, current),
                             done)

    def action_status(self) -> None:
        tickets = self._targets()
        if not tickets:
            return
        choices = [*STATUS_CHOICES, ("waiting-until", "Waiting until… (then changes by itself)")]
        current = tickets[0].status.value if len(tickets) == 1 else None

        def done(value: str | None) -> None:
            if value == "waiting-until":
                self._ask_waiting(tickets)
            elif value is not None:
                self._apply_all("Status", actions.set_status, tickets, Status(value))

        self.app.push_screen(PickScreen(f"Status of {self._label(tickets)}", choices, current),
                             done)

    def _ask_waiting(self, tickets: list[Ticket]) -> None:
        tz = self.tz

        def parse(text: str) -> datetime:
            now = datetime.now(UTC)
            when = parse_when(text, now, tz)
            if when <= now:
                raise ValueError(f"{when.astimezone(tz):%a %d %b %H:%M} is already past")
            return when

        def show(when: datetime) -> str:
            return f"{when.astimezone(tz):%a %d %b %Y %H:%M}"

        def done(answer: tuple[datetime, str] | None) -> None:
            if answer is not None:
                until, then = answer
                self._apply_all("Waiting until", actions.set_status, tickets, Status.WAITING,
                                until=until, then=Status(then))

        self.app.push_screen(WaitingScreen(tickets[0].id, parse, show), done)

    def action_follow(self) -> None:
        """W1: follow or stop following (as the highlighted ticket says)."""
        tickets = self._targets()
        if not tickets:
            return
        me = self.desk.agent.name
        if me in tickets[0].followers:
            self._apply_all("Unfollow", actions.unfollow, tickets)
            self.notify(f"You no longer follow {self._label(tickets)}.", markup=False)
        else:
            self._apply_all("Follow", actions.follow, tickets)
            self.notify(f"You follow {self._label(tickets)}: its updates notify you.",
                        markup=False)

    def action_spam(self) -> None:
        """S6: mark as spam, or (on a spam ticket) as not spam."""
        tickets = self._targets()
        if not tickets:
            return
        if tickets[0].status is Status.SPAM:
            self._apply_all("Not spam", actions.mark_not_spam, tickets)
        else:
            self._apply_all("Spam", actions.mark_spam, tickets)

    def action_delete(self) -> None:
        """V8: to Trash (a mark; an admin can restore it for 30 days)."""
        tickets = self._targets()
        if not tickets:
            return

        def done(yes: bool | None) -> None:
            if yes:
                self._apply_all("Delete", actions.trash, tickets)

        self.app.push_screen(ConfirmScreen(f"Move {self._label(tickets)} to Trash?"), done)

    def action_restore(self) -> None:
        """V8: admins move a trashed ticket back."""
        tickets = self._targets()
        if tickets:
            self._apply_all("Restore", actions.restore, tickets)
