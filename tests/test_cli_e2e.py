"""End to end through the CLI against a real Dovecot, a real SMTP server and a real
SQLite file: the walking skeleton of issue 2 (SPEC M1–M3, S3, A2)."""

from __future__ import annotations

import email
import json
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest

from helpspace_tui.cli import main

try:
    from tests.servers import Mailbox, SmtpServer, make_mail
except ImportError:
    from servers import Mailbox, SmtpServer, make_mail


def write_config(tmp_path: Path, mailbox: Mailbox | None, smtp: SmtpServer | None,
                 extra: str = "") -> Path:
    parts = [f'[store]\npath = "{tmp_path / "store.db"}"\n']
    if mailbox is not None:
        parts.append(
            f'[imap]\nhost = "{mailbox.host}"\nport = {mailbox.port}\nsecurity = "none"\n'
            f'username = "{mailbox.username}"\npassword_command = "echo {mailbox.password}"\n'
        )
    if smtp is not None:
        parts.append(
            f'[smtp]\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'
            f'from = "Acme Support <support@acme.test>"\n'
        )
    path = tmp_path / "config.toml"
    path.write_text("\n".join(parts) + extra)
    return path


class Cli:
    def __init__(self, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.config = config
        self.capsys = capsys

    def __call__(self, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
        self.capsys.readouterr()
        if stdin is not None:
            import io

            old = sys.stdin
            sys.stdin = io.StringIO(stdin)
            try:
                code = main(["--config", str(self.config), *args])
            finally:
                sys.stdin = old
        else:
            code = main(["--config", str(self.config), *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> object:
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(tmp_path: Path, mailbox: Mailbox, smtp_server: SmtpServer,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(write_config(tmp_path, mailbox, smtp_server), capsys)


def test_m1_s3_a2_mail_to_ticket_reply_and_customer_answer(
    cli: Cli, mailbox: Mailbox, smtp_server: SmtpServer
) -> None:
    mailbox.append(make_mail(1, subject="Printer on fire", sender="Ann <ann@cust.test>",
                             body="It is burning.\n"))
    mailbox.append(make_mail(2, subject="Invoice", sender="bob@cust.test"))
    code, out, err = cli("sync", "--once")
    assert code == 0, err
    assert "2 new tickets" in out

    tickets = cli.json("tickets")
    assert {t["subject"] for t in tickets} == {"Printer on fire", "Invoice"}
    ann = next(t for t in tickets if t["customer"] == "ann@cust.test")
    assert ann["status"] == "open" and ann["assignee"] is None  # M1
    assert ann["message_count"] == 1 and ann["updated_at"].endswith("Z")
    assert [i for i in cli.json("inboxes") if i["name"] == "unassigned"][0]["count"] == 2

    code, out, err = cli("reply", str(ann["id"]), stdin="We are on it.\n\n- **extinguisher** sent\n")
    assert code == 0, err
    received = smtp_server.wait_for(1)
    assert received[0].rcpt_tos == ["ann@cust.test"]
    sent = email.message_from_bytes(received[0].raw, policy=policy.default)
    assert sent["Subject"] == f"Re: Printer on fire [#{ann['id']}]"
    assert sent["In-Reply-To"]
    assert "We are on it." in sent.get_body(("plain",)).get_content()
    assert "<strong>extinguisher</strong>" in sent.get_body(("html",)).get_content()

    shown = cli.json("show", str(ann["id"]))
    assert shown["status"] == "waiting"  # S3
    assert shown["assignee"] is not None  # A2: the replier
    assert [m["kind"] for m in shown["messages"]] == ["customer", "agent"]
    assert shown["messages"][1]["delivery"] == "sent"

    # the customer answers (their client keeps In-Reply-To): same ticket, status restored
    answer = make_mail(3, subject=f"Re: Printer on fire [#{ann['id']}]", sender="ann@cust.test",
                       body="Thanks!\n",
                       extra_headers={"In-Reply-To": sent["Message-ID"],
                                      "References": sent["Message-ID"]})
    mailbox.append(answer)
    code, out, err = cli("sync", "--once")
    assert code == 0, err
    shown = cli.json("show", str(ann["id"]))
    assert shown["status"] == "open"  # S3: back to what it was
    assert [m["kind"] for m in shown["messages"]] == ["customer", "agent", "customer"]
    assert "In-Reply-To" in shown["messages"][2]["thread_reason"]
    assert len(cli.json("tickets")) == 2


def test_m3_sync_twice_and_uidvalidity_change_never_duplicate(cli: Cli, mailbox: Mailbox) -> None:
    for n in range(5):
        mailbox.append(make_mail(n))
    assert cli("sync", "--once")[0] == 0
    assert cli("sync", "--once")[0] == 0
    assert len(cli.json("tickets")) == 5
    mailbox.reset_uidvalidity()
    mailbox.append(make_mail(99, subject="after the reset"))
    code, out, err = cli("sync", "--once")
    assert code == 0, err
    tickets = cli.json("tickets")
    assert len(tickets) == 6
    assert sum(t["message_count"] for t in tickets) == 6


def test_m2_token_from_stranger_does_not_merge(cli: Cli, mailbox: Mailbox) -> None:
    mailbox.append(make_mail(1, subject="Help", sender="ann@cust.test"))
    cli("sync", "--once")
    tid = cli.json("tickets")[0]["id"]
    mailbox.append(make_mail(2, subject=f"Re: Help [#{tid}]", sender="mallory@evil.test"))
    mailbox.append(make_mail(3, subject=f"Re: Help [#{tid}]", sender="ann@cust.test"))
    cli("sync", "--once")
    tickets = cli.json("tickets")
    assert len(tickets) == 2
    mine = next(t for t in tickets if t["id"] == tid)
    assert mine["message_count"] == 2


def test_m4_auto_reply_changes_no_status(cli: Cli, mailbox: Mailbox, smtp_server: SmtpServer) -> None:
    mailbox.append(make_mail(1, subject="Question", sender="ann@cust.test"))
    cli("sync", "--once")
    tid = cli.json("tickets")[0]["id"]
    assert cli("reply", str(tid), stdin="Answer")[0] == 0
    sent = email.message_from_bytes(smtp_server.wait_for(1)[0].raw, policy=policy.default)
    mailbox.append(make_mail(2, subject="Out of office", sender="ann@cust.test",
                             extra_headers={"Auto-Submitted": "auto-replied",
                                            "In-Reply-To": sent["Message-ID"]}))
    cli("sync", "--once")
    shown = cli.json("show", str(tid))
    assert shown["status"] == "waiting"
    assert shown["messages"][-1]["kind"] == "auto_reply"


def test_tag_assign_status_and_exit_codes(cli: Cli, mailbox: Mailbox) -> None:
    mailbox.append(make_mail(1, subject="Tag me", sender="ann@cust.test"))
    cli("sync", "--once")
    tid = str(cli.json("tickets")[0]["id"])
    assert cli("tag", tid, "urgent", "billing")[0] == 0
    assert cli("tag", tid, "-urgent")[0] == 0
    assert cli.json("show", tid)["tags"] == ["billing"]
    code, _, err = cli("assign", tid, "nobody-like-this")
    assert code == 3 and "agents:" in err
    assert cli("status", tid, "escalated")[0] == 0
    assert cli.json("show", tid)["status"] == "escalated"
    assert cli("show", "424242")[0] == 3
    assert cli("status", tid, "bogus")[0] == 2
    assert cli("tickets", "--inbox", "nowhere")[0] == 2
    assert cli("note", tid, stdin="internal only")[0] == 0
    assert cli.json("show", tid)["messages"][-1]["kind"] == "note"


def test_sync_with_server_down_is_one_line_exit_1(tmp_path: Path, capsys) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "s.db"}"\n[imap]\nhost = "127.0.0.1"\nport = 1\n'
        'security = "none"\nusername = "x"\npassword_command = "echo y"\n'
    )
    code = main(["--config", str(config), "sync", "--once"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "127.0.0.1" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and out == ""  # one line, no "0 fetched"


def test_cli_subprocess_has_no_traceback_on_bad_config(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[imap]\nhots = "x"\n')
    r = subprocess.run([sys.executable, "-m", "helpspace_tui", "--config", str(config), "tickets"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "did you mean 'host'" in r.stderr
    assert "Traceback" not in r.stderr


def test_r6_outbox_lists_failed_replies_and_retries_them(cli: Cli, mailbox: Mailbox,
                                                         smtp_server: SmtpServer) -> None:
    mailbox.append(make_mail(1, subject="Q", sender="ann@cust.test"))
    cli("sync", "--once")
    tid = str(cli.json("tickets")[0]["id"])
    smtp_server.reject_next(code=550, text="mailbox unavailable")
    code, _, err = cli("reply", tid, stdin="Answer")
    assert code == 1 and "saved but not sent" in err  # R6: kept, and said so
    rows = cli.json("outbox")
    assert len(rows) == 1 and rows[0]["state"] == "failed" and "550" in rows[0]["error"]
    assert cli("outbox", "--retry", "999")[0] == 3
    code, out, _ = cli("outbox", "--retry", str(rows[0]["id"]))
    assert code == 0 and "the outbox is empty" in out
    assert len(smtp_server.wait_for(1)) == 1
