"""Edge cases a code review found, each with the SPEC rule it breaks (M1, M3, A1, S4, G4)
and the CLI's promise of no tracebacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpspace_tui.cli import main
from helpspace_tui.domain.inboxes import InboxRef
from helpspace_tui.domain.models import Status
from helpspace_tui.services import actions, admin
from helpspace_tui.services.identity import current_agent
from helpspace_tui.services.ingest import ingest_raw
from helpspace_tui.store import Store

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def mail(mid: str, body: bytes, *, reply_to: str | None = None, cte: str = "8bit") -> bytes:
    head = (f"From: ann@cust.test\r\nTo: s@acme.test\r\nSubject: Gruss\r\n"
            f"Message-ID: <{mid}>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: {cte}\r\n")
    if reply_to:
        head += f"In-Reply-To: <{reply_to}>\r\n"
    return head.encode() + b"\r\n" + body


def test_m1_a_customer_mail_to_a_trashed_ticket_brings_it_back(store: Store) -> None:
    me = current_agent(store, user="boss")
    with store.write():
        tid = ingest_raw(store, mail("a@x", b"first\r\n"), now=T0).ticket_id
    actions.trash(store, me, tid, now=T0)
    with store.write():
        r = ingest_raw(store, mail("b@x", b"are you there?\r\n", reply_to="a@x"),
                       now=T0 + timedelta(days=29))
    t = store.tickets.get(tid)
    assert r.ticket_id == tid and t.trashed_at is None and t.status is Status.OPEN
    assert actions.purge_trash(store, now=T0 + timedelta(days=31)) == []  # never purged
    assert any("restored from Trash" in h.what for h in store.tickets.history(tid))


def test_m3_the_same_mail_in_other_bytes_is_stored_once(store: Store) -> None:
    with store.write():
        a = ingest_raw(store, mail("dup@x", "Grüße\r\n".encode()))
        b = ingest_raw(store, mail("dup@x", b"Gr=C3=BC=C3=9Fe\r\n", cte="quoted-printable"))
        c = ingest_raw(store, mail("dup@x", b"something else entirely\r\n"))
    assert a.action == "new" and b.action == "duplicate"
    assert c.action == "threaded"  # a reused Message-ID with other content is kept
    assert store.tickets.get(a.ticket_id).message_count == 2


def test_s4_changing_only_where_a_timer_leads_is_saved(store: Store) -> None:
    me = current_agent(store, user="boss")
    with store.write():
        tid = ingest_raw(store, mail("t@x", b"hi\r\n")).ticket_id
    until = datetime.now(UTC) + timedelta(days=2)
    actions.set_status(store, me, tid, Status.WAITING, until=until, then=Status.OPEN)
    actions.set_status(store, me, tid, Status.WAITING, until=until, then=Status.CLOSED)
    assert store.tickets.get(tid).waiting_then is Status.CLOSED


def test_a1_a_reply_by_someone_outside_the_team_leaves_the_team(store: Store) -> None:
    boss = current_agent(store, user="boss")
    admin.add_agent(store, boss, "ann")
    bob = admin.add_agent(store, boss, "bob")
    admin.add_team(store, boss, "billing")
    admin.add_member(store, boss, "billing", "ann")
    with store.write():
        tid = ingest_raw(store, mail("r@x", b"hi\r\n")).ticket_id
    actions.assign_team(store, boss, tid, "billing", "ann")
    actions.reply(store, bob, tid, "on it", sender="s@acme.test")
    t = store.tickets.get(tid)
    assert t.assignee == "bob" and t.team is None


def test_g4_trash_days_is_bounded_so_sync_cannot_overflow(store: Store) -> None:
    boss = current_agent(store, user="boss")
    with pytest.raises(Exception, match="1 to 36500"):
        admin.set_setting(store, boss, "trash_days", "1000000")


def test_huge_numbers_on_the_command_line_are_one_line_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(tmp_path / "s.db")
    me = current_agent(store)
    with store.write():
        tid = ingest_raw(store, mail("n@x", b"hi\r\n")).ticket_id
    store.close()
    config = tmp_path / "c.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "s.db"}"\n')
    for args in (["show", "99999999999999999999"],
                 ["notifications", "read", "99999999999999999999"],
                 ["status", str(tid), "waiting", "--until", "99999999w", "--then", "open"],
                 ["report", "--by", "tag", "--since", "9999999999w"]):
        code = main(["--config", str(config), *args])
        out, err = capsys.readouterr()
        assert code in (1, 2), args
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, (args, err)
    assert me.name


def test_v4_search_wildcards_are_characters(store: Store) -> None:
    with store.write():
        ingest_raw(store, mail("w@x", b"hello\r\n"))
    assert store.tickets.count(InboxRef("all"), None, search="_") == 0
    assert store.tickets.count(InboxRef("all"), None, search="%") == 0


def test_m8_a_quarantined_junk_mail_read_again_is_still_spam(store: Store,
                                                             monkeypatch) -> None:
    from helpspace_tui.services import ingest
    from helpspace_tui.services.ingest import Location, reingest_pending

    real = ingest._ingest_parsed

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("parser bug of an older version")

    monkeypatch.setattr(ingest, "_ingest_parsed", broken)
    with store.write():
        r = ingest_raw(store, mail("junk@x", b"buy now\r\n"), from_junk=True,
                       location=Location("Junk", 1, 1))
    assert r.action == "failed"
    monkeypatch.setattr(ingest, "_ingest_parsed", real)  # the upgrade
    reingest_pending(store, failed=True, junk_folders=frozenset({"Junk"}))
    assert store.mailbox.failed() == []
    t = store.tickets.list(InboxRef("spam"), None)
    assert len(t) == 1 and t[0].status is Status.SPAM


def test_g2_a_removed_agent_does_not_come_back_by_running_helpspace(store: Store) -> None:
    from helpspace_tui.services.errors import Forbidden

    boss = current_agent(store, user="boss")
    current_agent(store, user="eve")
    admin.remove_agent(store, boss, "eve")
    with pytest.raises(Forbidden, match="removed"):
        current_agent(store, user="eve")
    assert [a.name for a in store.agents.list()] == ["boss"]
    admin.add_agent(store, boss, "eve")  # an admin may bring her back
    assert current_agent(store, user="eve").name == "eve"
