"""A few layout snapshots (80×24 and 160×45); behaviour is tested in test_app.py.
Update after a deliberate layout change with: pytest tests/test_snapshots.py --snapshot-update"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpspace_tui.app import HelpspaceApp
from helpspace_tui.config import AgentConfig, Config
from helpspace_tui.domain.models import Status
from helpspace_tui.services import actions
from helpspace_tui.services.desk import Desk
from helpspace_tui.services.ingest import ingest_raw
from helpspace_tui.widgets import ticket_table

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

MAILS = [
    ("Ann Lee <ann@cust.test>", "Cannot log in since the update", "My password fails since 2.4.\n"),
    ("Bo Berg <bo@cust.test>", "Rechnung 2026-11: falscher Betrag", "Der Betrag ist zu hoch.\n"),
    ("佐藤 由紀 <sato@cust.test>", "請求書の宛名変更のお願い", "宛名を変更してください。\n"),
    ("Eve <eve@cust.test>", "Re: [URGENT] [bold]pay[/bold] now 🚀", "Click [link=x] here\n"),
    ("Carl <carl@cust.test>", "Export all our data (GDPR)", "Please send an export.\n"),
]


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HelpspaceApp:
    monkeypatch.setattr(ticket_table, "utc_now", lambda: NOW)
    config = Config(path=tmp_path / "c.toml", agent=AgentConfig(name="alice", timezone="UTC"))
    desk = Desk.open(config, store_path=tmp_path / "s.db")
    with desk.store.write():
        for n, (sender, subject, body) in enumerate(MAILS):
            when = NOW - timedelta(hours=5 * (len(MAILS) - n))
            raw = (f"From: {sender}\nTo: support@acme.test\nSubject: {subject}\n"
                   f"Date: {email.utils.format_datetime(when)}\nMessage-ID: <snap-{n}@t>\n"
                   f"Content-Type: text/plain; charset=utf-8\n\n{body}").encode()
            ingest_raw(desk.store, raw, now=when)
    actions.set_status(desk.store, desk.agent, 2, Status.ESCALATED,
                       now=NOW - timedelta(hours=1))
    actions.tag(desk.store, desk.agent, 1, ["login", "bug"], [], now=NOW - timedelta(minutes=30))
    return HelpspaceApp(desk)


def test_layout_160x45(snap_compare, app: HelpspaceApp) -> None:
    assert snap_compare(app, terminal_size=(160, 45))


def test_layout_80x24(snap_compare, app: HelpspaceApp) -> None:
    assert snap_compare(app, terminal_size=(80, 24))


def test_layout_80x24_reading(snap_compare, app: HelpspaceApp) -> None:
    assert snap_compare(app, press=["j", "enter"], terminal_size=(80, 24))
