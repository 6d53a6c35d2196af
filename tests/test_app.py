"""Pilot flows: press the keys an agent presses, then check the store and the screen."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, TextArea

from helpspace_tui.app import HelpspaceApp
from helpspace_tui.config import Config
from helpspace_tui.domain.models import MessageKind, Status
from helpspace_tui.screens.compose import ComposeScreen
from helpspace_tui.screens.dialogs import ConfirmScreen, PickScreen, TagScreen
from helpspace_tui.screens.help import HelpScreen
from helpspace_tui.screens.main import MainScreen
from helpspace_tui.services import actions
from helpspace_tui.services.desk import Desk
from helpspace_tui.services.ingest import ingest_raw
from helpspace_tui.widgets.conversation import Conversation
from helpspace_tui.widgets.inbox_list import InboxList
from helpspace_tui.widgets.ticket_table import TicketTable

try:
    from tests.screen import screen_text
except ImportError:
    from screen import screen_text

BASE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def mail(n: int, subject: str, sender: str, body: str = "Hello.\n", when: datetime | None = None,
         headers: str = "") -> bytes:
    date = email.utils.format_datetime(when or BASE + timedelta(hours=n))
    return (
        f"From: {sender}\r\nTo: support@acme.test\r\nSubject: {subject}\r\nDate: {date}\r\n"
        f"Message-ID: <app-{n}@cust.test>\r\n{headers}MIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    config = Config(path=tmp_path / "config.toml")
    d = Desk.open(config, store_path=tmp_path / "store.db", outbox_dir=tmp_path / "outbox")
    with d.store.write():
        ingest_raw(d.store, mail(1, "Cannot log in", "Ann <ann@cust.test>", "My password fails.\n"))
        ingest_raw(d.store, mail(2, "Invoice 2026-11", "Bob <bob@cust.test>"))
        ingest_raw(d.store, mail(3, "Re: [URGENT] [bold]pay[/bold] now", "Eve <eve@cust.test>",
                                 "Click \x1b]52;c;ZXZpbA==\x07 here [link=x]\n"))
    return d


def app_for(desk: Desk) -> HelpspaceApp:
    return HelpspaceApp(desk)


def table(app: HelpspaceApp) -> TicketTable:
    return app.screen.query_one(TicketTable)


async def test_v1_v10_inboxes_with_counts_and_s7_list(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        inboxes = app.screen.query_one(InboxList)
        labels = [str(inboxes.get_option_at_index(i).prompt) for i in range(inboxes.option_count)]
        assert labels[0].startswith("Unassigned") and labels[0].rstrip().endswith("3")
        assert labels[1].strip() == "Mine"  # V10: no number when zero
        t = table(app)
        assert t.total == 3
        # S7 within a group: most recent customer activity first
        assert [t.row(i).subject for i in range(3)][0].startswith("Re: [URGENT]")


async def test_list_keys_j_k_g_G_move_and_show_the_conversation(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        t = table(app)
        assert t.cursor == 0
        await pilot.press("j")
        assert t.cursor == 1
        await pilot.press("G")
        assert t.cursor == 2
        await pilot.press("k")
        assert t.cursor == 1
        await pilot.press("g")
        assert t.cursor == 0
        await pilot.press("down", "down")
        await pilot.pause()
        conv = app.screen.query_one(Conversation)
        assert conv.ticket_id == t.row(2).id
        assert "Cannot log in" in screen_text(app)


async def test_tab_moves_between_panes_and_enter_opens(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, TicketTable)
        await pilot.press("tab")
        assert isinstance(app.focused, Conversation)
        await pilot.press("shift+tab", "shift+tab")
        assert isinstance(app.focused, InboxList)
        await pilot.press("tab", "enter")
        assert isinstance(app.focused, Conversation)
        await pilot.press("escape")
        assert isinstance(app.focused, TicketTable)


async def test_m7_hostile_text_is_shown_literally_and_without_escapes(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        shot = screen_text(app)
        assert "[URGENT] [bold]pay[/bold] now" in shot
        assert "[link=x]" in shot
        assert "\x1b]52" not in shot and "ZXZpbA==\x07" not in shot


async def test_s3_r_reply_by_keys_sends_and_makes_waiting(desk: Desk, tmp_path: Path) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        first = table(app).current
        assert first is not None
        await pilot.press("r")
        assert isinstance(app.screen, ComposeScreen)
        # keys never act while the agent types: r, t, q, s go into the text
        await pilot.press(*"rtqs ok")
        assert app.screen.query_one(TextArea).text == "rtqs ok"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        t = desk.store.tickets.get(first.id)
        assert t is not None and t.status is Status.WAITING and t.assignee == desk.agent.name
        msgs = desk.store.messages.for_ticket(first.id)
        assert msgs[-1].kind is MessageKind.AGENT and msgs[-1].text == "rtqs ok"
        assert msgs[-1].delivery == "sent"
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
        # the list and the counts changed at once: the ticket left Unassigned
        assert table(app).total == 2


async def test_r6_closing_the_composer_keeps_a_draft(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tid = table(app).current.id
        await pilot.press("r", *"half written")
        await pilot.press("escape")
        await pilot.pause()
        assert desk.store.drafts.get(desk.agent.id, tid, "reply") == "half written"
        assert "✎" in screen_text(app)  # the list shows where a draft waits
        await pilot.press("r")
        assert app.screen.query_one(TextArea).text == "half written"


async def test_r5_n_note_is_internal(desk: Desk, tmp_path: Path) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tid = table(app).current.id
        await pilot.press("n", *"only for us")
        await pilot.press("ctrl+s")
        await pilot.pause()
        msgs = desk.store.messages.for_ticket(tid)
        assert msgs[-1].kind is MessageKind.NOTE and msgs[-1].text == "only for us"
        assert desk.store.tickets.get(tid).status is Status.OPEN
        assert not list((tmp_path / "outbox").glob("*.eml"))
        assert "internal note" in screen_text(app)


async def test_t1_t_tags_with_completion(desk: Desk) -> None:
    with desk.store.write():
        desk.store.tickets.add_tag(2, "billing")
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tid = table(app).current.id
        await pilot.press("t")
        assert isinstance(app.screen, TagScreen)
        await pilot.press(*"urgent bil")
        await pilot.pause()
        await pilot.press("right")  # accept the suggestion: billing
        assert app.screen.query_one(Input).value == "urgent billing"
        await pilot.press("enter")
        await pilot.pause()
        assert desk.store.tickets.get(tid).tags == ["billing", "urgent"]
        await pilot.press("t", *"-urgent", "enter")
        await pilot.pause()
        assert desk.store.tickets.get(tid).tags == ["billing"]
        assert "#billing" in screen_text(app)


async def test_a1_a_assign_with_picker(desk: Desk) -> None:
    with desk.store.write():
        desk.store.agents.add("maria", BASE)
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tid = table(app).current.id
        await pilot.press("a")
        assert isinstance(app.screen, PickScreen)
        await pilot.press(*"mar", "enter")
        await pilot.pause()
        assert desk.store.tickets.get(tid).assignee == "maria"
        assert table(app).total == 2  # it left Unassigned
        counts = app.screen.query_one(InboxList)
        assert str(counts.get_option_at_index(2).prompt).rstrip().endswith("1")  # Assigned: 1


async def test_s2_s_status_with_picker(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("j")
        tid = table(app).current.id
        await pilot.press("s", *"esc", "enter")
        await pilot.pause()
        assert desk.store.tickets.get(tid).status is Status.ESCALATED
        assert table(app).current.id == tid  # the cursor follows the ticket
        assert table(app).cursor == 0  # S7: escalated first


async def test_question_mark_shows_every_key(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shot = screen_text(app)
        for words in ("Reply", "Tags", "Assign", "Status", "ctrl+p"):
            assert words in shot
        await pilot.press("end")
        await pilot.pause()
        assert "ctrl+s" in screen_text(app) and "Send" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_ctrl_p_palette_offers_the_actions(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"assign")
        await pilot.pause(0.5)
        assert "key: a" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PickScreen)


async def test_q_quits_and_asks_when_a_reply_is_unsent(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        actions.reply(desk.store, desk.agent, 1, "queued, not sent", sender="s@acme.test")
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_code == 0


async def test_g1_changes_by_another_process_show_without_restart(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        other = desk.reopen()  # another agent's connection
        with other.store.write():
            ingest_raw(other.store, mail(9, "Brand new question", "zed@cust.test"))
        await pilot.pause(1.5)
        assert table(app).total == 4
        assert "Brand new question" in screen_text(app)
        other.store.close()


async def test_narrow_80x24_opens_the_conversation_in_place(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-narrow")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.has_class("-reading")
        shot = screen_text(app)
        assert "here [link=x]" in shot  # the conversation of the first ticket
        assert "Invoice 2026-11" not in shot  # the list made room for it
        await pilot.press("escape")
        assert not app.screen.has_class("-reading")


async def test_inbox_switch_shows_that_inbox(desk: Desk) -> None:
    actions.set_status(desk.store, desk.agent, 2, Status.CLOSED)
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        assert isinstance(app.focused, InboxList)
        await pilot.press("j", "j", "j", "j", "j")  # Closed
        await pilot.pause()
        assert table(app).total == 1
        assert table(app).current.id == 2
        assert isinstance(app.screen.query_one(InboxList), OptionList)


async def test_s4_the_app_fires_due_timers(desk: Desk) -> None:
    now = datetime.now(UTC)
    actions.set_status(desk.store, desk.agent, 1, Status.WAITING, until=now + timedelta(seconds=1),
                       then=Status.ESCALATED, now=now)
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(1.2)
        app.fire_timers()
        await pilot.pause()
        assert desk.store.tickets.get(1).status is Status.ESCALATED
        assert table(app).row(0).id == 1  # S7: escalated first, shown at once


async def test_m2_v_shows_why_each_mail_joined_the_ticket(desk: Desk) -> None:
    with desk.store.write():
        ingest_raw(desk.store, mail(10, "Re: Cannot log in", "ann@cust.test", "Still broken.\n",
                                    headers="In-Reply-To: <app-1@cust.test>\r\n"))
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        while table(app).current.subject != "Cannot log in":
            await pilot.press("j")
        await pilot.pause()
        assert "threaded:" not in screen_text(app)
        await pilot.press("v")
        await pilot.pause()
        shot = screen_text(app)
        assert "threaded: In-Reply-To <app-1@cust.test>" in shot
        assert "message-id: <app-10@cust.test>" in shot


async def test_z_folds_quoted_history_so_the_new_text_comes_first(desk: Desk) -> None:
    body = ("It still fails.\n\nOn Mon, 2 Nov 2026 at 10:00, Support <s@acme.test> wrote:\n"
            "> Please try again.\n> Thanks\n")
    with desk.store.write():
        ingest_raw(desk.store, mail(11, "Re: Cannot log in", "ann@cust.test", body,
                                    headers="In-Reply-To: <app-1@cust.test>\r\n"))
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        while table(app).current.subject != "Cannot log in":
            await pilot.press("j")
        await pilot.pause()
        shot = screen_text(app)
        assert "It still fails." in shot and "Please try again." not in shot
        assert "quoted lines hidden" in shot
        await pilot.press("z")
        await pilot.pause()
        assert "Please try again." in screen_text(app)


async def test_m5_o_and_S_save_attachments_to_the_download_folder(tmp_path: Path) -> None:
    from helpspace_tui.config import AgentConfig

    downloads = tmp_path / "dl"
    downloads.mkdir()
    config = Config(path=tmp_path / "c.toml", agent=AgentConfig(download_dir=str(downloads)))
    d = Desk.open(config, store_path=tmp_path / "s.db")
    raw = (b"From: ann@cust.test\r\nTo: s@acme.test\r\nSubject: logs\r\n"
           b"Message-ID: <att-1@cust.test>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
           b"Content-Type: text/plain\r\n\r\nSee logs.\r\n--B\r\n"
           b"Content-Type: text/plain; name=\"../../evil.log\"\r\n"
           b"Content-Disposition: attachment; filename=\"../../evil.log\"\r\n\r\n"
           b"line one\r\n--B--\r\n")
    with d.store.write():
        ingest_raw(d.store, raw)
    app = app_for(d)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("o")
        assert isinstance(app.screen, PickScreen)
        await pilot.press("enter")
        await pilot.pause()
        saved = sorted(p.name for p in downloads.iterdir())
        assert len(saved) == 1 and ".." not in saved[0] and "/" not in saved[0]  # M7
        assert (downloads / saved[0]).read_bytes() == b"line one"  # the CRLF before --B-- is the boundary
        await pilot.press("S")
        await pilot.pause()
        assert len(list(downloads.iterdir())) == 2  # a second copy, never overwritten
    assert not (tmp_path / "evil.log").exists()


async def test_r6_ctrl_q_while_writing_keeps_the_last_keystrokes(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tid = table(app).current.id
        await pilot.press("r", *"typed just now")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert desk.store.drafts.get(desk.agent.id, tid, "reply") == "typed just now"


async def test_v12_space_marks_tickets_and_s_changes_them_all(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("space", "space")  # marks the first two, moving down
        t = table(app)
        assert len(t.marked) == 2
        assert "2 marked" in screen_text(app)
        marked = set(t.marked)
        await pilot.press("s", *"clos", "enter")
        await pilot.pause()
        assert {desk.store.tickets.get(i).status for i in marked} == {Status.CLOSED}
        assert not t.marked and t.total == 1  # both left Unassigned (V9)


async def test_s4_waiting_until_from_the_status_picker(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tid = table(app).current.id
        await pilot.press("s", *"until", "enter")
        await pilot.pause()
        await pilot.press(*"3d")
        await pilot.pause()
        assert "= " in screen_text(app)  # the parsed time is shown while typing
        await pilot.press("enter", "down", "enter")  # then: escalated
        await pilot.pause()
        t = desk.store.tickets.get(tid)
        assert t.status is Status.WAITING and t.waiting_then is Status.ESCALATED
        left = t.waiting_until - datetime.now(UTC)
        assert timedelta(days=2, hours=23) < left <= timedelta(days=3)


async def test_w1_w_follows_and_the_watched_inbox_lists_it(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tid = table(app).current.id
        await pilot.press("w")
        await pilot.pause()
        assert desk.agent.name in desk.store.tickets.get(tid).followers
        await pilot.press("i", "j", "j", "j", "j")  # Watched
        await pilot.pause()
        assert table(app).total == 1 and table(app).current.id == tid


async def test_s6_v8_spam_delete_and_admin_restore(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        first, second = table(app).row(0).id, table(app).row(1).id
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert desk.store.tickets.get(first).status is Status.SPAM
        await pilot.press("d", "y")  # the highlighted one is now `second`
        await pilot.pause()
        t = desk.store.tickets.get(second)
        assert t.trashed_at is not None and t.status is Status.OPEN  # a mark, status kept
        await pilot.press("i", *"jjjjjjj")  # Trash
        await pilot.pause()
        assert table(app).current.id == second
        await pilot.press("l", "u")  # the first agent of a store is its admin
        await pilot.pause()
        assert desk.store.tickets.get(second).trashed_at is None


async def test_t1_f_filters_the_list_by_tag(desk: Desk) -> None:
    actions.tag(desk.store, desk.agent, 2, ["billing"], [])
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("f", *"bill", "enter")
        await pilot.pause()
        assert table(app).total == 1 and table(app).current.id == 2
        assert "#billing" in screen_text(app)
        await pilot.press("f", *"all", "enter")
        await pilot.pause()
        assert table(app).total == 3


async def test_a1_assign_to_a_team_and_its_inbox(desk: Desk) -> None:
    from helpspace_tui.services import admin

    admin.add_team(desk.store, desk.agent, "Billing")
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tid = table(app).current.id
        await pilot.press("a", *"team bil", "enter")
        await pilot.pause()
        t = desk.store.tickets.get(tid)
        assert t.team == "Billing" and t.assignee is None
        assert table(app).total == 3  # V1 decision: team-only stays in Unassigned
        inboxes = app.screen.query_one(InboxList)
        labels = [str(inboxes.get_option_at_index(i).prompt) for i in range(inboxes.option_count)]
        assert any("Billing" in label and label.rstrip().endswith("1") for label in labels)  # V11


async def test_r5_w1_a_mention_notifies_and_N_jumps_to_the_ticket(desk: Desk) -> None:
    with desk.store.write():
        maria = desk.store.agents.add("maria", BASE)
    actions.set_status(desk.store, desk.agent, 2, Status.CLOSED)  # not in Unassigned now
    actions.note(desk.store, maria, 2, f"@{desk.agent.name} can you check the invoice?")
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert "1 unread notification" in screen_text(app)
        await pilot.press("N")
        await pilot.pause()
        assert "mentioned you" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert table(app).current.id == 2  # it switched to an inbox that has the ticket
        assert app.screen.inbox.name == "all"
        assert "unread notification" not in screen_text(app)


async def test_t2_R_shows_reports_by_tag_status_and_agent(desk: Desk) -> None:
    actions.tag(desk.store, desk.agent, 1, ["login"], [])
    actions.tag(desk.store, desk.agent, 3, ["login", "spam-ish"], [])
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        shot = screen_text(app)
        assert "Tickets by tag" in shot and "login" in shot
        await pilot.press("s")
        await pilot.pause()
        assert "Tickets by status" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_r5_tab_completes_an_at_mention_in_a_note(desk: Desk) -> None:
    with desk.store.write():
        desk.store.agents.add("maria", BASE)
        desk.store.agents.add("marco", BASE)
        desk.store.agents.add("kenji", BASE)
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tid = table(app).current.id
        await pilot.press("n", *"ask @k", "tab")
        area = app.screen.query_one(TextArea)
        assert area.text == "ask @kenji "
        await pilot.press(*"and @ma", "tab")  # two agents: completes what they share
        assert area.text == "ask @kenji and @mar"
        await pilot.press("i", "tab", *"please")
        assert area.text == "ask @kenji and @maria please"
        await pilot.press("ctrl+s")
        await pilot.pause()
        followers = desk.store.tickets.get(tid).followers
        assert {"kenji", "maria"} <= set(followers)  # R5: mentioned agents follow


async def test_the_palette_has_every_action_that_has_a_key(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for b in MainScreen.BINDINGS:
            if b.id != "main.back":
                assert b.description in titles
        assert {"Quit", "Keys", "Sync now"} <= titles
        assert sum(1 for c in app.get_system_commands(app.screen) if c.title == "Quit") == 1


async def test_t1_bulk_tags_show_the_shared_ones_and_a_bad_tag_keeps_the_dialog(desk: Desk) -> None:
    actions.tag(desk.store, desk.agent, 3, ["billing", "vip"], [])
    actions.tag(desk.store, desk.agent, 2, ["billing"], [])
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("space", "space", "t")  # tickets 3 and 2
        await pilot.pause()
        assert "now: #billing" in screen_text(app)
        await pilot.press(*"#urgent bad?tag", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TagScreen)  # still open, text kept
        assert app.screen.query_one(Input).value == "#urgent bad?tag"
        assert "'bad?tag' is not a tag" in screen_text(app)
        for _ in range(len(" bad?tag")):
            await pilot.press("backspace")
        await pilot.press("enter")  # '#urgent' is the tag 'urgent'
        await pilot.pause()
        assert "urgent" in desk.store.tickets.get(3).tags
        assert "urgent" in desk.store.tickets.get(2).tags


async def test_s4_waiting_dialog_refuses_a_past_time_and_j_moves_the_list(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tid = table(app).current.id
        await pilot.press("s", *"until", "enter")
        await pilot.pause()
        await pilot.press(*"2020-01-01 09:00")
        await pilot.pause()
        assert "is already past" in screen_text(app)
        await pilot.press("enter")
        assert isinstance(app.screen.query_one("#when", Input), Input)  # still typing
        for _ in range(len("2020-01-01 09:00")):
            await pilot.press("backspace")
        await pilot.press(*"2d", "enter", "j", "enter")  # j: escalated
        await pilot.pause()
        assert desk.store.tickets.get(tid).waiting_then is Status.ESCALATED


async def test_w1_the_unread_count_follows_notifications_from_this_process(desk: Desk) -> None:
    with desk.store.write():
        maria = desk.store.agents.add("maria", BASE)
    actions.follow(desk.store, desk.agent, 1)
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert "unread notification" not in screen_text(app)
        actions.note(desk.store, maria, 1, "looked at it")  # same connection: no data_version
        await pilot.pause(1.3)
        assert "1 unread notification" in screen_text(app)


async def test_v4_slash_searches_mail_text_customers_and_numbers(desk: Desk) -> None:
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"passw", "enter")  # a prefix of a word in a body
        await pilot.pause()
        assert table(app).total == 1 and table(app).current.subject == "Cannot log in"
        assert "matching 'passw'" in screen_text(app)
        await pilot.press("slash")
        await pilot.pause()
        for _ in range(5):
            await pilot.press("backspace")
        await pilot.press(*"bob@cust", "enter")  # a customer
        await pilot.pause()
        assert table(app).total == 1 and table(app).current.id == 2
        await pilot.press("escape")  # clears the search
        await pilot.pause()
        assert table(app).total == 3


def test_v4_cli_search_and_a_query_that_is_not_fts_syntax(desk: Desk, capsys) -> None:
    from helpspace_tui.cli import main

    config = desk.config.path
    config.write_text(f'[store]\npath = "{desk.store.path}"\n')
    assert main(["--config", str(config), "tickets", "--search", "invoice", "--json"]) == 0
    import json

    found = json.loads(capsys.readouterr().out)
    assert [t["id"] for t in found] == [2]
    # quotes, dashes and stars are words to an agent, not FTS5 syntax errors
    assert main(["--config", str(config), "tickets", "--search", 'foo-bar "*(', "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


async def test_m5_a_huge_pasted_log_is_cut_in_the_view_not_in_the_store(desk: Desk) -> None:
    line = "ERROR 2026-11-20 worker crashed while syncing the customer's mailbox again\n"
    with desk.store.write():
        ingest_raw(desk.store, mail(12, "Logs attached inline", "ann@cust.test",
                                    line * 20_000, when=BASE + timedelta(days=5)))
    app = app_for(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert table(app).current.subject == "Logs attached inline"
        tid = table(app).current.id
        shot = screen_text(app)
        assert "more characters not shown here" not in shot  # below the fold…
        await pilot.press("c", "G")  # …at the end of the conversation
        await pilot.pause()
        assert "more characters not shown here" in screen_text(app)
    stored = desk.store.messages.for_ticket(tid)[0].text
    assert len(stored) >= len(line) * 20_000 - 1  # the store keeps every character
