"""Issue 5's services on a real store file: notifications of every update (W1, R5),
assignment and teams (A1, V1, V11, G3), admins (G2), settings (G4), timers (S4), spam
(S6), trash, purge and tombstones (V8), reports (T2), history, and the migration."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpspace_tui.domain.inboxes import InboxRef
from helpspace_tui.domain.models import Agent, Status
from helpspace_tui.services import actions, admin
from helpspace_tui.services.errors import ActionError, Forbidden
from helpspace_tui.services.inboxes import inbox_counts
from helpspace_tui.services.ingest import ingest_raw
from helpspace_tui.services.notifications import list_notifications, mark_read, unread_count
from helpspace_tui.services.reports import report
from helpspace_tui.services.sync import sync_once
from helpspace_tui.store import Store
from helpspace_tui.store.schema import MIGRATIONS

try:
    from tests.servers import make_mail
except ImportError:
    from servers import make_mail

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
SENDER = "Acme Support <support@acme.test>"


@pytest.fixture
def crew(store: Store) -> dict[str, Agent]:
    with store.write():
        boss = store.agents.add("boss", T0, is_admin=True)
        ann = store.agents.add("ann", T0, email="ann@acme.test", is_admin=False)
        bob = store.agents.add("bob", T0, is_admin=False)
    return {"boss": boss, "ann": ann, "bob": bob}


def mail_ticket(store: Store, n: int = 1, at: datetime = T0, **kw: str) -> tuple[int, bytes]:
    raw = make_mail(n, sender=kw.get("sender", f"c{n}@cust.test"),
                    subject=kw.get("subject", f"ticket {n}"))
    with store.write():
        res = ingest_raw(store, raw, now=at)
    assert res.ticket_id is not None
    return res.ticket_id, raw


def texts(store: Store, agent: Agent) -> list[str]:
    return [n.text for n in list_notifications(store, agent)]


# -- W1, R5 --------------------------------------------------------------------------------
def test_w1_every_update_notifies_each_follower_once_except_its_author(
        store: Store, crew: dict[str, Agent]) -> None:
    ann, bob, boss = crew["ann"], crew["bob"], crew["boss"]
    tid, _ = mail_ticket(store)
    actions.follow(store, ann, tid)
    actions.follow(store, bob, tid)
    actions.reply(store, ann, tid, "On it.", sender=SENDER, now=T0 + timedelta(minutes=1))
    actions.note(store, bob, tid, "looked at it", now=T0 + timedelta(minutes=2))
    actions.tag(store, boss, tid, ["urgent"], [], now=T0 + timedelta(minutes=3))
    actions.set_status(store, boss, tid, Status.ESCALATED, now=T0 + timedelta(minutes=4))
    actions.assign(store, boss, tid, "bob", now=T0 + timedelta(minutes=5))
    actions.mark_spam(store, boss, tid, now=T0 + timedelta(minutes=6))
    actions.mark_not_spam(store, boss, tid, now=T0 + timedelta(minutes=7))
    actions.trash(store, boss, tid, now=T0 + timedelta(minutes=8))
    # ann: everything but her own reply; bob: everything but his own note
    assert len(texts(store, ann)) == 7 and len(texts(store, bob)) == 7
    assert "replied to the customer" in texts(store, bob)[-1]
    assert "added a note" in texts(store, ann)[-1]
    assert texts(store, ann)[0] == "moved to Trash"
    assert unread_count(store, boss) == 0  # not a follower
    assert list_notifications(store, ann)[0].actor == "boss"


def test_w1_customer_mail_and_a_timer_notify_every_follower(
        store: Store, crew: dict[str, Agent]) -> None:
    ann = crew["ann"]
    tid, raw = mail_ticket(store)
    actions.follow(store, ann, tid)
    actions.set_status(store, ann, tid, Status.WAITING, until=T0 + timedelta(hours=1),
                       then=Status.ESCALATED, now=T0)
    assert actions.fire_due_timers(store, T0 + timedelta(hours=2)) == [tid]
    assert texts(store, ann) == ["status waiting → escalated (timer)"]
    answer = make_mail(2, sender="c1@cust.test", subject="more",
                       extra_headers={"In-Reply-To": _msgid(raw)})
    with store.write():
        assert ingest_raw(store, answer, now=T0 + timedelta(hours=3)).action == "threaded"
    assert texts(store, ann)[0] == "customer mail from c1@cust.test"


def _msgid(raw: bytes) -> str:
    for line in raw.decode().splitlines():
        if line.startswith("Message-ID:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("no Message-ID")


def test_r5_note_mention_makes_a_follower_and_notifies_them(
        store: Store, crew: dict[str, Agent]) -> None:
    ann, bob = crew["ann"], crew["bob"]
    tid, _ = mail_ticket(store)
    actions.note(store, ann, tid, "@bob can you look? cc @nobody and @ann")
    t = actions.get_ticket(store, tid)
    assert t.followers == ["bob"]  # ann mentioning herself changes nothing
    assert texts(store, bob) == ["mentioned you in a note"]
    assert any("bob follows (mentioned)" in h.what for h in store.tickets.history(tid))
    assert t.id in {x.id for x in store.tickets.list(InboxRef("watched"), bob.id)}  # V5
    assert store.outbox.unsent() == []  # R5: never mailed


def test_w1_follow_unfollow_and_mark_read(store: Store, crew: dict[str, Agent]) -> None:
    ann, bob = crew["ann"], crew["bob"]
    tid, _ = mail_ticket(store)
    actions.follow(store, ann, tid, "bob")
    assert texts(store, bob) == ["made you a follower"]
    actions.tag(store, ann, tid, ["x"], [])
    assert unread_count(store, bob) == 2
    first = list_notifications(store, bob)[0].id
    assert mark_read(store, bob, [first]) == 1
    assert unread_count(store, bob) == 1
    assert len(list_notifications(store, bob, unread_only=False)) == 2
    assert mark_read(store, bob) == 1 and unread_count(store, bob) == 0
    actions.unfollow(store, bob, tid)
    actions.tag(store, ann, tid, ["y"], [])
    assert unread_count(store, bob) == 0
    assert [h.what for h in store.tickets.history(tid) if "follow" in h.what] == [
        "bob follows (added by ann)", "bob no longer follows"]


# -- A1, V1, V11, G3 -------------------------------------------------------------------------
def test_a1_v1_v11_team_only_ticket_is_in_unassigned_and_its_team_inbox(
        store: Store, crew: dict[str, Agent]) -> None:
    boss = crew["boss"]
    admin.add_team(store, boss, "Billing")
    admin.add_member(store, boss, "billing", "ann")
    tid, _ = mail_ticket(store)
    t = actions.assign_team(store, boss, tid, "BILLING")
    assert (t.team, t.assignee) == ("Billing", None)
    ids = lambda inbox: [x.id for x in store.tickets.list(inbox, boss.id)]  # noqa: E731
    assert ids(InboxRef("unassigned")) == [tid] and ids(InboxRef("team", "Billing")) == [tid]
    counts = {c.inbox.key: c.count for c in inbox_counts(store, boss)}
    assert counts["team:Billing"] == 1 and counts["unassigned"] == 1
    with pytest.raises(ActionError, match="bob is not in team Billing"):
        actions.assign_team(store, boss, tid, "Billing", "bob")
    t = actions.assign_team(store, boss, tid, "Billing", "ann")
    assert ids(InboxRef("unassigned")) == [] and ids(InboxRef("assigned")) == [tid]
    t = actions.assign(store, boss, tid, "bob")  # not a member: the team goes
    assert (t.team, t.assignee) == (None, "bob")
    t = actions.unassign(store, boss, tid)
    assert (t.team, t.assignee) == (None, None)
    assert [h.what for h in store.tickets.history(tid) if h.actor == "boss"][:2] == [
        "no team → Billing", "nobody → ann"]


def test_g3_removing_a_team_keeps_the_agent(store: Store, crew: dict[str, Agent]) -> None:
    boss = crew["boss"]
    admin.add_team(store, boss, "Billing")
    admin.add_member(store, boss, "Billing", "ann")
    tid, _ = mail_ticket(store)
    actions.assign_team(store, boss, tid, "Billing", "ann")
    assert admin.remove_team(store, boss, "billing") == [tid]
    t = actions.get_ticket(store, tid)
    assert (t.team, t.assignee) == (None, "ann")
    assert admin.list_teams(store) == []


def test_g2_non_admins_cannot_manage_agents_teams_settings(
        store: Store, crew: dict[str, Agent]) -> None:
    ann = crew["ann"]
    for call in (lambda: admin.add_agent(store, ann, "eve"),
                 lambda: admin.remove_agent(store, ann, "bob"),
                 lambda: admin.add_team(store, ann, "X"),
                 lambda: admin.add_member(store, ann, "X", "bob"),
                 lambda: admin.set_setting(store, ann, "trash_days", "5")):
        with pytest.raises(Forbidden, match=r"only an admin can .*admins: boss"):
            call()


def test_g2_removing_an_agent_unassigns_their_tickets_and_keeps_the_last_admin(
        store: Store, crew: dict[str, Agent]) -> None:
    boss = crew["boss"]
    tid, _ = mail_ticket(store)
    actions.assign(store, boss, tid, "ann")
    assert admin.remove_agent(store, boss, "ann") == [tid]
    assert actions.get_ticket(store, tid).assignee is None
    assert "ann" not in [a.name for a in admin.list_agents(store)]
    with pytest.raises(ActionError, match="only admin"):
        admin.remove_agent(store, boss, "boss")
    again = admin.add_agent(store, boss, "ann", email="ann@new.test")  # the name comes back
    assert again.id == crew["ann"].id and again.email == "ann@new.test"


def test_g4_settings_change_reply_assignment(store: Store, crew: dict[str, Agent]) -> None:
    boss, ann, bob = crew["boss"], crew["ann"], crew["bob"]
    assert admin.set_setting(store, boss, "Assign_On_Reply", "unassigned") == (
        "assign_on_reply", "unassigned")
    tid, _ = mail_ticket(store)
    actions.assign(store, boss, tid, "bob")
    assert actions.reply(store, ann, tid, "hi", sender=SENDER).assignee == bob.name  # A2
    with pytest.raises(ActionError, match="no setting"):
        admin.get_setting(store, "nope")


# -- S6, V8 -------------------------------------------------------------------------------
def test_s6_spam_and_back_keeps_status_and_history(store: Store, crew: dict[str, Agent]) -> None:
    boss = crew["boss"]
    tid, _ = mail_ticket(store)
    actions.set_status(store, boss, tid, Status.ESCALATED)
    assert actions.mark_spam(store, boss, tid).status is Status.SPAM
    assert [x.id for x in store.tickets.list(InboxRef("spam"), boss.id)] == [tid]
    assert actions.mark_not_spam(store, boss, tid).status is Status.ESCALATED
    assert [h.what for h in store.tickets.history(tid)][-2:] == [
        "escalated → spam", "spam → escalated"]


def test_v8_restore_needs_admin_in_the_service(store: Store, crew: dict[str, Agent]) -> None:
    tid, _ = mail_ticket(store)
    actions.trash(store, crew["ann"], tid)
    assert [x.id for x in store.tickets.list(InboxRef("trash"), None)] == [tid]
    assert store.tickets.list(InboxRef("all"), None) == []
    with pytest.raises(Forbidden, match="only an admin can restore"):
        actions.restore(store, crew["ann"], tid)
    t = actions.restore(store, crew["boss"], tid, InboxRef("mine"))
    assert t.trashed_at is None and t.assignee == "boss"


def test_v8_purge_removes_everything_and_a_resync_never_brings_it_back(
        store: Store, crew: dict[str, Agent]) -> None:
    boss = crew["boss"]
    tid, raw = mail_ticket(store, at=T0)
    keep, _ = mail_ticket(store, 2, at=T0)
    actions.reply(store, boss, tid, "answer", sender=SENDER, attachments=[("a.txt", b"x")],
                  now=T0)
    actions.follow(store, crew["ann"], tid)
    actions.trash(store, boss, tid, now=T0 + timedelta(days=1))
    assert actions.purge_trash(store, T0 + timedelta(days=30)) == []  # 29 days in Trash
    assert actions.purge_trash(store, T0 + timedelta(days=31)) == [tid]
    assert store.tickets.get(tid) is None and store.tickets.get(keep) is not None
    db = store.db
    assert db.scalar("SELECT count(*) FROM messages WHERE ticket_id = ?", (tid,)) == 0
    assert db.scalar("SELECT count(*) FROM attachments") == 0
    assert db.scalar("SELECT count(*) FROM raw_mails") == 1  # the other ticket's
    assert db.scalar("SELECT count(*) FROM notifications") == 0
    assert db.scalar("SELECT count(*) FROM tombstones") == 2  # the mail and our reply
    with store.write():  # the same mail synced again
        assert ingest_raw(store, raw, now=T0 + timedelta(days=32)).action == "tombstoned"
        # a copy with other bytes (another server's headers) but the same Message-ID
        other = b"X-Copied: yes\r\n" + raw
        assert ingest_raw(store, other, now=T0 + timedelta(days=32)).action == "tombstoned"
    assert db.scalar("SELECT count(*) FROM raw_mails") == 1
    assert len(store.tickets.list(InboxRef("all"), None)) == 1


def test_v8_trash_days_setting_and_sync_purges(store: Store, crew: dict[str, Agent]) -> None:
    tid, _ = mail_ticket(store)
    actions.trash(store, crew["boss"], tid, now=datetime.now(UTC) - timedelta(days=3))
    report_ = sync_once(store, open_source=None, folders=[], make_sender=None)
    assert report_.purged == []
    admin.set_setting(store, crew["boss"], "trash_days", "2")
    report_ = sync_once(store, open_source=None, folders=[], make_sender=None)
    assert report_.purged == [tid] and "1 purged from Trash" in report_.summary()


def test_s4_sync_fires_a_due_timer_exactly_once(store: Store, crew: dict[str, Agent]) -> None:
    tid, _ = mail_ticket(store)
    now = datetime.now(UTC)
    actions.set_status(store, crew["ann"], tid, Status.WAITING, until=now + timedelta(seconds=1),
                       then=Status.CLOSED, now=now - timedelta(seconds=1))
    assert store.tickets.get(tid).status is Status.WAITING  # type: ignore[union-attr]
    with store.write():
        store.db.conn.execute("UPDATE tickets SET waiting_until = ? WHERE id = ?",
                              ("2000-01-01T00:00:00.000000Z", tid))
    assert sync_once(store, open_source=None, folders=[], make_sender=None).timers == [tid]
    assert sync_once(store, open_source=None, folders=[], make_sender=None).timers == []
    assert store.tickets.get(tid).status is Status.CLOSED  # type: ignore[union-attr]
    timer_lines = [h for h in store.tickets.history(tid) if "(timer)" in h.what]
    assert len(timer_lines) == 1 and timer_lines[0].actor is None


# -- T2 ------------------------------------------------------------------------------------------
def test_t2_report_counts_by_tag_status_and_agent(store: Store, crew: dict[str, Agent]) -> None:
    boss = crew["boss"]
    old, _ = mail_ticket(store, 1, at=T0 - timedelta(days=60))
    a, _ = mail_ticket(store, 2, at=T0)
    b, _ = mail_ticket(store, 3, at=T0)
    spam, _ = mail_ticket(store, 4, at=T0)
    gone, _ = mail_ticket(store, 5, at=T0)
    actions.tag(store, boss, a, ["billing", "vip"], [], now=T0)
    actions.tag(store, boss, b, ["billing"], [], now=T0)
    actions.assign(store, boss, a, "ann", now=T0)
    actions.mark_spam(store, boss, spam, now=T0)
    actions.trash(store, boss, gone, now=T0)
    since = T0 - timedelta(days=30)
    assert [(r.key, r.tickets, r.created) for r in report(store, "tag", since)] == [
        ("billing", 2, 2), ("vip", 1, 1)]
    assert [(r.key, r.tickets) for r in report(store, "status", since)] == [
        ("open", 2), ("spam", 1)]
    assert [(r.key, r.tickets) for r in report(store, "agent", since)] == [
        ("(unassigned)", 1), ("ann", 1)]
    # the old ticket changes today: it counts as active, not as created
    actions.tag(store, boss, old, ["billing"], [], now=T0)
    assert [(r.key, r.tickets, r.created) for r in report(store, "tag", since)][0] == (
        "billing", 3, 2)
    assert sum(r.tickets for r in report(store, "status", None)) == 4
    with pytest.raises(ActionError):
        report(store, "weather", since)


# -- migrations ---------------------------------------------------------------------------------
def test_store_migration_2_keeps_an_issue_2_store_working(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO agents (name, is_admin, created_at) VALUES ('ann', 1, 'x')")
    conn.execute("INSERT INTO customers (email, created_at) VALUES ('c@x', 'x')")
    conn.execute("INSERT INTO tickets (subject, customer_id, status, created_at, updated_at,"
                 " last_customer_at) VALUES ('old', 1, 'open', 'x', 'x', 'x')")
    conn.execute("INSERT INTO notifications (agent_id, ticket_id, text, created_at)"
                 " VALUES (1, 1, 'before', '2024-03-01T09:00:00.000000Z')")
    conn.commit()
    conn.close()
    s = Store(path)
    try:
        assert s.db.scalar("PRAGMA user_version") == len(MIGRATIONS) >= 2
        ann = s.agents.by_name("ann")
        assert ann is not None
        assert [n.text for n in s.notifications.list(ann.id)] == ["before"]
        assert [n.actor for n in s.notifications.list(ann.id)] == [None]
    finally:
        s.close()
