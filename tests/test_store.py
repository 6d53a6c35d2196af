"""The SQLite store on a real file: migrations, two writing processes (G1), inboxes and
their counts (V1–V10), list order (S7), paging, identity (G2), the outbox (R6)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpspace_tui.domain.inboxes import InboxRef
from helpspace_tui.domain.models import Address, Agent, MessageKind, Status
from helpspace_tui.services import actions
from helpspace_tui.services.delivery import deliver_outbox
from helpspace_tui.services.identity import current_agent
from helpspace_tui.services.inboxes import inbox_counts
from helpspace_tui.store import Store, StoreError
from helpspace_tui.store.db import utcnow
from helpspace_tui.store.schema import MIGRATIONS

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
SENDER = "Acme Support <support@acme.test>"


def new_ticket(store: Store, n: int, status: Status = Status.OPEN, *,
               assignee: str | None = None, team: str | None = None,
               customer_at: datetime | None = None, trashed: bool = False) -> int:
    at = customer_at or T0 + timedelta(minutes=n)
    with store.write():
        tid = store.tickets.create(f"ticket {n}", Address("", f"c{n}@cust.test"), status, at)
        t = store.tickets.get(tid)
        assert t is not None
        store.tickets.save(replace(t, assignee=assignee, team=team,
                                   trashed_at=at + timedelta(days=1) if trashed else None))
    return tid


def agent(store: Store, name: str) -> Agent:
    with store.write():
        return store.agents.add(name, T0, os_user=name, email=f"{name}@acme.test")


# -- migrations ---------------------------------------------------------------------------------


def test_store_fresh_store_has_current_user_version(store: Store) -> None:
    assert store.db.scalar("PRAGMA user_version") == len(MIGRATIONS)
    assert store.db.scalar("PRAGMA journal_mode") == "wal"
    tables = {r[0] for r in store.db.all("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"tickets", "messages", "outbox", "agents", "raw_mails", "thread_ids"} <= tables


def test_store_reopening_does_not_rerun_migrations(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    first = Store(path)
    with first.write():
        first.settings.set("assign_on_reply", "never")
    tid = new_ticket(first, 1)
    first.close()
    # the migrations create tables without IF NOT EXISTS: running them again would fail
    again = Store(path)
    try:
        assert again.db.scalar("PRAGMA user_version") == len(MIGRATIONS)
        assert again.settings.get("assign_on_reply") == "never"
        assert again.tickets.get(tid) is not None
    finally:
        again.close()


def test_store_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    s = Store(path)
    s.db.conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    s.close()
    with pytest.raises(StoreError, match="newer helpspace-tui"):
        Store(path)


# -- G1: two processes writing one store ------------------------------------------------------

_WRITER = textwrap.dedent("""
    import sys
    from helpspace_tui.services import actions
    from helpspace_tui.store import Store
    path, who, n, tickets = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = Store(path)
    me = store.agents.by_name(who)
    failures = 0
    for i in range(n):
        try:
            actions.tag(store, me, 1 + i % tickets, [f"{who}-{i}"], [])
        except Exception as e:
            failures += 1
            print(f"{type(e).__name__}: {e}", file=sys.stderr)
    print(failures)
""")


def test_g1_two_processes_200_writes_each_all_land(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    s = Store(path)
    for n in range(10):
        new_ticket(s, n)
    agent(s, "p1")
    agent(s, "p2")
    s.close()
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), who, "200", "10"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for who in ("p1", "p2")
    ]
    results = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert out.strip() == "0", err
    s = Store(path)
    try:
        assert s.db.scalar("SELECT count(*) FROM tags") == 400
        assert s.db.scalar("SELECT count(*) FROM events WHERE kind = 'tags'") == 400
        tags = set(s.tickets.all_tags())
        assert tags == {f"{w}-{i}" for w in ("p1", "p2") for i in range(200)}
    finally:
        s.close()


# -- V1–V10 --------------------------------------------------------------------------------------


@pytest.fixture
def desk(store: Store) -> dict[str, int]:
    me, other = agent(store, "me"), agent(store, "other")
    with store.write():
        store.db.conn.execute("INSERT INTO teams (name, created_at) VALUES ('billing', ?)",
                              (T0.isoformat(),))
    ids = {
        "unassigned_open": new_ticket(store, 1),
        "unassigned_escalated": new_ticket(store, 2, Status.ESCALATED),
        "unassigned_waiting": new_ticket(store, 3, Status.WAITING),
        "team_only_open": new_ticket(store, 4, team="billing"),
        "mine_open": new_ticket(store, 5, assignee="me"),
        "mine_waiting": new_ticket(store, 6, Status.WAITING, assignee="me"),
        "other_escalated": new_ticket(store, 7, Status.ESCALATED, assignee="other"),
        "other_open": new_ticket(store, 8, assignee="other"),
        "closed_mine": new_ticket(store, 9, Status.CLOSED, assignee="me"),
        "closed_unassigned": new_ticket(store, 10, Status.CLOSED),
        "spam": new_ticket(store, 11, Status.SPAM),
        "trashed_open": new_ticket(store, 12, trashed=True),
        "trashed_mine_closed": new_ticket(store, 13, Status.CLOSED, assignee="me", trashed=True),
    }
    with store.write():
        for key in ("other_open", "spam", "closed_unassigned", "trashed_open"):
            store.tickets.follow(ids[key], me.id)
        store.tickets.follow(ids["unassigned_open"], other.id)
    ids["me"] = me.id
    return ids


def inbox(store: Store, desk: dict[str, int], name: str, team: str | None = None) -> set[str]:
    ref = InboxRef(name, team)
    by_id = {v: k for k, v in desk.items() if k != "me"}
    listed = store.tickets.list(ref, desk["me"])
    assert len(listed) == store.tickets.count(ref, desk["me"])
    return {by_id[t.id] for t in listed}


def test_v1_unassigned_lists_active_tickets_without_agent(store: Store, desk: dict) -> None:
    assert inbox(store, desk, "unassigned") == {
        "unassigned_open", "unassigned_escalated", "unassigned_waiting", "team_only_open"}


def test_v2_mine(store: Store, desk: dict) -> None:
    assert inbox(store, desk, "mine") == {"mine_open", "mine_waiting"}


def test_v3_assigned_to_others(store: Store, desk: dict) -> None:
    assert inbox(store, desk, "assigned") == {"other_escalated", "other_open"}


def test_v4_all_includes_closed_not_spam_or_trash(store: Store, desk: dict) -> None:
    assert inbox(store, desk, "all") == {
        "unassigned_open", "unassigned_escalated", "unassigned_waiting", "team_only_open",
        "mine_open", "mine_waiting", "other_escalated", "other_open", "closed_mine",
        "closed_unassigned"}


def test_v5_watched_not_spam_or_trash(store: Store, desk: dict) -> None:
    assert inbox(store, desk, "watched") == {"other_open", "closed_unassigned"}


def test_v6_closed(store: Store, desk: dict) -> None:
    assert inbox(store, desk, "closed") == {"closed_mine", "closed_unassigned"}


def test_v7_spam_only_spam(store: Store, desk: dict) -> None:
    assert inbox(store, desk, "spam") == {"spam"}


def test_v8_trash_is_a_mark_keeping_status(store: Store, desk: dict) -> None:
    assert inbox(store, desk, "trash") == {"trashed_open", "trashed_mine_closed"}
    t = store.tickets.get(desk["trashed_mine_closed"])
    assert t is not None and t.status is Status.CLOSED and t.trashed_at is not None
    with store.write():  # restoring removes the mark; the ticket is back where it was
        store.tickets.save(replace(t, trashed_at=None))
    assert "trashed_mine_closed" in inbox(store, desk, "closed")
    assert "trashed_mine_closed" not in inbox(store, desk, "trash")


def test_v9_personal_inboxes_show_only_active_statuses(store: Store, desk: dict) -> None:
    for name in ("unassigned", "mine", "assigned"):
        for t in store.tickets.list(InboxRef(name), desk["me"]):
            assert t.status in (Status.OPEN, Status.ESCALATED, Status.WAITING), (name, t)
            assert t.trashed_at is None


def test_v11_team_inbox(store: Store, desk: dict) -> None:
    assert inbox(store, desk, "team", "billing") == {"team_only_open"}


def test_v10_counts_open_plus_escalated(store: Store, desk: dict) -> None:
    me = store.agents.by_id(desk["me"])
    assert me is not None
    counts = {c.inbox.key: c.count for c in inbox_counts(store, me)}
    assert counts == {
        "unassigned": 3,  # open, escalated, team-only open; waiting not counted
        "mine": 1,        # mine_waiting not counted
        "assigned": 2,
        "all": 6,
        "watched": 1,     # other_open; closed is not counted
        "closed": 0,
        "spam": 0,
        "trash": 1,       # trashed_open
        "team:billing": 1,
    }


# -- S7 and paging ------------------------------------------------------------------------------


def test_s7_order_escalated_open_waiting_recent_customer_first(store: Store) -> None:
    ids = {
        "w_old": new_ticket(store, 1, Status.WAITING, customer_at=T0),
        "o_old": new_ticket(store, 2, customer_at=T0 + timedelta(hours=1)),
        "e_old": new_ticket(store, 3, Status.ESCALATED, customer_at=T0 + timedelta(hours=2)),
        "w_new": new_ticket(store, 4, Status.WAITING, customer_at=T0 + timedelta(hours=9)),
        "o_new": new_ticket(store, 5, customer_at=T0 + timedelta(hours=8)),
        "e_new": new_ticket(store, 6, Status.ESCALATED, customer_at=T0 + timedelta(hours=3)),
        "closed": new_ticket(store, 7, Status.CLOSED, customer_at=T0 + timedelta(hours=10)),
    }
    by_id = {v: k for k, v in ids.items()}
    order = [by_id[t.id] for t in store.tickets.list(InboxRef("all"), None)]
    assert order == ["e_new", "e_old", "o_new", "o_old", "w_new", "w_old", "closed"]
    unassigned = [by_id[t.id] for t in store.tickets.list(InboxRef("unassigned"), None)]
    assert unassigned == order[:-1]


def test_s7_customer_mail_moves_ticket_up_its_group(store: Store) -> None:
    a = new_ticket(store, 1, customer_at=T0)
    b = new_ticket(store, 2, customer_at=T0 + timedelta(hours=1))
    assert [t.id for t in store.tickets.list(InboxRef("all"), None)] == [b, a]
    with store.write():
        t = store.tickets.get(a)
        assert t is not None
        store.tickets.save(replace(t, last_customer_at=T0 + timedelta(hours=2)))
    assert [t.id for t in store.tickets.list(InboxRef("all"), None)] == [a, b]


def test_s7_paging_gives_consistent_pages(store: Store) -> None:
    statuses = [Status.OPEN, Status.ESCALATED, Status.WAITING]
    # equal customer times in places, so the tie-break must be stable too
    for n in range(53):
        new_ticket(store, n, statuses[n % 3], customer_at=T0 + timedelta(minutes=n // 4))
    whole = [t.id for t in store.tickets.list(InboxRef("all"), None)]
    assert len(whole) == 53
    pages: list[int] = []
    for offset in range(0, 60, 10):
        page = store.tickets.list(InboxRef("all"), None, offset=offset, limit=10)
        assert len(page) == min(10, max(0, 53 - offset))
        pages += [t.id for t in page]
    assert pages == whole
    assert len(set(pages)) == 53
    assert store.tickets.position(InboxRef("all"), None, whole[37]) == 37


# -- G2 identity ------------------------------------------------------------------------------


def test_g2_first_agent_is_admin_later_ones_are_not(store: Store) -> None:
    first = current_agent(store, user="alice")
    second = current_agent(store, user="bob")
    assert first.is_admin and first.name == "alice" and first.os_user == "alice"
    assert not second.is_admin and second.name == "bob"
    assert current_agent(store, user="alice") == first  # same agent on every run


def test_g2_shared_store_agent_is_os_user_not_config_name(store: Store) -> None:
    admin = current_agent(store, user="alice")
    bob = current_agent(store, user="bob")
    # bob edits his config to claim to be alice, the admin: ignored on a shared store
    assert current_agent(store, config_name="alice", user="bob") == bob
    carol = current_agent(store, config_name="alice", user="carol")
    assert carol.name == "carol" and not carol.is_admin and carol.id != admin.id
    assert store.agents.by_name("alice") == admin


def test_g2_config_name_honoured_for_single_os_user(store: Store) -> None:
    me = current_agent(store, config_name="Bob Builder", user="root")
    assert me.name == "Bob Builder" and me.os_user == "root" and me.is_admin
    assert current_agent(store, config_name="Bob Builder", user="root") == me
    assert len(store.agents.list()) == 1


def test_g2_admin_created_agent_by_name_is_claimed_by_its_os_user(store: Store) -> None:
    current_agent(store, user="alice")
    with store.write():
        store.agents.add("dave", T0)  # created by an admin before dave first ran us
    dave = current_agent(store, user="dave")
    assert dave.name == "dave" and dave.os_user == "dave"
    assert len(store.agents.list()) == 2


# -- R6: the outbox -------------------------------------------------------------------------------


def queued_reply(store: Store, n: int = 1) -> tuple[Agent, list[int]]:
    bob = agent(store, "bob")
    tids = []
    for i in range(n):
        tid = new_ticket(store, i)
        actions.reply(store, bob, tid, f"Answer {i}", sender=SENDER)
        tids.append(tid)
    return bob, tids


def test_r6_outbox_claimed_exactly_once_across_two_connections(store: Store,
                                                                tmp_path: Path) -> None:
    queued_reply(store)
    other = Store(tmp_path / "store.db")
    try:
        now = utcnow() + timedelta(seconds=1)
        with store.write():
            mine = store.outbox.claim_next("w1", now)
        with other.write():
            theirs = other.outbox.claim_next("w2", now)
        assert mine is not None and theirs is None
        # a claim older than STALE_CLAIM belongs to a dead process and may be taken over
        with other.write():
            late = other.outbox.claim_next("w2", now + timedelta(hours=1))
        assert late is not None and late.id == mine.id and late.attempts == 2
    finally:
        other.close()


def test_r6_two_deliverers_send_each_mail_once(store: Store, tmp_path: Path) -> None:
    queued_reply(store, 20)
    sent: list[bytes] = []
    lock = threading.Lock()

    class Recorder:
        def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
            with lock:
                sent.append(raw)

    def run() -> None:
        s = Store(tmp_path / "store.db")
        try:
            deliver_outbox(s, Recorder, now=utcnow() + timedelta(seconds=1))
        finally:
            s.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(sent) == 20 and len(set(sent)) == 20
    assert store.outbox.counts() == {"sent": 20}


class TempFail(Exception):
    permanent = False


class PermFail(Exception):
    permanent = True


def test_r6_temporary_failure_is_retried_then_sent(store: Store) -> None:
    _, [tid] = queued_reply(store)
    calls: list[str] = []

    class Flaky:
        def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
            calls.append(sender)
            if len(calls) == 1:
                raise TempFail("421 4.3.0 try again later")

    now = utcnow() + timedelta(seconds=1)
    report = deliver_outbox(store, Flaky, now=now)
    assert report.sent == [] and report.failed == [(tid, "421 4.3.0 try again later")]
    [(_, _, state, attempts, error)] = store.outbox.unsent()
    assert (state, attempts, error) == ("queued", 1, "421 4.3.0 try again later")
    reply_msg = [m for m in store.messages.for_ticket(tid) if m.kind is MessageKind.AGENT]
    assert len(reply_msg) == 1 and reply_msg[0].text == "Answer 0"
    assert reply_msg[0].delivery == "queued"
    assert reply_msg[0].delivery_error == "421 4.3.0 try again later"
    # not due again before the backoff
    assert deliver_outbox(store, Flaky, now=now + timedelta(seconds=30)).sent == []
    assert len(calls) == 1
    report = deliver_outbox(store, Flaky, now=now + timedelta(minutes=2))
    assert report.sent == [tid]
    assert store.outbox.unsent() == []
    [m] = [m for m in store.messages.for_ticket(tid) if m.kind is MessageKind.AGENT]
    assert m.delivery == "sent" and m.text == "Answer 0"


def test_r6_permanent_failure_marks_failed_and_keeps_reply(store: Store) -> None:
    _, [tid] = queued_reply(store)

    class Refusing:
        def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
            raise PermFail("550 5.1.1 no such user")

    report = deliver_outbox(store, Refusing, now=utcnow() + timedelta(seconds=1))
    assert report.failed == [(tid, "550 5.1.1 no such user")]
    [(oid, _, state, attempts, error)] = store.outbox.unsent()
    assert (state, attempts, error) == ("failed", 1, "550 5.1.1 no such user")
    [m] = [m for m in store.messages.for_ticket(tid) if m.kind is MessageKind.AGENT]
    assert m.text == "Answer 0" and m.delivery == "failed"
    # a failed mail is not retried by itself, only when an agent asks
    assert deliver_outbox(store, Refusing, now=utcnow() + timedelta(days=1)).failed == []
    with store.write():
        assert store.outbox.retry(oid, utcnow())
    assert store.outbox.unsent()[0][2] == "queued"


def test_g1_a_store_in_a_shared_setgid_folder_is_group_writable(tmp_path: Path) -> None:
    """README's shared server: SQLite gives -wal/-shm the database file's mode, so the
    database must be group-writable from its first open, whatever the umask."""
    import os
    import stat

    from helpspace_tui.services.synclock import SyncLock
    from helpspace_tui.store import Store

    shared = tmp_path / "srv"
    shared.mkdir()
    os.chmod(shared, 0o2770)
    old = os.umask(0o022)
    try:
        store = Store(shared / "helpspace.db")
        with store.write():
            store.settings.set("trash_days", "30")
        lock = SyncLock(store.path)
        assert lock.acquire()
        lock.release()
        for name in ("helpspace.db", "helpspace.db-wal", "helpspace.db-shm",
                     "helpspace.db.sync-lock"):
            mode = stat.S_IMODE(os.stat(shared / name).st_mode)
            assert mode & 0o060 == 0o060, f"{name} is {oct(mode)}"
        store.close()
    finally:
        os.umask(old)
