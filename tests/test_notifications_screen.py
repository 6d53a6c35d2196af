"""SPEC W1/R5 on screen: an agent reads the notifications of followed tickets and of
mentions, opens one (it is marked read and the main screen gets its ticket), or marks
them all read."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.app import App

from helpspace_tui.config import AgentConfig, Config
from helpspace_tui.screens.notifications import NotificationList, NotificationsScreen
from helpspace_tui.services import actions
from helpspace_tui.services.desk import Desk
from helpspace_tui.services.ingest import ingest_raw
from helpspace_tui.services.notifications import list_notifications, mark_read, unread_count

try:
    from tests.screen import screen_text
except ImportError:
    from screen import screen_text

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def mail(n: int, subject: str, when: datetime) -> bytes:
    return (
        f"From: Customer {n} <c{n}@cust.test>\r\nTo: support@acme.test\r\n"
        f"Subject: {subject}\r\nDate: {email.utils.format_datetime(when)}\r\n"
        f"Message-ID: <notif-{n}@cust.test>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n"
    ).encode()


def _open(tmp_path: Path) -> Desk:
    config = Config(path=tmp_path / "config.toml", agent=AgentConfig(timezone="Europe/Berlin"))
    return Desk.open(config, store_path=tmp_path / "store.db", outbox_dir=tmp_path / "outbox")


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    """Ben works three tickets the agent running the app ("me") hears about: a tag on a
    ticket I follow (read already), a note that mentions me, and a ticket he makes me
    follow. Newest last."""
    d = _open(tmp_path)
    ids = []
    with d.store.write():
        ben = d.store.agents.add("ben", NOW - timedelta(days=100))
        for n, subject in enumerate(["Invoice [URGENT]", "Login fails", "SSO loop"], start=1):
            at = NOW - timedelta(days=3)
            ids.append(ingest_raw(d.store, mail(n, subject, at), now=at).ticket_id)
    invoice, login, sso = ids
    me = d.agent
    actions.follow(d.store, me, invoice, now=NOW - timedelta(days=2))
    actions.tag(d.store, ben, invoice, ["billing"], [], now=NOW - timedelta(hours=5))
    mark_read(d.store, me, now=NOW - timedelta(hours=4))  # that one is read
    actions.note(d.store, ben, login, f"@{me.name} can you look at this?",
                 now=NOW - timedelta(hours=2))
    actions.follow(d.store, ben, sso, me.name, now=NOW - timedelta(hours=1))
    return d


class Host(App[None]):
    def __init__(self, screen: NotificationsScreen) -> None:
        super().__init__()
        self.target = screen
        self.results: list[int | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.target, self.results.append)


def _rows(app: App) -> list[str]:
    ol = app.screen.query_one(NotificationList)
    return [str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]


def _ticket(desk: Desk, subject: str) -> int:
    return next(n.ticket_id for n in list_notifications(desk.store, desk.agent, unread_only=False)
                if n.subject == subject)


async def test_w1_r5_unread_first_then_read_with_time_ticket_and_text(desk: Desk) -> None:
    app = Host(NotificationsScreen(desk))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        rows = _rows(app)
        assert len(rows) == 3
        # unread, newest first: made a follower (1 h ago), mentioned (2 h ago); then read
        assert rows[0].startswith("● ") and "ben: made you a follower" in rows[0]
        assert f"#{_ticket(desk, 'SSO loop')}" in rows[0] and "SSO loop" in rows[0]
        assert rows[1].startswith("● ") and "ben: mentioned you in a note" in rows[1]
        assert not rows[2].startswith("●") and "tags +billing" in rows[2]
        # times in the agent's zone: 11:00 UTC is 12:00 in Berlin in November
        assert "30 Nov 12:00" in rows[0]
        shot = screen_text(app)
        assert "Notifications — 2 unread" in shot
        assert "Invoice [URGENT]" in shot  # M7: a subject is shown literally


async def test_w1_enter_marks_read_and_dismisses_with_the_ticket(desk: Desk) -> None:
    app = Host(NotificationsScreen(desk))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("j", "k", "down")  # the mention
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [_ticket(desk, "Login fails")]
        assert not isinstance(app.screen, NotificationsScreen)
    unread = list_notifications(desk.store, desk.agent)
    assert [n.text for n in unread] == ["made you a follower"]
    assert unread_count(desk.store, desk.agent) == 1


async def test_w1_enter_on_a_read_one_opens_its_ticket(desk: Desk) -> None:
    app = Host(NotificationsScreen(desk))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("k", "enter")  # up from the top wraps to the last row, the read one
        await pilot.pause()
        assert app.results == [_ticket(desk, "Invoice [URGENT]")]
    assert unread_count(desk.store, desk.agent) == 2


async def test_w1_a_marks_all_read_and_stays_open(desk: Desk) -> None:
    app = Host(NotificationsScreen(desk))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("j")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, NotificationsScreen)
        assert unread_count(desk.store, desk.agent) == 0
        rows = _rows(app)
        assert len(rows) == 3 and not any(r.startswith("●") for r in rows)
        assert app.screen.query_one(NotificationList).highlighted == 1  # the same one
        shot = screen_text(app)
        assert "Notifications" in shot and "unread" not in shot.split("Notifications")[1][:20]
        await pilot.press("escape")
        assert app.results == [None]


async def test_w1_escape_closes_with_none_and_reads_nothing(desk: Desk) -> None:
    app = Host(NotificationsScreen(desk))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
    assert unread_count(desk.store, desk.agent) == 2


async def test_w1_no_notifications_says_so(tmp_path: Path) -> None:
    app = Host(NotificationsScreen(_open(tmp_path)))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        assert "No notifications." in screen_text(app)
        await pilot.press("enter", "a")  # nothing to open, nothing to mark
        assert isinstance(app.screen, NotificationsScreen)
        await pilot.press("escape")
        assert app.results == [None]


async def test_w1_read_ones_are_limited_to_the_recent_50(tmp_path: Path) -> None:
    d = _open(tmp_path)
    with d.store.write():
        ben = d.store.agents.add("ben", NOW - timedelta(days=100))
        ticket = ingest_raw(d.store, mail(1, "Busy", NOW - timedelta(days=9)),
                            now=NOW - timedelta(days=9)).ticket_id
    actions.follow(d.store, ben, ticket, d.agent.name, now=NOW - timedelta(days=8))
    for i in range(60):
        actions.note(d.store, ben, ticket, f"note {i}", now=NOW - timedelta(hours=60 - i))
    mark_read(d.store, d.agent, now=NOW)
    actions.note(d.store, ben, ticket, "the latest", now=NOW + timedelta(minutes=1))
    app = Host(NotificationsScreen(d))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        rows = _rows(app)
        assert len(rows) == 1 + 50
        assert rows[0].startswith("●") and "added a note" in rows[0]
