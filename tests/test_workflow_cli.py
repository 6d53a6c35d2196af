"""Issue 5 through the CLI on a real store file: agents, teams, settings (G2–G4),
assignment (A1, V11), timers (S4), followers and notifications (W1, R5), spam, trash,
restore and purge (S6, V8; against a real Dovecot), reports (T2), history."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpspace_tui.domain.models import Status
from helpspace_tui.services import actions
from helpspace_tui.services.identity import current_agent
from helpspace_tui.services.ingest import ingest_raw
from helpspace_tui.store import Store

try:
    from tests.servers import Mailbox, make_mail
    from tests.test_cli_e2e import Cli, write_config
except ImportError:
    from servers import Mailbox, make_mail
    from test_cli_e2e import Cli, write_config


def seed(path: Path, n: int = 2, *, boss_elsewhere: bool = False) -> list[int]:
    """Tickets from mail straight into the store file (no server needed). With
    boss_elsewhere the store's admin is another OS user, so the CLI runs as a non-admin."""
    s = Store(path)
    try:
        if not boss_elsewhere:
            current_agent(s)  # the OS user running the tests: the first agent, an admin
        with s.write():
            if boss_elsewhere:
                s.agents.add("boss", datetime.now(UTC), os_user="boss-os", is_admin=True)
            ids = [ingest_raw(s, make_mail(i, sender=f"c{i}@cust.test",
                                           subject=f"case {i}")).ticket_id for i in range(n)]
            s.agents.add("ann", datetime.now(UTC), email="ann@acme.test", is_admin=False)
            s.agents.add("bob", datetime.now(UTC), is_admin=False)
    finally:
        s.close()
    return [i for i in ids if i is not None]


@pytest.fixture
def offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(tmp_path, None, None, '[agent]\ntimezone = "Europe/Berlin"\n'),
               capsys)


def test_g2_g3_g4_cli_agents_teams_settings(offline: Cli, tmp_path: Path) -> None:
    seed(tmp_path / "store.db", 0)
    code, out, err = offline("agent", "add", "carl", "--email", "Carl@Acme.test", "--admin")
    assert code == 0, err
    assert "carl" in out
    assert offline("agent", "add", "carl")[0] == 1  # already there
    assert offline("agent", "add", "two words")[0] == 1
    assert offline("team", "add", "Billing")[0] == 0
    assert offline("team", "member", "add", "billing", "ann")[0] == 0
    assert offline("team", "member", "add", "Billing", "nobody")[0] == 3
    assert offline.json("team", "list") == [{"name": "Billing", "members": ["ann"]}]
    agents = {a["name"]: a for a in offline.json("agent", "list")}
    assert agents["carl"]["admin"] and agents["carl"]["email"] == "carl@acme.test"
    assert sum(a["admin"] for a in agents.values()) == 2  # the first agent and carl
    assert {a["name"] for a in offline.json("agents")} == set(agents)  # the old name works
    assert offline("agent", "rm", "bob")[0] == 0
    assert "bob" not in {a["name"] for a in offline.json("agent", "list")}
    assert offline.json("settings") == {"assign_on_reply": "always", "trash_days": "30"}
    assert offline("settings", "set", "trash_days", "7")[0] == 0
    code, out, _ = offline("settings", "get", "trash_days")
    assert (code, out.strip()) == (0, "7")
    code, _, err = offline("settings", "set", "trash_days", "0")
    assert code == 1 and "from 1 to 36500" in err
    code, _, err = offline("settings", "set", "colour", "red")
    assert code == 1 and "settings: assign_on_reply, trash_days" in err
    assert offline("team", "member", "rm", "Billing", "ann")[0] == 0
    assert offline("team", "rm", "Billing")[0] == 0
    assert offline.json("team", "list") == []


def test_g2_cli_non_admin_gets_a_clear_refusal(offline: Cli, tmp_path: Path) -> None:
    [tid] = seed(tmp_path / "store.db", 1, boss_elsewhere=True)
    for args in (("agent", "add", "eve"), ("team", "add", "X"),
                 ("settings", "set", "trash_days", "3"), ("agent", "rm", "ann")):
        code, out, err = offline(*args)
        assert code == 1 and out == ""
        assert err.startswith("helpspace: only an admin can") and "admins: boss" in err
        assert err.count("\n") == 1
    assert offline("delete", str(tid))[0] == 0  # anyone may delete
    code, _, err = offline("restore", str(tid))
    assert code == 1 and "only an admin can restore" in err  # V8
    assert offline.json("settings")["trash_days"] == "30"  # reading is for everyone


def test_a1_v11_cli_assign_to_team_agent_and_none(offline: Cli, tmp_path: Path) -> None:
    a, b = (str(i) for i in seed(tmp_path / "store.db"))
    offline("team", "add", "Billing")
    offline("team", "member", "add", "Billing", "ann")
    code, out, err = offline("assign", a, "--team", "billing")
    assert code == 0 and "team Billing" in out, err
    assert [t["id"] for t in offline.json("tickets", "--inbox", "team:Billing")] == [int(a)]
    assert int(a) in [t["id"] for t in offline.json("tickets", "--inbox", "unassigned")]  # V1
    counts = {i["name"]: i["count"] for i in offline.json("inboxes")}
    assert counts["team:Billing"] == 1 and counts["unassigned"] == 2
    code, _, err = offline("assign", a, "--team", "Billing", "bob")
    assert code == 1 and "bob is not in team Billing" in err
    assert offline("assign", a, "--team", "Billing", "ann")[0] == 0
    shown = offline.json("show", a)
    assert (shown["team"], shown["assignee"]) == ("Billing", "ann")
    assert offline("assign", b, "bob")[0] == 0
    assert offline.json("show", b)["assignee"] == "bob"
    assert offline("assign", a, "--none")[0] == 0
    shown = offline.json("show", a)
    assert (shown["team"], shown["assignee"]) == (None, None)
    assert offline("assign", a)[0] == 2
    assert offline("assign", a, "ann", "--none")[0] == 2
    assert offline("assign", a, "--team", "Nope")[0] == 3
    whats = [h["what"] for h in offline.json("history", a)]
    assert "no team → Billing" in whats and "ann → nobody" in whats
    assert all(h["actor"] for h in offline.json("history", a) if "→" in h["what"])


def test_s4_cli_status_waiting_until_then(offline: Cli, tmp_path: Path) -> None:
    [tid] = (str(i) for i in seed(tmp_path / "store.db", 1))
    code, out, err = offline("status", tid, "waiting", "--until", "tomorrow 9:00",
                             "--then", "escalated")
    assert code == 0, err
    assert "until" in out and "09:00 CE" in out  # shown in the agent's zone
    shown = offline.json("show", tid)
    assert shown["status"] == "waiting" and shown["waiting_then"] == "escalated"
    until = datetime.fromisoformat(shown["waiting_until"].replace("Z", "+00:00"))
    assert timedelta(0) < until - datetime.now(UTC) < timedelta(days=2)
    assert until.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin")).hour == 9
    code, _, err = offline("status", tid, "waiting", "--until", "someday", "--then", "open")
    assert code == 2 and "tomorrow 9:00" in err and err.count("\n") == 1
    assert offline("status", tid, "waiting", "--until", "3d")[0] == 2  # no --then
    assert offline("status", tid, "waiting", "--until", "3d", "--then", "waiting")[0] == 2
    code, _, err = offline("status", tid, "open", "--until", "3d", "--then", "closed")
    assert code == 1 and "only a waiting ticket" in err
    assert offline("status", tid, "waiting", "--until", "90m", "--then", "closed")[0] == 0
    assert any("timer" in h["what"] or "until" in h["what"]
               for h in offline.json("history", tid))


def test_w1_r5_cli_follow_mention_and_notifications(offline: Cli, tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    [tid] = (str(i) for i in seed(path, 1))
    code, out, _ = offline("follow", tid)
    assert code == 0
    me = offline.json("show", tid)["followers"]
    assert len(me) == 1
    assert offline("note", tid, stdin="@ann please check the invoice")[0] == 0
    assert offline.json("show", tid)["followers"] == sorted([*me, "ann"])
    assert offline("follow", tid, "bob")[0] == 0
    assert offline("unfollow", tid, "bob")[0] == 0
    assert offline("follow", tid, "nobody")[0] == 3
    # colleagues work the ticket (in their own sessions): I hear of it
    s = Store(path)
    try:
        ann = s.agents.by_name("ann")
        assert ann is not None
        actions.set_status(s, ann, int(tid), Status.ESCALATED)
        actions.tag(s, ann, int(tid), ["vip"], [])
        assert [n.text for n in s.notifications.list(ann.id)] == ["mentioned you in a note"]
    finally:
        s.close()
    items = offline.json("notifications")
    assert [n["text"] for n in items] == ["tags +vip", "status open → escalated"]
    assert {n["actor"] for n in items} == {"ann"} and all(not n["read"] for n in items)
    code, out, _ = offline("notifications")
    assert code == 0 and "tags +vip" in out
    assert offline("notifications", "read", str(items[0]["id"]))[0] == 0
    assert len(offline.json("notifications")) == 1
    assert offline("notifications", "read")[0] == 2
    assert offline("notifications", "read", "--all")[0] == 0
    assert offline.json("notifications") == []
    assert len(offline.json("notifications", "--all")) == 2
    assert offline("notifications", "read", "99999")[0] == 3


def test_t2_cli_report_json_and_csv(offline: Cli, tmp_path: Path) -> None:
    a, b = (str(i) for i in seed(tmp_path / "store.db"))
    offline("tag", a, "billing", "vip")
    offline("tag", b, "billing")
    data = offline.json("report", "--by", "tag", "--since", "30d")
    assert data["by"] == "tag" and data["since"].endswith("Z")
    assert data["rows"] == [{"tag": "billing", "tickets": 2, "created": 2},
                            {"tag": "vip", "tickets": 1, "created": 1}]
    code, out, _ = offline("report", "--by", "status", "--csv", "--since", "all")
    assert code == 0 and out.splitlines() == ["status,tickets,created", "open,2,2"]
    code, out, _ = offline("report", "--by", "agent")
    assert code == 0 and "(unassigned)" in out
    assert offline("report", "--by", "tag", "--since", "lately")[0] == 2
    assert offline("report", "--by", "mood")[0] == 2


def test_s6_v8_cli_spam_trash_restore_purge_and_resync(
        tmp_path: Path, mailbox: Mailbox, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(write_config(tmp_path, mailbox, None), capsys)
    mailbox.append(make_mail(1, subject="Keep me", sender="ann@cust.test"))
    mailbox.append(make_mail(2, subject="Delete me", sender="bob@cust.test"))
    assert cli("sync", "--once")[0] == 0
    ids = {t["subject"]: str(t["id"]) for t in cli.json("tickets")}
    keep, gone = ids["Keep me"], ids["Delete me"]

    assert cli("status", keep, "escalated")[0] == 0
    assert cli("spam", keep)[0] == 0
    assert [t["id"] for t in cli.json("tickets", "--inbox", "spam")] == [int(keep)]
    code, out, _ = cli("spam", keep, "--not")
    assert code == 0 and "escalated" in out  # S6: the status it had
    assert cli("spam", keep, "--not")[0] == 1

    assert cli("delete", gone)[0] == 0
    assert [t["id"] for t in cli.json("tickets", "--inbox", "trash")] == [int(gone)]
    assert cli.json("show", gone)["status"] == "open"  # a mark: the status stays
    assert int(gone) not in [t["id"] for t in cli.json("tickets")]
    code, out, err = cli("restore", gone, "--to", "mine")
    assert code == 0, err
    shown = cli.json("show", gone)
    assert not shown["trashed"] and shown["assignee"] is not None
    assert cli("restore", gone)[0] == 1  # not in Trash any more
    assert cli("restore", gone, "--to", "nowhere")[0] == 2

    assert cli("delete", gone)[0] == 0
    code, out, _ = cli("purge")
    assert code == 0 and out.startswith("0 tickets")  # not 30 days yet
    s = Store(tmp_path / "store.db")
    try:  # 31 days pass
        with s.write():
            s.db.conn.execute("UPDATE tickets SET trashed_at = ? WHERE id = ?",
                              ("2000-01-01T00:00:00.000000Z", int(gone)))
    finally:
        s.close()
    code, out, _ = cli("purge")
    assert code == 0 and f"#{gone}" in out
    assert cli("show", gone)[0] == 3
    # a full resync (new UIDVALIDITY: every mail looked at again) never brings it back
    mailbox.reset_uidvalidity()
    code, out, err = cli("sync", "--once")
    assert code == 0, err
    assert [t["subject"] for t in cli.json("tickets")] == ["Keep me"]
    assert cli.json("tickets", "--inbox", "trash") == []
    whats = [h["what"] for h in cli.json("history", keep)]
    assert "escalated → spam" in whats and "spam → escalated" in whats
    assert json.dumps(whats, ensure_ascii=False)


def test_g3_removing_an_agent_or_team_asks_first_at_a_terminal(monkeypatch) -> None:
    import argparse
    import io

    import pytest

    from helpspace_tui.cli_workflow import confirm
    from helpspace_tui.services.errors import ActionError

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty("n\n"))
    with pytest.raises(ActionError, match="nothing changed"):
        confirm(argparse.Namespace(yes=False), "Remove agent maria?")
    monkeypatch.setattr("sys.stdin", Tty("y\n"))
    confirm(argparse.Namespace(yes=False), "Remove agent maria?")  # goes on
    monkeypatch.setattr("sys.stdin", Tty(""))
    confirm(argparse.Namespace(yes=True), "Remove agent maria?")  # --yes never asks
