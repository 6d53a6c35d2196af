"""Issue 5's rules as pure functions: A1 assignment, S6 spam, V8 trash and restore,
R5 mentions, W1 who is notified, G2 admins, G4 settings, S4 reading times (no I/O)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpspace_tui.domain import rules
from helpspace_tui.domain.inboxes import InboxRef
from helpspace_tui.domain.models import Address, Status, Ticket
from helpspace_tui.domain.settings import SettingError, validate_setting
from helpspace_tui.domain.when import WhenError, parse_since, parse_when

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday 2026-12-23 10:30 in Berlin (09:30 UTC)
NOW = datetime(2026, 12, 23, 9, 30, tzinfo=UTC)


def ticket(status: Status = Status.OPEN, **kw: object) -> Ticket:
    return Ticket(7, "Printer on fire", status, Address("Ann", "ann@cust.test"),
                  created_at=T0, updated_at=T0, last_customer_at=T0, **kw)  # type: ignore[arg-type]


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


# -- A1 ----------------------------------------------------------------------------------------
def test_a1_assign_team_and_one_agent_of_it() -> None:
    t = rules.assign_team(ticket(), "Billing", "ann", ["ann", "bob"], T0)
    assert (t.team, t.assignee) == ("Billing", "ann")


def test_a1_assign_team_refuses_an_agent_outside_it() -> None:
    with pytest.raises(rules.RuleError, match="not in team Billing"):
        rules.assign_team(ticket(), "Billing", "carl", ["ann"], T0)


def test_a1_team_alone_has_no_agent() -> None:
    t = rules.assign_team(ticket(assignee="carl"), "Billing", None, ["ann"], T0)
    assert (t.team, t.assignee) == ("Billing", None)


def test_a1_agent_of_the_team_keeps_the_team() -> None:
    t = rules.assign_agent(ticket(team="Billing"), "ann", T0, ["Ann"])
    assert (t.team, t.assignee) == ("Billing", "ann")


def test_a1_agent_outside_the_team_clears_the_team() -> None:
    t = rules.assign_agent(ticket(team="Billing", assignee="ann"), "carl", T0, ["ann"])
    assert (t.team, t.assignee) == (None, "carl")


def test_a1_unassigning_the_agent_keeps_a_team_only_ticket() -> None:
    t = rules.assign_agent(ticket(team="Billing", assignee="ann"), None, T0, ["ann"])
    assert (t.team, t.assignee) == ("Billing", None)


# -- G2 ----------------------------------------------------------------------------------------
def test_g2_admin_actions_need_an_admin() -> None:
    rules.require_admin(True, "add agents")
    with pytest.raises(rules.NotAllowed, match="only an admin can add agents"):
        rules.require_admin(False, "add agents")


# -- S6 ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("before", [Status.OPEN, Status.ESCALATED, Status.CLOSED])
def test_s6_not_spam_restores_the_previous_status(before: Status) -> None:
    spam = rules.mark_spam(ticket(before), T0)
    assert spam.status is Status.SPAM and spam.previous_status is before
    assert rules.mark_not_spam(spam, T0).status is before


def test_s6_not_spam_without_previous_status_is_open() -> None:
    assert rules.mark_not_spam(ticket(Status.SPAM), T0).status is Status.OPEN


def test_s6_spam_ends_a_waiting_timer() -> None:
    t = ticket(Status.WAITING, waiting_until=T0 + timedelta(days=1), waiting_then=Status.OPEN)
    spam = rules.mark_spam(t, T0)
    assert spam.waiting_until is None and spam.waiting_then is None
    assert not rules.timer_due(spam, T0 + timedelta(days=2))


def test_s6_spam_twice_or_not_spam_of_a_clean_ticket_is_refused() -> None:
    with pytest.raises(rules.RuleError):
        rules.mark_spam(ticket(Status.SPAM), T0)
    with pytest.raises(rules.RuleError):
        rules.mark_not_spam(ticket(Status.OPEN), T0)


# -- V8 ----------------------------------------------------------------------------------------
def test_v8_trash_is_a_mark_and_the_status_stays() -> None:
    t = rules.trash(ticket(Status.ESCALATED), T0)
    assert t.trashed_at == T0 and t.status is Status.ESCALATED
    assert ("trash", "moved to Trash") in rules.describe_changes(ticket(), t)


def test_v8_restore_needs_admin() -> None:
    trashed = rules.trash(ticket(), T0)
    with pytest.raises(rules.NotAllowed, match="only an admin"):
        rules.restore(trashed, T0, is_admin=False, me="bob")
    back = rules.restore(trashed, T0, is_admin=True, me="boss")
    assert back.trashed_at is None and back.status is Status.OPEN
    assert ("trash", "restored from Trash") in rules.describe_changes(trashed, back)


def test_v8_restore_to_unassigned_unassigns() -> None:
    trashed = rules.trash(ticket(assignee="ann", team="Billing"), T0)
    back = rules.restore(trashed, T0, is_admin=True, me="boss", to=InboxRef("unassigned"))
    assert (back.assignee, back.team) == (None, "Billing")


def test_v8_restore_to_mine_assigns_the_admin_and_opens_a_closed_ticket() -> None:
    trashed = rules.trash(ticket(Status.CLOSED, assignee="ann"), T0)
    back = rules.restore(trashed, T0, is_admin=True, me="boss", to=InboxRef("mine"))
    assert back.assignee == "boss" and back.status is Status.OPEN  # V9: Mine shows active


def test_v8_restore_to_closed_and_to_a_team() -> None:
    trashed = rules.trash(ticket(assignee="ann"), T0)
    closed = rules.restore(trashed, T0, is_admin=True, me="boss", to=InboxRef("closed"))
    assert closed.status is Status.CLOSED
    team = rules.restore(trashed, T0, is_admin=True, me="boss",
                         to=InboxRef("team", "Billing"))
    assert (team.team, team.assignee) == ("Billing", None)
    with pytest.raises(rules.RuleError, match="cannot restore to watched"):
        rules.restore(trashed, T0, is_admin=True, me="boss", to=InboxRef("watched"))


def test_v8_restore_of_a_ticket_not_in_trash_is_refused() -> None:
    with pytest.raises(rules.RuleError, match="not in Trash"):
        rules.restore(ticket(), T0, is_admin=True, me="boss")


def test_v8_purge_due_after_trash_days() -> None:
    trashed = rules.trash(ticket(), T0)
    assert not rules.purge_due(ticket(), T0 + timedelta(days=99), 30)
    assert not rules.purge_due(trashed, T0 + timedelta(days=29, hours=23), 30)
    assert rules.purge_due(trashed, T0 + timedelta(days=30), 30)
    assert rules.purge_due(trashed, T0 + timedelta(days=2), 1)


# -- R5, W1 ------------------------------------------------------------------------------------
def test_r5_mentions_known_agents_only() -> None:
    text = "@Ann please check; cc @bob. not @nobody, not mail@bob.test, @ann again"
    assert rules.mentions(text, ["ann", "bob", "carl"]) == ["ann", "bob"]
    assert rules.mentions("no mentions here", ["ann"]) == []


def test_w1_followers_are_notified_except_the_author() -> None:
    assert rules.notify_whom(["ann", "bob", "carl"], "Bob") == ["ann", "carl"]
    assert rules.notify_whom(["ann"], None) == ["ann"]  # a mail or a timer: everyone


# -- G4 ----------------------------------------------------------------------------------------
def test_g4_settings_are_validated() -> None:
    assert validate_setting("assign_on_reply", "Unassigned") == ("assign_on_reply", "unassigned")
    assert validate_setting("trash_days", " 014") == ("trash_days", "14")
    for key, value in (("assign_on_reply", "sometimes"), ("trash_days", "0"),
                       ("trash_days", "-3"), ("trash_days", "soon")):
        with pytest.raises(SettingError, match=key):
            validate_setting(key, value)
    with pytest.raises(SettingError, match="settings: assign_on_reply, trash_days"):
        validate_setting("colour", "red")


# -- S4: reading times -------------------------------------------------------------------------
def test_s4_parse_when_absolute_in_the_agents_zone() -> None:
    assert parse_when("2026-12-24 09:00", NOW, BERLIN) == berlin(2026, 12, 24, 9, 0)
    assert parse_when("2026-12-24T09:00", NOW, BERLIN) == berlin(2026, 12, 24, 9, 0)
    assert parse_when("24.12.2026 9:00", NOW, BERLIN) == berlin(2026, 12, 24, 9, 0)
    assert parse_when("2026-12-24 09:00", NOW, UTC) == datetime(2026, 12, 24, 9, tzinfo=UTC)


def test_s4_parse_when_date_alone_is_nine_oclock() -> None:
    assert parse_when("2026-12-24", NOW, BERLIN) == berlin(2026, 12, 24, 9, 0)


def test_s4_parse_when_tomorrow_and_today() -> None:
    assert parse_when("tomorrow 9:00", NOW, BERLIN) == berlin(2026, 12, 24, 9, 0)
    assert parse_when("tomorrow", NOW, BERLIN) == berlin(2026, 12, 24, 9, 0)
    assert parse_when("today 17:00", NOW, BERLIN) == berlin(2026, 12, 23, 17, 0)
    assert parse_when("Today 5pm", NOW, BERLIN) == berlin(2026, 12, 23, 17, 0)


def test_s4_parse_when_relative() -> None:
    assert parse_when("3d", NOW, BERLIN) == NOW + timedelta(days=3)
    assert parse_when("4h", NOW, BERLIN) == NOW + timedelta(hours=4)
    assert parse_when("90m", NOW, BERLIN) == NOW + timedelta(minutes=90)
    assert parse_when("2w", NOW, BERLIN) == NOW + timedelta(weeks=2)
    assert parse_when("in 1d 4h", NOW, BERLIN) == NOW + timedelta(days=1, hours=4)


def test_s4_parse_when_friday() -> None:
    # NOW is a Wednesday: fri is in two days, at 09:00 unless a time is given
    assert parse_when("fri", NOW, BERLIN) == berlin(2026, 12, 25, 9, 0)
    assert parse_when("friday 14:00", NOW, BERLIN) == berlin(2026, 12, 25, 14, 0)
    assert parse_when("Mon", NOW, BERLIN) == berlin(2026, 12, 28, 9, 0)


def test_s4_parse_when_same_weekday_is_today_if_still_ahead_else_next_week() -> None:
    assert parse_when("wed 17:00", NOW, BERLIN) == berlin(2026, 12, 23, 17, 0)
    assert parse_when("wednesday 9:00", NOW, BERLIN) == berlin(2026, 12, 30, 9, 0)


def test_s4_parse_when_uses_the_zone_across_dst() -> None:
    # the day before the spring change: tomorrow 9:00 Berlin is 07:00 UTC (CEST)
    before_dst = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert parse_when("tomorrow 9:00", before_dst, BERLIN) == datetime(
        2026, 3, 29, 7, 0, tzinfo=UTC)


def test_s4_parse_when_errors_are_one_line_with_examples() -> None:
    for bad in ("", "someday", "25:00", "2026-02-30", "today", "fri 9:75", "0m", "13pm"):
        with pytest.raises(WhenError) as e:
            parse_when(bad, NOW, BERLIN)
        assert "\n" not in str(e.value) and "tomorrow 9:00" in str(e.value)


def test_s4_parse_when_without_a_zone_uses_the_systems() -> None:
    got = parse_when("2026-12-24 09:00", NOW, None)
    assert got == datetime(2026, 12, 24, 9, 0).astimezone().astimezone(UTC)


def test_t2_parse_since_lengths_and_dates() -> None:
    assert parse_since("30d", NOW) == NOW - timedelta(days=30)
    assert parse_since("2026-01-01", NOW, BERLIN) == berlin(2026, 1, 1, 0, 0)
    with pytest.raises(WhenError):
        parse_since("lately", NOW)


def test_s4_parsed_time_feeds_the_timer_rule() -> None:
    until = parse_when("fri", NOW, BERLIN)
    t = rules.set_status(replace(ticket(), updated_at=NOW), Status.WAITING, NOW, until=until,
                         then=Status.ESCALATED)
    assert not rules.timer_due(t, until - timedelta(seconds=1))
    assert rules.fire_timer(t, until).status is Status.ESCALATED
