"""The app end to end against a real Dovecot and a real SMTP server (issue 3): mails
appended → the app syncs and shows them → reply by keys → the SMTP server receives it →
the customer's answer appears in the same ticket, status restored (SPEC S3)."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from helpspace_tui.app import HelpspaceApp
from helpspace_tui.config import load_config
from helpspace_tui.domain.models import MessageKind, Status
from helpspace_tui.services.desk import Desk
from helpspace_tui.widgets.ticket_table import TicketTable

try:
    from tests.screen import screen_text
    from tests.servers import Mailbox, SmtpServer, make_mail
    from tests.test_cli_e2e import write_config
except ImportError:
    from screen import screen_text
    from servers import Mailbox, SmtpServer, make_mail
    from test_cli_e2e import write_config


async def wait_until(pilot, condition, seconds: float = 10.0) -> None:  # noqa: ANN001
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError("condition not met in time")


async def test_s3_app_syncs_replies_by_keys_and_threads_the_answer(
    tmp_path: Path, mailbox: Mailbox, smtp_server: SmtpServer
) -> None:
    config = load_config(write_config(tmp_path, mailbox, smtp_server,
                                      extra="[agent]\ntimezone = \"UTC\"\n"), must_exist=True)
    mailbox.append(make_mail(1, subject="Server down", sender="Ann <ann@cust.test>",
                             body="Our server is down since 9:00.\n"))
    desk = Desk.open(config)
    app = HelpspaceApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.screen.query_one(TicketTable)
        await wait_until(pilot, lambda: table.total == 1)  # it synced by itself
        assert app.syncing_here
        ticket = table.current
        assert ticket is not None and ticket.subject == "Server down"

        await pilot.press("r", *"Restarted it for you.", "ctrl+s")
        received = smtp_server.wait_for(1, timeout=10)
        sent = email.message_from_bytes(received[0].raw, policy=policy.default)
        assert sent["Subject"] == f"Re: Server down [#{ticket.id}]"
        assert received[0].rcpt_tos == ["ann@cust.test"]
        assert desk.store.tickets.get(ticket.id).status is Status.WAITING

        mailbox.append(make_mail(2, subject=sent["Subject"], sender="ann@cust.test",
                                 body="Works again, thanks!\n",
                                 extra_headers={"In-Reply-To": sent["Message-ID"]}))
        await pilot.press("ctrl+r")  # sync now
        await wait_until(pilot, lambda: desk.store.tickets.get(ticket.id).message_count == 3)
        t = desk.store.tickets.get(ticket.id)
        assert t.status is Status.OPEN  # S3: back to what it was
        kinds = [m.kind for m in desk.store.messages.for_ticket(ticket.id)]
        assert kinds == [MessageKind.CUSTOMER, MessageKind.AGENT, MessageKind.CUSTOMER]
        # A2: the reply assigned it to me, so it now lives in Mine
        await pilot.press("i", "j")
        await wait_until(pilot, lambda: table.current is not None and table.current.id == ticket.id)
        await pilot.pause(0.3)
        assert "Works again, thanks!" in screen_text(app)
    desk.close()


async def test_app_only_watches_when_a_sync_service_holds_the_lock(
    tmp_path: Path, mailbox: Mailbox, smtp_server: SmtpServer
) -> None:
    config = load_config(write_config(tmp_path, mailbox, smtp_server), must_exist=True)
    service = Desk.open(config)
    assert service.lock.acquire()  # the sync service of a shared server
    desk = Desk.open(config)
    app = HelpspaceApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert not app.syncing_here
        mailbox.append(make_mail(1, subject="Seen via the service", sender="bo@cust.test"))
        service.sync()
        table = app.screen.query_one(TicketTable)
        await wait_until(pilot, lambda: table.total == 1)
        assert "sync service" in screen_text(app)
    desk.close()
    service.close()


async def test_g1_the_app_takes_over_syncing_when_the_service_stops(
    tmp_path: Path, mailbox: Mailbox, smtp_server: SmtpServer, monkeypatch
) -> None:
    import helpspace_tui.app as app_module

    monkeypatch.setattr(app_module, "TAKEOVER_SECONDS", 0.3)
    config = load_config(write_config(tmp_path, mailbox, smtp_server), must_exist=True)
    service = Desk.open(config)
    assert service.lock.acquire()
    desk = Desk.open(config)
    app = HelpspaceApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.5)
        assert not app.syncing_here
        service.close()  # the sync service stops (or dies: the kernel drops its lock)
        mailbox.append(make_mail(1, subject="After the service", sender="bo@cust.test"))
        table = app.screen.query_one(TicketTable)
        await wait_until(pilot, lambda: table.total == 1)
        assert app.syncing_here
        await pilot.pause(1.2)  # the status line follows within a second
        assert "syncing here" in screen_text(app)
    desk.close()


async def test_r1_a_reply_with_an_attached_file_reaches_the_customer(
    tmp_path: Path, mailbox: Mailbox, smtp_server: SmtpServer
) -> None:
    config = load_config(write_config(tmp_path, mailbox, smtp_server), must_exist=True)
    mailbox.append(make_mail(1, subject="Need the invoice", sender="ann@cust.test"))
    invoice = tmp_path / "invoice-2026-11.pdf"
    invoice.write_bytes(b"%PDF-1.4 fake invoice\n%%EOF\n")
    desk = Desk.open(config)
    app = HelpspaceApp(desk)
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.screen.query_one(TicketTable)
        await wait_until(pilot, lambda: table.total == 1)
        tid = table.current.id
        await pilot.press("r", *"Here it is.", "ctrl+o")
        await pilot.pause()
        await pilot.press(*str(invoice), "enter")
        await pilot.pause()
        assert "invoice-2026-11.pdf" in screen_text(app)
        await pilot.press("ctrl+s")
        received = smtp_server.wait_for(1, timeout=10)
    sent = email.message_from_bytes(received[0].raw, policy=policy.default)
    files = [(p.get_filename(), p.get_content()) for p in sent.iter_attachments()]
    assert files == [("invoice-2026-11.pdf", b"%PDF-1.4 fake invoice\n%%EOF\n")]
    stored = desk.store.messages.for_ticket(tid)[-1].attachments
    assert [(a.filename, a.content_type) for a in stored] == [("invoice-2026-11.pdf",
                                                               "application/pdf")]
    desk.close()
