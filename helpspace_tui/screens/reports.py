"""SPEC T2: tickets counted by tag, status or agent over a period, as horizontal bars.

The numbers come from `services.reports.report` only; tag and agent names are text that
agents typed, so they reach the screen through `render`."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from helpspace_tui import render
from helpspace_tui.domain.models import ReportRow
from helpspace_tui.domain.when import parse_since
from helpspace_tui.services.desk import Desk
from helpspace_tui.services.errors import ActionError
from helpspace_tui.services.reports import report
from helpspace_tui.store import StoreError

# (argument for parse_since or None for all time, how the title says it)
PERIODS: list[tuple[str | None, str]] = [
    ("7d", "last 7 days"),
    ("30d", "last 30 days"),
    ("90d", "last 90 days"),
    (None, "all time"),
]
DEFAULT_PERIOD = 1  # 30 days
BY_TITLES = {"tag": "tag", "status": "status", "agent": "agent"}
KEY_WIDTH = 24  # cells for the tag / status / agent column
EIGHTHS = " ▏▎▍▌▋▊▉"  # partial blocks: a bar is exact to an eighth of a cell


def bar(count: int, largest: int, width: int) -> Text:
    """`count` as a bar of at most `width` cells, scaled so `largest` fills them; any
    count above zero shows at least a sliver."""
    if count <= 0 or largest <= 0 or width <= 0:
        return Text("")
    eighths = max(1, round(count * width * 8 / largest))
    full, part = divmod(eighths, 8)
    return Text("█" * full + (EIGHTHS[part] if part else ""), style="cyan", no_wrap=True)


def _placeholder(key: str) -> bool:
    """The store's row for tickets without a tag or an agent."""
    return key.startswith("(") and key.endswith(")")


def _label(by: str, key: str) -> Text:
    if _placeholder(key):  # (no tag), (unassigned)
        return render.line(key, "dim italic")
    if by == "status":
        return render.line(key.capitalize())
    if by == "tag":
        return render.line(f"#{key}")
    return render.line(key)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class ReportsScreen(Screen[None]):
    """Full screen: `1`/`2`/`3` (or `t`/`s`/`a`) choose what to count by, `p` the period."""

    BINDINGS = [
        Binding("1,t", "by('tag')", "By tag", id="reports.by_tag"),
        Binding("2,s", "by('status')", "By status", id="reports.by_status"),
        Binding("3,a", "by('agent')", "By agent", id="reports.by_agent"),
        Binding("p", "next_period", "Period", id="reports.period"),
        Binding("escape,q", "close", "Close", id="reports.close"),
    ]
    DEFAULT_CSS = """
    ReportsScreen { background: $surface; }
    ReportsScreen #report-title { height: auto; padding: 0 1; background: $panel;
        text-style: bold; }
    ReportsScreen #report-body { height: 1fr; padding: 1 1 0 1; }
    """

    def __init__(self, desk: Desk, *, by: str = "tag", period: int = DEFAULT_PERIOD,
                 now: datetime | None = None) -> None:
        """`now` fixes the end of the period (tests); None: the clock at each redraw."""
        super().__init__()
        self.desk = desk
        self.by = by if by in BY_TITLES else "tag"
        self.period = period % len(PERIODS)
        self.now = now
        self.rows: list[ReportRow] = []
        self.total = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="report-title")
        with VerticalScroll(id="report-body"):
            yield Static("", id="report-table")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one(VerticalScroll).focus()  # arrows and PgDn scroll a long report

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def on_resize(self) -> None:
        if self.is_mounted:
            self._draw()

    # -- data ----------------------------------------------------------------------------
    @property
    def since(self) -> datetime | None:
        spec, _ = PERIODS[self.period]
        if spec is None:
            return None
        return parse_since(spec, self.now or datetime.now(UTC), self.desk.config.tz())

    @property
    def title_text(self) -> str:
        _, period = PERIODS[self.period]
        return (f"Tickets by {BY_TITLES[self.by]}, {period} — "
                f"{_plural(self.total, 'ticket')}")

    def refresh_data(self) -> None:
        """Read the report again (after a key, or when the store changed)."""
        since = self.since
        try:
            rows = report(self.desk.store, self.by, since)  # largest first
            # (no tag) and (unassigned) after the named rows of the same count
            self.rows = sorted(rows, key=lambda r: (-r.tickets, _placeholder(r.key)))
            if self.by == "tag":
                # a ticket with two tags is in two rows; every ticket has one assignee
                # (or none), so the agent report counts each ticket once
                self.total = sum(r.tickets for r in report(self.desk.store, "agent", since))
            else:
                self.total = sum(r.tickets for r in self.rows)
        except (ActionError, StoreError) as e:
            self.rows, self.total = [], 0
            self.notify(f"report: {e}", severity="error", markup=False)
        self._draw()

    # -- drawing -------------------------------------------------------------------------
    def _draw(self) -> None:
        self.query_one("#report-title", Static).update(render.line(self.title_text))
        self.query_one("#report-table", Static).update(self._body())

    def _body(self) -> RenderableType:
        _, period = PERIODS[self.period]
        if not self.rows:
            return Group(
                Text(f"No tickets with activity in the {period}." if PERIODS[self.period][0]
                     else "No tickets yet.", style="bold"),
                Text("p shows another period.", style="dim"),
            )
        all_time = PERIODS[self.period][0] is None
        largest = max(r.tickets for r in self.rows)
        number_width = max(len("tickets"), len(str(largest)))
        width = self.size.width or 80
        bar_width = max(10, width - KEY_WIDTH - number_width - (0 if all_time else 10) - 10)
        table = Table(box=None, expand=False, padding=(0, 1), show_edge=False,
                      header_style="bold dim")
        table.add_column(BY_TITLES[self.by], width=KEY_WIDTH, no_wrap=True, overflow="ellipsis")
        table.add_column("tickets", justify="right", width=number_width)
        table.add_column("", width=bar_width, no_wrap=True)
        if not all_time:
            table.add_column("new", justify="right", width=5)
        for r in self.rows:
            cells: list[RenderableType] = [_label(self.by, r.key), Text(str(r.tickets), "bold"),
                                           bar(r.tickets, largest, bar_width)]
            if not all_time:
                cells.append(Text(str(r.created), "dim"))
            table.add_row(*cells)
        note = ("Counted: tickets created or changed in the period, by their current "
                f"{BY_TITLES[self.by]}."
                + (" A ticket with several tags counts under each." if self.by == "tag" else "")
                + ("" if all_time else " new: created in the period."))
        return Group(table, Text(""), Text(note, style="dim"))

    # -- actions -------------------------------------------------------------------------
    def action_by(self, by: str) -> None:
        if by in BY_TITLES and by != self.by:
            self.by = by
            self.refresh_data()

    def action_next_period(self) -> None:
        self.period = (self.period + 1) % len(PERIODS)
        self.refresh_data()

    def action_close(self) -> None:
        self.dismiss(None)
