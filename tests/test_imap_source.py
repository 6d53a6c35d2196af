"""ImapSource against a real Dovecot (see conftest.py), plus a scripted fake server that
replays odd responses seen from real servers (shared/corpus/bugs)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import imapclient.imapclient
import pytest
from imapclient.exceptions import ProtocolError

from helpspace_tui.mail.imap import FetchedMail, FetchFailure, ImapSource, MailServerError

try:
    from tests import servers
    from tests.servers import DovecotServer, Mailbox, ServerStartError, free_port, make_mail
except ImportError:
    import servers
    from servers import DovecotServer, Mailbox, ServerStartError, free_port, make_mail


def source(box: Mailbox, password: str | None = None, timeout: float = 10) -> ImapSource:
    return ImapSource(box.host, box.port, "none", box.username, password or box.password, timeout=timeout)


def fetch_all(src: ImapSource, uids: list[int], batch: int = 500) -> list:
    return list(src.fetch(uids, batch=batch))


# ------------------------------------------------------------------ new mails only


def test_fetches_only_mails_after_the_high_water_mark(mailbox: Mailbox) -> None:
    when = datetime(2024, 3, 1, 12, 30, 5, tzinfo=timezone(timedelta(hours=2)))
    first = [make_mail(i) for i in range(3)]
    for raw in first:
        mailbox.append(raw, when=when)

    with source(mailbox) as src:
        validity, uidnext = src.select("INBOX")
        assert validity > 0 and uidnext == 4
        uids = src.uids_after(0)
        assert uids == [1, 2, 3]
        got = fetch_all(src, uids)
        assert [m.raw for m in got] == first
        assert all(isinstance(m, FetchedMail) for m in got)
        # INTERNALDATE is the append time, as aware UTC.
        assert got[0].internaldate == datetime(2024, 3, 1, 10, 30, 5, tzinfo=UTC)
        assert got[0].internaldate.tzinfo is UTC

        assert src.uids_after(3) == []
        later = [make_mail(10), make_mail(11)]
        for raw in later:
            mailbox.append(raw)
        # the open connection sees them once it asks again
        new = src.uids_after(3)
        assert new == [4, 5]
        assert [m.raw for m in fetch_all(src, new)] == later


def test_uid_range_star_quirk_is_filtered(mailbox: Mailbox) -> None:
    # "UID SEARCH UID 6:*" returns the highest UID (2) although it is below 6.
    mailbox.append(make_mail(1))
    mailbox.append(make_mail(2))
    with source(mailbox) as src:
        src.select("INBOX")
        assert src.client.search(["UID", "6:*"]) == [2]  # the server really does this
        assert src.uids_after(5) == []
        assert src.uids_after(2) == []
        assert src.uids_after(1) == [2]


def test_empty_folder(mailbox: Mailbox) -> None:
    with source(mailbox) as src:
        _validity, uidnext = src.select("INBOX")
        assert uidnext == 1
        assert src.uids_after(0) == []
        assert fetch_all(src, []) == []


def test_fetch_in_batches_keeps_order(mailbox: Mailbox, monkeypatch) -> None:
    raws = [make_mail(i) for i in range(7)]
    mailbox.append_many(raws)
    sizes: list[int] = []
    real_fetch = imapclient.IMAPClient.fetch

    def spy(self, messages, data, modifiers=None):
        assert isinstance(messages, list)  # never "1:*"
        sizes.append(len(messages))
        return real_fetch(self, messages, data, modifiers)

    monkeypatch.setattr(imapclient.IMAPClient, "fetch", spy)
    with source(mailbox) as src:
        src.select("INBOX")
        got = fetch_all(src, src.uids_after(0), batch=3)
    assert sizes == [3, 3, 1]
    assert [m.uid for m in got] == list(range(1, 8))
    assert [m.raw for m in got] == raws


def test_fetch_does_not_mark_mails_seen(mailbox: Mailbox) -> None:
    mailbox.append(make_mail(1))
    with source(mailbox) as src:
        src.select("INBOX")
        assert len(fetch_all(src, [1])) == 1
    with mailbox.client() as c:
        c.select_folder("INBOX", readonly=True)
        assert b"\\Seen" not in c.get_flags([1])[1]


def test_expunged_uid_is_skipped(mailbox: Mailbox) -> None:
    mailbox.append(make_mail(1))
    mailbox.append(make_mail(2))
    with source(mailbox) as src:
        src.select("INBOX")
        got = fetch_all(src, [1, 2, 99])
    assert [m.uid for m in got] == [1, 2]


def test_unparseable_response_fails_only_that_message(mailbox: Mailbox, monkeypatch) -> None:
    raws = [make_mail(i) for i in range(5)]
    raws[2] = make_mail(2, body="X-Break-The-Parser\n")
    mailbox.append_many(raws)
    real_parse = imapclient.imapclient.parse_fetch_response

    def picky_parse(text, *args, **kwargs):
        # Stand-in for a server response imapclient cannot parse (go-imap#659 style).
        if b"X-Break-The-Parser" in repr(text).encode():
            raise ProtocolError("unexpected token in FETCH response")
        return real_parse(text, *args, **kwargs)

    monkeypatch.setattr(imapclient.imapclient, "parse_fetch_response", picky_parse)
    with source(mailbox) as src:
        src.select("INBOX")
        got = fetch_all(src, src.uids_after(0))
        failures = [m for m in got if isinstance(m, FetchFailure)]
        assert [m.uid for m in got] == [1, 2, 3, 4, 5]
        assert [f.uid for f in failures] == [3]
        assert "unexpected token" in failures[0].error
        assert [m.raw for m in got if isinstance(m, FetchedMail)] == raws[:2] + raws[3:]
        assert src.uids_after(5) == []  # the connection is still in step


# ----------------------------------------------------------------------- uidvalidity


def test_reset_uidvalidity_gives_new_value_and_new_uids(mailbox: Mailbox) -> None:
    raws = [make_mail(i) for i in range(3)]
    mailbox.append_many(raws)
    with source(mailbox) as src:
        old_validity, _ = src.select("INBOX")
        old_uids = src.uids_after(0)

    new_validity = mailbox.reset_uidvalidity()

    with source(mailbox) as src:
        validity, uidnext = src.select("INBOX")
        assert validity == new_validity != old_validity
        uids = src.uids_after(0)
        assert len(uids) == 3 and not set(uids) & set(old_uids)
        assert uidnext > max(uids)
        assert sorted(m.raw for m in fetch_all(src, uids)) == sorted(raws)
        # a client holding the old high-water mark would see nothing new; it must compare
        # UIDVALIDITY first (that is the sync service's job)
        assert src.uids_after(max(old_uids)) == uids


def test_reset_uidvalidity_of_other_folder(mailbox: Mailbox) -> None:
    mailbox.create_folder("Support")
    mailbox.append(make_mail(1), folder="Support")
    with source(mailbox) as src:
        old, _ = src.select("Support")
    mailbox.reset_uidvalidity("Support")
    with source(mailbox) as src:
        new, _ = src.select("Support")
        assert new != old
        assert len(fetch_all(src, src.uids_after(0))) == 1


def test_delete_all(mailbox: Mailbox) -> None:
    mailbox.append_many([make_mail(i) for i in range(3)])
    mailbox.delete_all("INBOX")
    with source(mailbox) as src:
        _, uidnext = src.select("INBOX")
        assert src.uids_after(0) == [] and uidnext == 4


# ------------------------------------------------------------------------- folders


def test_list_folders_and_missing_folder_error(mailbox: Mailbox) -> None:
    mailbox.create_folder("Junk")
    with source(mailbox) as src:
        assert sorted(src.list_folders()) == ["INBOX", "Junk"]
        with pytest.raises(MailServerError) as err:
            src.select("Support")
        msg = str(err.value)
        assert msg == (f"no folder 'Support' on {mailbox.host}:{mailbox.port}; folders: INBOX, Junk")
        # the connection stays usable
        assert src.select("Junk")[1] == 1


def test_calls_before_select_are_refused(mailbox: Mailbox) -> None:
    with source(mailbox) as src, pytest.raises(MailServerError, match="select"):
        src.uids_after(0)


# -------------------------------------------------------------------------- errors


def assert_one_line(msg: str) -> None:
    assert msg and "\n" not in msg and "Traceback" not in msg


def test_wrong_password_error_is_one_line_without_password(mailbox: Mailbox) -> None:
    bad = "Wr0ng-Secret-Pass"
    with pytest.raises(MailServerError) as err, source(mailbox, password=bad):
        pass
    msg = str(err.value)
    assert_one_line(msg)
    assert bad not in msg and mailbox.password not in msg
    assert f"{mailbox.host}:{mailbox.port}" in msg
    assert mailbox.username in msg and "login" in msg
    assert "AUTHENTICATIONFAILED" in msg or "Authentication failed" in msg


def test_connection_refused_error() -> None:
    port = free_port()  # nothing listens there any more
    src = ImapSource("127.0.0.1", port, "none", "someone", "pw-xyz", timeout=5)
    with pytest.raises(MailServerError) as err, src:
        pass
    msg = str(err.value)
    assert_one_line(msg)
    assert f"127.0.0.1:{port}" in msg and "refused" in msg


def test_silent_server_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        src = ImapSource("127.0.0.1", port, "none", "someone", "pw-xyz", timeout=0.5)
        started = time.monotonic()
        with pytest.raises(MailServerError) as err, src:
            pass
    assert time.monotonic() - started < 5
    assert_one_line(str(err.value))
    assert "did not answer within 0.5 s" in str(err.value)


def test_tls_against_plain_port_is_a_clear_error(mailbox: Mailbox) -> None:
    src = ImapSource(mailbox.host, mailbox.port, "tls", mailbox.username, mailbox.password, 5)
    with pytest.raises(MailServerError) as err, src:
        pass
    msg = str(err.value)
    assert_one_line(msg)
    assert "TLS" in msg and "security setting" in msg and mailbox.password not in msg


def test_starttls_not_offered_is_a_clear_error(mailbox: Mailbox) -> None:
    # the test Dovecot runs with ssl = no, so it offers no STARTTLS
    src = ImapSource(mailbox.host, mailbox.port, "starttls", mailbox.username, "pw-xyz", 5)
    with pytest.raises(MailServerError, match="does not offer STARTTLS"), src:
        pass


def test_bad_security_value() -> None:
    with pytest.raises(ValueError, match="security"):
        ImapSource("h", 1, "ssl", "u", "p")


# ---------------------------------------------------------------------------- IDLE


def test_idle_sees_append_from_another_connection(mailbox: Mailbox) -> None:
    with source(mailbox) as src:
        src.select("INBOX")
        timer = threading.Timer(0.3, mailbox.append, args=(make_mail(1),))
        timer.start()
        try:
            started = time.monotonic()
            assert src.idle_wait(10) is True
            assert time.monotonic() - started < 8
        finally:
            timer.join()
        assert src.uids_after(0) == [1]  # the connection is usable after IDLE


def test_idle_times_out_without_activity(mailbox: Mailbox) -> None:
    with source(mailbox) as src:
        src.select("INBOX")
        started = time.monotonic()
        assert src.idle_wait(1.0) is False
        assert 0.9 <= time.monotonic() - started < 3
        assert src.uids_after(0) == []


def test_idle_without_server_support_sleeps_and_returns_false(mailbox: Mailbox, monkeypatch) -> None:
    with source(mailbox) as src:
        src.select("INBOX")
        monkeypatch.setattr(src.client, "capabilities", lambda: (b"IMAP4REV1",))
        started = time.monotonic()
        assert src.idle_wait(0.5) is False
        assert time.monotonic() - started >= 0.45


def test_append_via_source(mailbox: Mailbox) -> None:
    raw = make_mail(1)
    when = datetime(2023, 5, 6, 7, 8, 9, tzinfo=UTC)
    with source(mailbox) as src:
        src.append("INBOX", raw, when)
        src.select("INBOX")
        (got,) = fetch_all(src, src.uids_after(0))
    assert got.raw == raw and got.internaldate == when


# ------------------------------------------------- odd responses from real servers


@contextlib.contextmanager
def fake_imap_server(replies: dict[str, Callable[[str], bytes]]) -> Iterator[int]:
    """A one-connection IMAP server that answers each command from `replies`
    (keyed by the upper-cased command, e.g. "LOGIN", "UID"); yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, conn.makefile("rb") as rfile:
            conn.sendall(b"* OK [CAPABILITY IMAP4rev1 IDLE] fake ready\r\n")
            for line in rfile:
                tag, _, rest = line.decode().strip().partition(" ")
                command = rest.split(" ", 1)[0].upper()
                if command == "LOGOUT":
                    conn.sendall(f"* BYE bye\r\n{tag} OK done\r\n".encode())
                    return
                handler = replies.get(command, lambda t: f"{t} OK done\r\n".encode())
                conn.sendall(handler(tag))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        thread.join(5)


def _corpus_line(name: str, prefix: bytes) -> bytes:
    from pathlib import Path

    for base in (Path(__file__).parents[2] / "shared" / "corpus" / "bugs",):
        for path in base.glob(name):
            for line in path.read_bytes().splitlines():
                if line.startswith(prefix):
                    return line
    # Embedded copies keep the test meaningful where the shared corpus is absent.
    return {
        b"S: ": b'S: RUBY0001 OK [Error="Microsoft.Exchange.Data.Storage.WrongServerException:'
        b'Cross Server access is not allowed" AuthResultFromPopImapEnd=0 Service=Imap4] '
        b"AUTHENTICATE completed.",
        b"* 150": b'* 150 FETCH (UID 1733220355 INTERNALDATE "10-Dec-2024 15:11:12 +0800" '
        b'FLAGS (\\Seen) BODY (("text" "html" ("charset" "UTF-8") NIL NIL "quoted-printable" '
        b'1224 16)("application" "octet-stream" ("name" "2154973550.pdf") NIL """" "base64" '
        b'65322) "MIXED") BODY[] {69100}',
    }[prefix]


def test_outlook_ok_with_quoted_string_in_response_code() -> None:
    """net-imap#597: Office 365 put a quoted string inside [...] of the LOGIN reply."""
    ok = _corpus_line("net-imap-597-*.txt", b"S: ")[3:].split(b" ", 1)[1]
    select = b"* 0 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n* OK [UIDNEXT 1] x\r\n%s OK [READ-ONLY] done\r\n"
    replies = {
        "LOGIN": lambda tag: tag.encode() + b" " + ok + b"\r\n",
        "EXAMINE": lambda tag: select.replace(b"%s", tag.encode()),
    }
    with (
        fake_imap_server(replies) as port,
        ImapSource("127.0.0.1", port, "none", "u", "p", timeout=5) as src,
    ):
        assert src.select("INBOX") == (7, 1)


def test_empty_quoted_pair_in_bodystructure_does_not_break_fetch() -> None:
    """go-imap#659: a server sent `""" "` inside BODYSTRUCTURE next to BODY[]." ""
    head = _corpus_line("go-imap-659-*.txt", b"* 150")
    body = b"Subject: hi\r\n\r\nbody\r\n"
    head = head.rsplit(b"{", 1)[0] + b"{%d}" % len(body)

    def fetch(tag: str) -> bytes:
        return head + b"\r\n" + body + b")\r\n" + tag.encode() + b" OK done\r\n"

    replies = {
        "EXAMINE": lambda tag: (
            b"* OK [UIDVALIDITY 9] x\r\n* OK [UIDNEXT 1733220356] x\r\n" + tag.encode() + b" OK done\r\n"
        ),
        "UID": fetch,
    }
    with (
        fake_imap_server(replies) as port,
        ImapSource("127.0.0.1", port, "none", "u", "p", timeout=5) as src,
    ):
        src.select("INBOX")
        (got,) = fetch_all(src, [1733220355])
    assert got == FetchedMail(1733220355, body, datetime(2024, 12, 10, 7, 11, 12, tzinfo=UTC))


# --------------------------------------------------------------- the fixture itself


def test_dovecot_that_cannot_start_fails_loudly_with_its_log(monkeypatch) -> None:
    monkeypatch.setattr(servers, "_CONFIG", servers._CONFIG + "no_such_setting = 1\n")
    server = DovecotServer()
    try:
        with pytest.raises(ServerStartError) as err:
            server.start(timeout=5)
    finally:
        server.cleanup()
    assert "Dovecot did not start" in str(err.value)
    assert "no_such_setting" in str(err.value)  # dovecot's own complaint is shown


def test_missing_dovecot_binary_says_how_to_fix(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(servers, "DOVECOT", tmp_path / "dovecot")
    with pytest.raises(ServerStartError, match="scripts/test"):
        DovecotServer().start()
