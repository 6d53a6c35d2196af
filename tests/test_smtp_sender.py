"""SmtpSender against a real SMTP server (aiosmtpd, see conftest.py)."""

from __future__ import annotations

import pytest

from helpspace_tui.mail.smtp import SendError, SmtpSender

try:
    from tests.servers import SmtpServer, free_port, make_mail
except ImportError:
    from servers import SmtpServer, free_port, make_mail


def sender_for(server: SmtpServer, login: bool = False, password: str | None = None) -> SmtpSender:
    return SmtpSender(
        server.host,
        server.port,
        "none",
        server.username if login else None,
        (password or server.password) if login else None,
        timeout=5,
    )


def test_send_is_received(smtp_server: SmtpServer) -> None:
    raw = make_mail(1, sender="support@example.com", to="customer@example.org")
    sender_for(smtp_server).send(raw, "support@example.com", ["customer@example.org"])
    (got,) = smtp_server.wait_for(1)
    assert got.mail_from == "support@example.com"
    assert got.rcpt_tos == ["customer@example.org"]
    assert got.raw.rstrip(b"\r\n") == raw.rstrip(b"\r\n")


def test_send_with_login_to_several_recipients(smtp_server: SmtpServer) -> None:
    raw = make_mail(2)
    sender_for(smtp_server, login=True).send(raw, "support@example.com", ["a@x.org", "b@y.org"])
    (got,) = smtp_server.wait_for(1)
    assert got.rcpt_tos == ["a@x.org", "b@y.org"]


def test_bare_lf_becomes_crlf(smtp_server: SmtpServer) -> None:
    # email.policy.default writes "\n"; SMTP wants CRLF (bare LF is often rejected).
    raw = b"From: a@x.org\nTo: b@y.org\nSubject: lf\n\nline one\nline two\n"
    sender_for(smtp_server).send(raw, "a@x.org", ["b@y.org"])
    (got,) = smtp_server.wait_for(1)
    assert b"\n" not in got.raw.replace(b"\r\n", b"")
    assert b"Subject: lf\r\n\r\nline one\r\nline two" in got.raw


def test_non_ascii_addresses_use_smtputf8(smtp_server: SmtpServer) -> None:
    sender_for(smtp_server).send(make_mail(3), "support@example.com", ["jörg@bücher.example"])
    (got,) = smtp_server.wait_for(1)
    assert got.rcpt_tos == ["jörg@bücher.example"]


def test_5xx_is_permanent(smtp_server: SmtpServer) -> None:
    smtp_server.reject_next(550, "5.7.1 Relaying denied")
    with pytest.raises(SendError) as err:
        sender_for(smtp_server).send(make_mail(4), "support@example.com", ["c@z.org"])
    assert err.value.permanent is True and err.value.code == 550
    msg = str(err.value)
    assert "\n" not in msg and "550" in msg and "Relaying denied" in msg
    assert f"{smtp_server.host}:{smtp_server.port}" in msg
    assert smtp_server.messages == []


def test_4xx_is_temporary_and_a_retry_succeeds(smtp_server: SmtpServer) -> None:
    smtp_server.reject_next(451, "4.3.0 Try again later")
    sender = sender_for(smtp_server)
    with pytest.raises(SendError) as err:
        sender.send(make_mail(5), "support@example.com", ["c@z.org"])
    assert err.value.permanent is False and err.value.code == 451
    assert "451" in str(err.value)
    sender.send(make_mail(5), "support@example.com", ["c@z.org"])  # the retry
    assert len(smtp_server.wait_for(1)) == 1


def test_all_recipients_refused(smtp_server: SmtpServer) -> None:
    smtp_server.reject_next(550, "5.1.1 No such user", stage="RCPT")
    with pytest.raises(SendError) as err:
        sender_for(smtp_server).send(make_mail(6), "support@example.com", ["nobody@z.org"])
    assert err.value.permanent is True
    assert "nobody@z.org" in str(err.value) and "No such user" in str(err.value)


def test_recipient_refused_temporarily(smtp_server: SmtpServer) -> None:
    smtp_server.reject_next(450, "4.2.0 Mailbox busy", stage="RCPT")
    with pytest.raises(SendError) as err:
        sender_for(smtp_server).send(make_mail(6), "support@example.com", ["busy@z.org"])
    assert err.value.permanent is False


def test_partly_refused_is_permanent_so_nobody_gets_it_twice(smtp_server: SmtpServer) -> None:
    smtp_server.reject_next(450, "4.2.0 Mailbox busy", stage="RCPT")
    with pytest.raises(SendError) as err:
        sender_for(smtp_server).send(make_mail(7), "s@example.com", ["busy@z.org", "ok@z.org"])
    assert err.value.permanent is True
    assert str(err.value).startswith("sent, but ")
    (got,) = smtp_server.wait_for(1)
    assert got.rcpt_tos == ["ok@z.org"]


def test_wrong_password_is_permanent_and_hides_password(smtp_server: SmtpServer) -> None:
    bad = "Wr0ng-Smtp-Pass"
    with pytest.raises(SendError) as err:
        sender_for(smtp_server, login=True, password=bad).send(make_mail(8), "s@example.com", ["c@z.org"])
    msg = str(err.value)
    assert err.value.permanent is True and err.value.code == 535
    assert bad not in msg and "\n" not in msg and "login" in msg


def test_connection_refused_is_temporary() -> None:
    port = free_port()
    with pytest.raises(SendError) as err:
        SmtpSender("127.0.0.1", port, "none", None, None, timeout=5).send(
            make_mail(9), "s@example.com", ["c@z.org"]
        )
    assert err.value.permanent is False
    assert f"127.0.0.1:{port}" in str(err.value) and "refused" in str(err.value)


def test_starttls_not_offered_is_permanent(smtp_server: SmtpServer) -> None:
    sender = SmtpSender(smtp_server.host, smtp_server.port, "starttls", None, None, timeout=5)
    with pytest.raises(SendError, match="STARTTLS") as err:
        sender.send(make_mail(10), "s@example.com", ["c@z.org"])
    assert err.value.permanent is True


def test_tls_against_plain_port_is_a_clear_error(smtp_server: SmtpServer) -> None:
    sender = SmtpSender(smtp_server.host, smtp_server.port, "tls", None, None, timeout=5)
    with pytest.raises(SendError) as err:
        sender.send(make_mail(11), "s@example.com", ["c@z.org"])
    assert "TLS" in str(err.value) and "\n" not in str(err.value)


def test_no_recipients() -> None:
    with pytest.raises(SendError) as err:
        SmtpSender("127.0.0.1", 1, "none", None, None).send(b"x", "s@example.com", [])
    assert err.value.permanent is True
