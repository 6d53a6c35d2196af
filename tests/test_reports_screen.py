"""SPEC T2 on screen: the reports screen counts tickets by tag, status or agent over a
period, as bars with their numbers; keys switch what is counted and the period."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.app import App

from helpspace_tui.config import Config
from helpspace_tui.domain.models import Status
from helpspace_tui.screens.reports import ReportsScreen, bar
from helpspace_tui.services import actions
from helpspace_tui.services.desk import Desk
from helpspace_tui.services.ingest import ingest_raw

try:
    from tests.screen import screen_text
except ImportError:
    from screen import screen_text

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def mail(n: int, subject: str, when: datetime) -> bytes:
    return (
        f"From: Customer {n} <c{n}@cust.test>\r\nTo: support@acme.test\r\n"
        f"Subject: {subject}\r\nDate: {email.utils.format_datetime(when)}\r\n"
        f"Message-ID: <rep-{n}@cust.test>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n"
    ).encode()


def _open(tmp_path: Path) -> Desk:
    config = Config(path=tmp_path / "config.toml")
    return Desk.open(config, store_path=tmp_path / "store.db", outbox_dir=tmp_path / "outbox")


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    """Four tickets: one 60 days old (billing), one new this week (billing, login,
    assigned to ben), one from 20 days ago closed 10 days ago (login), one from
    yesterday without tags."""
    d = _open(tmp_path)
    ids = []
    with d.store.write():
        ben = d.store.agents.add("ben", NOW - timedelta(days=100))
        for n, (subject, age) in enumerate([("Old invoice", 60), ("Login fails", 3),
                                            ("SSO loop", 20), ("Question", 1)], start=1):
            at = NOW - timedelta(days=age)
            result = ingest_raw(d.store, mail(n, subject, at), now=at)
            ids.append(result.ticket_id)
    old, login, sso, question = ids
    actions.tag(d.store, d.agent, old, ["billing"], [], now=NOW - timedelta(days=60))
    actions.tag(d.store, d.agent, login, ["billing", "login"], [], now=NOW - timedelta(days=2))
    actions.assign(d.store, d.agent, login, ben.name, now=NOW - timedelta(days=2))
    actions.tag(d.store, d.agent, sso, ["login"], [], now=NOW - timedelta(days=19))
    actions.set_status(d.store, d.agent, sso, Status.CLOSED, now=NOW - timedelta(days=10))
    return d


class Host(App[None]):
    def __init__(self, screen: ReportsScreen) -> None:
        super().__init__()
        self.target = screen

    def on_mount(self) -> None:
        self.push_screen(self.target)


def _lines(app: App) -> list[str]:
    """The screen as lines of text, spaces kept (the SVG export drops blank runs)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def _row(app: App, label: str) -> str:
    """What follows a row's label on its line: 'count bar new'."""
    line = next(ln for ln in _lines(app) if ln.strip().startswith(label))
    return " ".join(line.split(label, 1)[1].split())


async def test_t2_reports_count_tickets_by_tag_over_the_last_30_days(desk: Desk) -> None:
    app = Host(ReportsScreen(desk, now=NOW))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        shot = screen_text(app)
        # three tickets had activity in 30 days; login counts two of them, two tags on
        # one ticket count that ticket under each
        assert "Tickets by tag, last 30 days — 3 tickets" in shot
        assert _row(app, "#login").startswith("2 ████")
        assert _row(app, "#billing").startswith("1 ██")
        assert _row(app, "(no tag)").startswith("1 ")
        # bars scale to the largest count: login fills the bar, billing half of it
        login_bar = _row(app, "#login").split()[1]
        billing_bar = _row(app, "#billing").split()[1]
        assert len(billing_bar) == pytest.approx(len(login_bar) / 2, abs=1)
        assert shot.index("#login") < shot.index("#billing")  # largest first


async def test_t2_keys_switch_to_status_and_agent(desk: Desk) -> None:
    app = Host(ReportsScreen(desk, now=NOW))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        shot = screen_text(app)
        assert "Tickets by status, last 30 days — 3 tickets" in shot
        assert _row(app, "Open").startswith("2 ")
        assert _row(app, "Closed").startswith("1 ")
        await pilot.press("3")
        shot = screen_text(app)
        assert "Tickets by agent, last 30 days — 3 tickets" in shot
        assert _row(app, "(unassigned)").startswith("2 ")
        assert _row(app, "ben").startswith("1 ")
        await pilot.press("2")
        assert "Tickets by status" in screen_text(app)
        await pilot.press("1")
        assert "Tickets by tag" in screen_text(app)
        await pilot.press("a")
        assert "Tickets by agent" in screen_text(app)
        await pilot.press("t")
        assert "Tickets by tag" in screen_text(app)


async def test_t2_p_cycles_the_period_7_30_90_days_and_all_time(desk: Desk) -> None:
    app = Host(ReportsScreen(desk, now=NOW))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("p")
        shot = screen_text(app)
        assert "Tickets by tag, last 90 days — 4 tickets" in shot
        assert _row(app, "#billing").startswith("2 ")  # the 60-day-old one joins
        await pilot.press("p")
        shot = screen_text(app)
        assert "Tickets by tag, all time — 4 tickets" in shot
        assert " new " not in shot.split("all time")[1]  # all time: everything is new
        await pilot.press("p")
        shot = screen_text(app)
        # the SSO ticket last changed 10 days ago: not in the last 7 days
        assert "Tickets by tag, last 7 days — 2 tickets" in shot
        assert _row(app, "#login").startswith("1 ")
        await pilot.press("p")
        assert "last 30 days — 3 tickets" in screen_text(app)


async def test_t2_new_column_counts_tickets_created_in_the_period(desk: Desk) -> None:
    app = Host(ReportsScreen(desk, by="status", now=NOW))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "Tickets by status, last 30 days" in screen_text(app)
        # Open: 'Login fails' (3 days) and 'Question' (1 day), both created in 30 days
        count, _bar, new = _row(app, "Open").split()
        assert (count, new) == ("2", "2")
        count, _bar, new = _row(app, "Closed").split()  # created 20 days ago
        assert (count, new) == ("1", "1")
        await pilot.press("p")  # 90 days: the 60-day-old ticket is open and not new
        count, _bar, new = _row(app, "Open").split()
        assert (count, new) == ("3", "3")


async def test_t2_empty_report_is_readable(tmp_path: Path) -> None:
    app = Host(ReportsScreen(_open(tmp_path), now=NOW))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        shot = screen_text(app)
        assert "Tickets by tag, last 30 days — 0 tickets" in shot
        assert "No tickets with activity in the last 30 days." in shot
        await pilot.press("p", "p")
        assert "No tickets yet." in screen_text(app)


async def test_t2_escape_and_q_close(desk: Desk) -> None:
    app = Host(ReportsScreen(desk, now=NOW))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        assert not isinstance(app.screen, ReportsScreen)
        app.push_screen(ReportsScreen(desk, now=NOW))
        await pilot.pause()
        assert isinstance(app.screen, ReportsScreen)
        await pilot.press("q")
        assert not isinstance(app.screen, ReportsScreen)


async def test_m7_t2_agent_names_are_shown_literally(tmp_path: Path) -> None:
    d = _open(tmp_path)
    with d.store.write():
        eve = d.store.agents.add("[bold]eve[/bold]", NOW - timedelta(days=5))
        result = ingest_raw(d.store, mail(1, "Hi", NOW - timedelta(days=2)),
                            now=NOW - timedelta(days=2))
    actions.assign(d.store, d.agent, result.ticket_id, eve.name, now=NOW - timedelta(days=1))
    app = Host(ReportsScreen(d, by="agent", now=NOW))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        assert "[bold]eve[/bold]" in screen_text(app)


def test_t2_bar_scales_to_the_largest_count() -> None:
    assert bar(10, 10, 20).plain == "█" * 20
    assert bar(5, 10, 20).plain == "█" * 10
    assert bar(1, 1000, 20).plain  # a count above zero is never invisible
    assert bar(0, 10, 20).plain == ""
    assert len(bar(3, 8, 10).plain) == 4  # 3.75 cells: three full and a partial block
