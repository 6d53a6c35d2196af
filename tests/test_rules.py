"""SPEC S3–S6, A2, M4, M8 as pure rule functions (domain/rules.py): no store, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from helpspace_tui.domain import rules
from helpspace_tui.domain.models import Address, Status, Ticket

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def ticket(status: Status = Status.OPEN, **kw: object) -> Ticket:
    return Ticket(
        7,
        "Printer on fire",
        status,
        Address("Ann", "ann@cust.test"),
        created_at=T0,
        updated_at=T0,
        last_customer_at=T0,
        **kw,
    )  # type: ignore[arg-type]


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# -- S3 -----------------------------------------------------------------------------------
@pytest.mark.parametrize("before", [Status.OPEN, Status.ESCALATED])
def test_s3_agent_reply_makes_waiting_and_remembers_previous(before: Status) -> None:
    t = rules.on_agent_reply(ticket(before), "bob", later(1))
    assert t.status is Status.WAITING
    assert t.previous_status is before
    assert t.updated_at == later(1)


def test_s3_customer_reply_restores_open() -> None:
    waiting = rules.on_agent_reply(ticket(Status.OPEN), "bob", later(1))
    back = rules.on_customer_mail(waiting, later(2))
    assert back.status is Status.OPEN
    assert back.previous_status is None
    assert back.last_customer_at == later(2)


def test_s3_customer_reply_restores_escalated() -> None:
    waiting = rules.on_agent_reply(ticket(Status.ESCALATED), "bob", later(1))
    assert rules.on_customer_mail(waiting, later(2)).status is Status.ESCALATED


def test_s3_second_agent_reply_keeps_original_previous_status() -> None:
    once = rules.on_agent_reply(ticket(Status.ESCALATED), "bob", later(1))
    twice = rules.on_agent_reply(once, "bob", later(2))
    assert twice.previous_status is Status.ESCALATED
    assert rules.on_customer_mail(twice, later(3)).status is Status.ESCALATED


def test_s3_decision_closed_before_reply_customer_answer_makes_open() -> None:
    waiting = rules.on_agent_reply(ticket(Status.CLOSED), "bob", later(1))
    assert waiting.status is Status.WAITING
    assert rules.on_customer_mail(waiting, later(2)).status is Status.OPEN


def test_s3_customer_mail_leaves_open_and_escalated_alone() -> None:
    for status in (Status.OPEN, Status.ESCALATED):
        after = rules.on_customer_mail(ticket(status), later(5))
        assert after.status is status
        assert after.last_customer_at == later(5)


def test_s3_reply_to_spam_is_refused() -> None:
    with pytest.raises(rules.RuleError, match="spam"):
        rules.on_agent_reply(ticket(Status.SPAM), "bob", later(1))


# -- S4 -----------------------------------------------------------------------------------
def test_s4_set_waiting_with_timer() -> None:
    t = rules.set_status(ticket(Status.ESCALATED), Status.WAITING, T0, until=later(60), then=Status.CLOSED)
    assert t.status is Status.WAITING
    assert t.waiting_until == later(60)
    assert t.waiting_then is Status.CLOSED
    assert t.previous_status is Status.ESCALATED


@pytest.mark.parametrize(
    ("status", "until", "then", "message"),
    [
        (Status.WAITING, later(60), None, "both"),
        (Status.WAITING, None, Status.OPEN, "both"),
        (Status.OPEN, later(60), Status.CLOSED, "only a waiting"),
        (Status.WAITING, later(60), Status.WAITING, "open, escalated or closed"),
        (Status.WAITING, later(60), Status.SPAM, "open, escalated or closed"),
        (Status.WAITING, T0, Status.OPEN, "past"),
        (Status.WAITING, T0 - timedelta(hours=1), Status.OPEN, "past"),
    ],
)
def test_s4_timer_validation_errors(
    status: Status, until: datetime | None, then: Status | None, message: str
) -> None:
    with pytest.raises(rules.RuleError, match=message):
        rules.set_status(ticket(), status, T0, until=until, then=then)


@pytest.mark.parametrize("then", [Status.OPEN, Status.ESCALATED, Status.CLOSED])
def test_s4_timer_fires_exactly_once(then: Status) -> None:
    t = rules.set_status(ticket(), Status.WAITING, T0, until=later(60), then=then)
    assert not rules.timer_due(t, later(59))
    assert rules.fire_timer(t, later(59)) is t  # not yet: unchanged
    fired = rules.fire_timer(t, later(60))
    assert fired.status is then
    assert fired.waiting_until is None and fired.waiting_then is None
    assert fired.updated_at == later(60)
    assert not rules.timer_due(fired, later(120))
    again = rules.fire_timer(fired, later(120))
    assert again == fired  # a second pass changes nothing


def test_s4_customer_reply_cancels_timer() -> None:
    t = rules.set_status(ticket(Status.ESCALATED), Status.WAITING, T0, until=later(60), then=Status.CLOSED)
    answered = rules.on_customer_mail(t, later(10))
    assert answered.status is Status.ESCALATED  # acts as S3
    assert answered.waiting_until is None and answered.waiting_then is None
    assert not rules.timer_due(answered, later(61))
    assert rules.fire_timer(answered, later(61)).status is Status.ESCALATED


def test_s4_agent_reply_clears_timer() -> None:
    t = rules.set_status(ticket(), Status.WAITING, T0, until=later(60), then=Status.CLOSED)
    replied = rules.on_agent_reply(t, "bob", later(5))
    assert replied.waiting_until is None and replied.waiting_then is None


def test_s4_leaving_waiting_by_hand_drops_timer() -> None:
    t = rules.set_status(ticket(), Status.WAITING, T0, until=later(60), then=Status.CLOSED)
    opened = rules.set_status(t, Status.OPEN, later(1))
    assert opened.waiting_until is None and opened.waiting_then is None
    assert not rules.timer_due(opened, later(61))


# -- S5, S6, M8 ------------------------------------------------------------------------------
def test_s5_customer_reply_reopens_closed_ticket() -> None:
    t = rules.on_customer_mail(ticket(Status.CLOSED), later(1))
    assert t.status is Status.OPEN
    assert t.last_customer_at == later(1)


def test_s6_spam_stays_spam_on_customer_mail() -> None:
    t = rules.on_customer_mail(ticket(Status.SPAM), later(1))
    assert t.status is Status.SPAM
    assert rules.on_customer_mail(t, later(2), from_junk=True).status is Status.SPAM


def test_m8_junk_mail_makes_new_ticket_spam() -> None:
    assert rules.new_ticket_status(automatic=False, from_junk=True) is Status.SPAM
    assert rules.new_ticket_status(automatic=True, from_junk=True) is Status.SPAM


def test_m8_junk_mail_joining_ticket_makes_it_spam() -> None:
    t = rules.set_status(ticket(), Status.WAITING, T0, until=later(60), then=Status.OPEN)
    spam = rules.on_customer_mail(t, later(1), from_junk=True)
    assert spam.status is Status.SPAM
    assert spam.waiting_until is None


def test_m1_new_conversation_is_open() -> None:
    assert rules.new_ticket_status(automatic=False, from_junk=False) is Status.OPEN


# -- M4 -----------------------------------------------------------------------------------
def test_m4_unmatched_automatic_mail_makes_closed_ticket() -> None:
    assert rules.new_ticket_status(automatic=True, from_junk=False) is Status.CLOSED


@pytest.mark.parametrize("status", list(Status))
def test_m4_automatic_mail_changes_nothing_but_time(status: Status) -> None:
    t = ticket(status, previous_status=Status.OPEN if status is Status.WAITING else None, assignee="bob")
    if status is Status.WAITING:
        t = replace(t, waiting_until=later(60), waiting_then=Status.CLOSED)
    after = rules.on_automatic_mail(t, later(3))
    assert after.updated_at == later(3)
    assert replace(after, updated_at=t.updated_at) == t
    assert after.last_customer_at == T0


# -- A2 -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "before", "expected"),
    [
        ("always", None, "bob"),
        ("always", "carol", "bob"),
        ("unassigned", None, "bob"),
        ("unassigned", "carol", "carol"),
        ("never", None, None),
        ("never", "carol", "carol"),
    ],
)
def test_a2_assign_on_reply(setting: str, before: str | None, expected: str | None) -> None:
    t = rules.on_agent_reply(ticket(assignee=before), "bob", later(1), setting)
    assert t.assignee == expected
    assert t.status is Status.WAITING


def test_a2_default_assigns_replier_even_when_assigned_to_someone_else() -> None:
    assert rules.on_agent_reply(ticket(assignee="carol"), "bob", later(1)).assignee == "bob"


# -- history ------------------------------------------------------------------------------
def test_describe_changes_lists_status_timer_assignee_team() -> None:
    old = ticket(Status.OPEN)
    new = replace(
        old,
        status=Status.WAITING,
        waiting_until=datetime(2024, 3, 2, 14, 30, tzinfo=UTC),
        waiting_then=Status.CLOSED,
        assignee="bob",
        team="billing",
    )
    lines = rules.describe_changes(old, new)
    assert lines == [
        ("status", "open → waiting"),
        ("timer", "until 2024-03-02 14:30Z then closed"),
        ("assignee", "nobody → bob"),
        ("team", "no team → billing"),
    ]


def test_describe_changes_timer_cancelled_and_unassigned() -> None:
    old = replace(ticket(Status.WAITING), waiting_until=later(60), waiting_then=Status.OPEN, assignee="bob")
    new = replace(old, waiting_until=None, waiting_then=None, assignee=None)
    assert rules.describe_changes(old, new) == [
        ("timer", "timer cancelled"),
        ("assignee", "bob → nobody"),
    ]


def test_describe_changes_nothing_changed() -> None:
    t = ticket()
    assert rules.describe_changes(t, replace(t, updated_at=later(5))) == []


def test_s7_status_rank_order() -> None:
    ranked = sorted([Status.WAITING, Status.OPEN, Status.ESCALATED], key=rules.STATUS_RANK.get)
    assert ranked == [Status.ESCALATED, Status.OPEN, Status.WAITING]
