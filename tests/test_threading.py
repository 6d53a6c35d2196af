"""SPEC M2 (which ticket a mail belongs to), M3 (stored once), M4 (bounces), M9.

Pure tests of domain/threading.py, then the same rules through services.ingest.ingest_raw
on a real SQLite store, with small mails written here that reproduce the shapes of the
thread sets in the shared corpus (T05, T07, T09, T10) and osTicket issue 1426."""

from __future__ import annotations

import pytest

from helpspace_tui.domain.inboxes import InboxRef
from helpspace_tui.domain.models import MessageKind, Status
from helpspace_tui.domain.threading import (
    decide_thread,
    find_token,
    reply_subject,
    with_token,
)
from helpspace_tui.services import actions
from helpspace_tui.services.ingest import IngestResult, ingest_raw
from helpspace_tui.store import Store
from helpspace_tui.store.db import utcnow

# -- pure: tokens and subjects ---------------------------------------------------------------


def test_m2_token_found_at_end() -> None:
    assert find_token("Re: Invoice [#42]") == 42
    assert find_token("Re: Invoice [#42]  ") == 42


def test_m2_token_found_when_client_added_text_after_it() -> None:
    assert find_token("Re: Invoice [#42] - thanks") == 42


@pytest.mark.parametrize(
    "subject",
    ["Re: XXXX Betatest [Ticket#11162]", "AW:Installation [Ticket#11392]", "[#AB-12] x",
     "Order #42", "[# 42]", "Invoice 42", ""],
)
def test_m2_other_systems_tags_never_match(subject: str) -> None:
    assert find_token(subject) is None


def test_m2_with_token_appends_once_and_is_idempotent() -> None:
    s = with_token("Re: Invoice", 42)
    assert s == "Re: Invoice [#42]"
    assert with_token(s, 42) == s
    assert with_token(with_token(s, 42), 42) == s
    assert with_token("", 5) == "[#5]"


def test_m2_with_token_replaces_a_stale_token() -> None:
    assert with_token("Re: Invoice [#41]", 42) == "Re: Invoice [#42]"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Invoice", "Re: Invoice"),
        ("Re: Invoice", "Re: Invoice"),
        ("RE: re: Invoice", "Re: Invoice"),
        ("AW: Invoice", "Re: Invoice"),
        ("AW:Installation", "Re: Installation"),
        ("WG: Invoice", "Re: Invoice"),
        ("SV: Invoice", "Re: Invoice"),
        ("Re: AW: WG: SV: Invoice", "Re: Invoice"),
        ("Re[2]: Invoice", "Re: Invoice"),
        ("Re: Invoice [#42]", "Re: Invoice"),
        ("", "Re:"),
    ],
)
def test_m2_reply_subject_strips_prefixes_and_token(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_m2_reply_subject_keeps_words_that_merely_start_like_prefixes() -> None:
    assert reply_subject("Return policy") == "Re: Return policy"
    assert reply_subject("Swiss order") == "Re: Swiss order"


def _decide(**kw: object):  # noqa: ANN202
    args: dict = {
        "message_id": "new@x", "in_reply_to": [], "references": [], "subject": "Hello",
        "sender": "ann@cust.test", "ticket_for_id": lambda mid: None,
        "token_allowed": lambda tid, sender: True,
    }
    args.update(kw)
    return decide_thread(**args)


def test_m2_in_reply_to_wins_over_references() -> None:
    known = {"parent@x": 1, "other@x": 2}
    d = _decide(in_reply_to=["parent@x"], references=["other@x"], ticket_for_id=known.get)
    assert d.ticket_id == 1
    assert "In-Reply-To" in d.reason


def test_m2_references_nearest_first() -> None:
    known = {"a@x": 1, "b@x": 2}
    d = _decide(references=["a@x", "b@x", "ghost@x"], ticket_for_id=known.get)
    assert d.ticket_id == 2
    assert "References <b@x>" in d.reason


def test_m2_headers_win_over_token() -> None:
    d = _decide(in_reply_to=["p@x"], subject="Re: x [#9]", ticket_for_id={"p@x": 3}.get)
    assert d.ticket_id == 3


def test_m2_token_needs_participant() -> None:
    d = _decide(subject="Re: x [#9]", token_allowed=lambda tid, s: False)
    assert d.ticket_id is None
    assert "ignored" in d.reason
    d = _decide(subject="Re: x [#9]", token_allowed=lambda tid, s: tid == 9)
    assert d.ticket_id == 9


def test_m2_subject_alone_never_merges_pure() -> None:
    d = _decide(subject="Re: Hello", ticket_for_id=lambda mid: 1)
    # ticket_for_id would match anything, but there are no ids to look up except its own
    assert d.ticket_id == 1 and "Message-ID" in d.reason
    d = _decide(subject="Re: Hello", message_id=None, ticket_for_id=lambda mid: 1)
    assert d.ticket_id is None


# -- through the store ------------------------------------------------------------------------


def mail(
    msgid: str | None,
    *,
    frm: str = "Alice <alice@example.org>",
    to: str = "Support <support@acme.test>",
    subject: str = "root message",
    irt: str | None = None,
    refs: str | None = None,
    cc: str | None = None,
    date: str = "Thu, 16 Jun 2016 22:14:41 -0400",
    body: str = "Hello.\n",
    extra: dict[str, str] | None = None,
    content_type: str = "text/plain; charset=utf-8",
) -> bytes:
    headers = [("From", frm), ("To", to)]
    if cc:
        headers.append(("Cc", cc))
    headers += [("Subject", subject), ("Date", date)]
    if msgid:
        headers.append(("Message-ID", msgid))
    if irt:
        headers.append(("In-Reply-To", irt))
    if refs:
        headers.append(("References", refs))
    headers += [("MIME-Version", "1.0"), ("Content-Type", content_type)]
    headers += list((extra or {}).items())
    head = "".join(f"{k}: {v}\r\n" for k, v in headers)
    return (head + "\r\n" + body.replace("\n", "\r\n")).encode("utf-8")


def ingest(store: Store, raw: bytes, **kw: object) -> IngestResult:
    with store.write():
        return ingest_raw(store, raw, **kw)  # type: ignore[arg-type]


def msgids(store: Store, ticket_id: int) -> list[str | None]:
    """Message-IDs as written in the headers (the store keeps them without brackets)."""
    return [f"<{m.message_id}>" if m.message_id else None
            for m in store.messages.for_ticket(ticket_id)]


def ticket_count(store: Store) -> int:
    return int(store.db.scalar("SELECT count(*) FROM tickets") or 0)


def test_m2_t05_ghost_root_and_in_reply_to_priority(store: Store) -> None:
    ref = "<000-real-root@example.org>"
    child = "<001-child@example.org>"
    set_t05 = [
        mail(ref, subject="root message"),
        mail("<001-fake-root@example.org>", frm="Mallory <mallory@example.org>",
             subject="fake root message", irt="<nonexistent@example.org>",
             refs=f"{ref} {child} <nonexistent@example.org>"),
        mail("<B00-root@example.org>", subject="root message"),
        mail(child, subject="child message", irt=ref, refs=ref),
        mail("<B01-child@example.org>", subject="child message", irt="<B00-root@example.org>",
             refs="<B00--root@example.org>"),
        mail("<001-grand-child@example.org>", subject="grand-child message", irt=child,
             refs=f"{ref} {child}"),
        mail("<B01-grand-child@example.org>", subject="grand-child message",
             irt="<B01-child@example.org>", refs="<B01-child@example.org> <B00-root@example.org>"),
        mail("<001-grand-child2@example.org>", frm="Daniel <daniel@example.org>",
             to="Alice <alice@example.org>", subject="grand-child message 2", irt=child,
             refs=f"{ref} {child}"),
        mail("<001-great-grand-child@example.org>", subject="great grand-child message",
             irt="<001-grand-child@example.org>", refs=f"{ref} <001-grand-child@example.org>"),
    ]
    results = [ingest(store, raw) for raw in set_t05]
    assert [r.action for r in results] == ["new", "threaded", "new"] + ["threaded"] * 6
    assert ticket_count(store) == 2
    a, b = results[0].ticket_id, results[2].ticket_id
    assert a is not None and b is not None and a != b
    assert msgids(store, a) == [
        ref, "<001-fake-root@example.org>", child, "<001-grand-child@example.org>",
        "<001-grand-child2@example.org>", "<001-great-grand-child@example.org>",
    ]
    assert msgids(store, b) == [
        "<B00-root@example.org>", "<B01-child@example.org>", "<B01-grand-child@example.org>",
    ]
    # 01 is the first mail of A: the ticket keeps the real root's subject and customer
    ta = store.tickets.get(a)
    assert ta is not None and ta.subject == "root message"
    assert ta.customer.addr == "alice@example.org"
    assert ta.message_count == 6
    reasons = {m.message_id: m.thread_reason for m in store.messages.for_ticket(b)}
    assert reasons["B01-child@example.org"] == "In-Reply-To <B00-root@example.org>"


def test_m2_t07_rfc2822_reply_chain_one_ticket_in_order(store: Store) -> None:
    first = "<1234@local.machine.example>"
    second = "<3456@example.net>"
    third = "<abcd.1234@local.machine.tld>"
    raws = [
        mail(first, frm="John Doe <jdoe@machine.example>", subject="Saying Hello",
             date="Fri, 21 Nov 1997 09:55:06 -0600"),
        mail(second, frm="Mary Smith <mary@example.net>", to="John Doe <jdoe@machine.example>",
             subject="Re: Saying Hello", irt=first, refs=first,
             date="Fri, 21 Nov 1997 10:01:10 -0600",
             extra={"Reply-To": '"Mary Smith: Personal Account" <smith@home.example>'}),
        mail(third, frm="John Doe <jdoe@machine.example>",
             to='"Mary Smith: Personal Account" <smith@home.example>',
             subject="Re: Saying Hello", irt=second, refs=f"{first} {second}",
             date="Fri, 21 Nov 1997 11:00:00 -0600"),
    ]
    results = [ingest(store, r) for r in raws]
    assert ticket_count(store) == 1
    tid = results[0].ticket_id
    assert tid is not None and {r.ticket_id for r in results} == {tid}
    assert msgids(store, tid) == [first, second, third]


def test_m2_t09_in_reply_to_loop_one_ticket_no_recursion(store: Store) -> None:
    r1 = ingest(store, mail("<mid-loop-12@example.org>", subject="referencing loop-21",
                            irt="<mid-loop-21@example.org>"))
    r2 = ingest(store, mail("<mid-loop-21@example.org>", subject="referencing loop-12",
                            irt="<mid-loop-12@example.org>",
                            date="Fri, 17 Jun 2016 22:14:41 -0400"))
    assert r1.action == "new" and r2.action == "threaded"
    assert r1.ticket_id == r2.ticket_id
    assert ticket_count(store) == 1
    assert msgids(store, r1.ticket_id or 0) == ["<mid-loop-12@example.org>",
                                                 "<mid-loop-21@example.org>"]


def _dsn(original_msgid: str) -> bytes:
    b = "BOUNDARY-dsn-1"
    text = (
        "From: MAILER-DAEMON@mx1.acme.test (Mail Delivery System)\r\n"
        "To: support@acme.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Fri, 26 May 2017 17:01:45 +0200\r\n"
        "Message-Id: <20170526150145.ABCDEF@mx1.acme.test>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"\r\n'
        "\r\n"
        f"--{b}\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        "Your message could not be delivered.\r\n\r\n"
        f"--{b}\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx1.acme.test\r\n\r\n"
        "Final-Recipient: rfc822; nobody@example.com\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n\r\n"
        f"--{b}\r\n"
        "Content-Type: message/rfc822\r\n\r\n"
        "From: support@acme.test\r\n"
        "To: nobody@example.com\r\n"
        "Subject: Your order [Ticket#555]\r\n"
        f"Message-ID: {original_msgid}\r\n"
        "\r\n"
        "Hello.\r\n"
        f"--{b}--\r\n"
    )
    return text.encode()


def test_m2_m4_t10_other_helpdesk_tags_three_tickets_bounce_not_unassigned(store: Store) -> None:
    thunderbird = mail(
        "<4FA76F9A.3060602@example.com>", frm="marc.smith@example.com (Marc Smith)",
        subject="Re: XXXX Betatest Ticket Templates [Ticket#11162]",
        irt="<20120507061007.259.822311@portal.znuny.com>",
        refs="<20120507061007.259.822311@portal.znuny.com>",
        body="Am 07.05.2012 08:10, schrieb Max:\n> Hallo Marc,\n> Termine?\nHallo Martin,\nFreitag.\n",
        date="Mon, 07 May 2012 08:45:46 +0200",
    )
    notes = mail(
        "<OFC125756E.007812A5@example.com>", frm="erika.muster@example.com",
        subject="AW:Installation [Ticket#11392]",
        irt="<20120613122802.489.352153@portal.example.com>",
        content_type="text/html; charset=utf-8",
        body="<html><body><p>Sehr geehrte Damen und Herren,</p><p>danke.</p></body></html>\n",
        date="Thu, 14 Jun 2012 18:36:54 +0200",
    )
    results = [ingest(store, thunderbird), ingest(store, notes),
               ingest(store, _dsn("<never-ours@portal.example.com>"))]
    assert [r.action for r in results] == ["new", "new", "new"]
    assert ticket_count(store) == 3
    bounce = store.tickets.get(results[2].ticket_id or 0)
    assert bounce is not None
    assert bounce.status is Status.CLOSED
    assert "bounce" in bounce.tags
    [m] = store.messages.for_ticket(bounce.id)
    assert m.kind is MessageKind.BOUNCE
    unassigned = {t.id for t in store.tickets.list(InboxRef("unassigned"), None)}
    assert unassigned == {results[0].ticket_id, results[1].ticket_id}
    notes_msgs = store.messages.for_ticket(results[1].ticket_id or 0)
    assert "danke" in notes_msgs[0].text and "<p>" not in notes_msgs[0].text


def test_m2_other_helpdesk_tag_matching_our_ticket_number_does_not_merge(store: Store) -> None:
    first = ingest(store, mail("<a1@cust.test>", subject="Invoice"))
    assert first.ticket_id == 1
    r = ingest(store, mail("<a2@cust.test>", subject="Re: Other thing [Ticket#1]"))
    assert r.action == "new" and r.ticket_id != 1


# -- osTicket 1426 and the token rules -------------------------------------------------------


def _agent(store: Store):  # noqa: ANN202
    with store.write():
        return store.agents.add("bob", utcnow(), email="bob@acme.test")


def test_m2_m9_osticket_1426_cc_colleague_reply_all_joins_ticket(store: Store) -> None:
    first = ingest(store, mail("<q1@cust.test>", frm="Ann <ann@cust.test>",
                               cc="Carl <carl@cust.test>", subject="Printer on fire"))
    tid = first.ticket_id or 0
    bob = _agent(store)
    actions.reply(store, bob, tid, "We are on it.", sender="Acme Support <support@acme.test>")
    ours = store.messages.for_ticket(tid)[-1]
    assert ours.kind is MessageKind.AGENT and ours.message_id
    assert [a.addr for a in ours.cc] == ["carl@cust.test"]  # reply-all kept the colleague
    assert store.tickets.get(tid).status is Status.WAITING  # type: ignore[union-attr]
    carl = ingest(store, mail("<c1@cust.test>", frm="Carl <carl@cust.test>",
                              to="Acme Support <support@acme.test>",
                              cc="Ann <ann@cust.test>", subject=ours.subject,
                              irt=f"<{ours.message_id}>", refs=f"<q1@cust.test> <{ours.message_id}>",
                              date="Fri, 17 Jun 2016 10:00:00 -0400"))
    assert carl.action == "threaded" and carl.ticket_id == tid
    last = store.messages.for_ticket(tid)[-1]
    assert last.kind is MessageKind.CUSTOMER  # M9: a colleague on Cc is a customer mail
    assert store.tickets.get(tid).status is Status.OPEN  # type: ignore[union-attr]  # S3


def test_m2_token_from_cc_recipient_without_headers_is_honoured(store: Store) -> None:
    first = ingest(store, mail("<q1@cust.test>", frm="Ann <ann@cust.test>",
                               cc="Carl <carl@cust.test>", subject="Printer on fire"))
    tid = first.ticket_id
    r = ingest(store, mail("<c2@cust.test>", frm="carl@cust.test",
                           subject=f"Re: Printer on fire [#{tid}]"))
    assert r.action == "threaded" and r.ticket_id == tid
    assert store.messages.for_ticket(tid or 0)[-1].thread_reason.startswith("subject token")


def test_m2_token_from_customer_is_honoured(store: Store) -> None:
    tid = ingest(store, mail("<q1@cust.test>", frm="Ann <ann@cust.test>",
                             subject="Printer")).ticket_id
    r = ingest(store, mail("<q2@cust.test>", frm="ANN@cust.test",
                           subject=f"Re: Printer [#{tid}]"))
    assert r.ticket_id == tid


def test_m2_token_from_stranger_is_ignored(store: Store) -> None:
    tid = ingest(store, mail("<q1@cust.test>", frm="Ann <ann@cust.test>",
                             subject="Printer")).ticket_id
    r = ingest(store, mail("<m1@evil.test>", frm="Mallory <mallory@evil.test>",
                           subject=f"Re: Printer [#{tid}]"))
    assert r.action == "new" and r.ticket_id != tid
    [m] = store.messages.for_ticket(r.ticket_id or 0)
    assert "ignored" in m.thread_reason
    assert store.tickets.get(tid or 0).message_count == 1  # type: ignore[union-attr]


def test_m2_token_for_missing_ticket_makes_new_ticket(store: Store) -> None:
    r = ingest(store, mail("<q1@cust.test>", subject="Re: Printer [#999]"))
    assert r.action == "new" and r.ticket_id != 999


def test_m2_subject_alone_never_merges(store: Store) -> None:
    a = ingest(store, mail("<s1@cust.test>", frm="ann@cust.test", subject="Invoice"))
    b = ingest(store, mail("<s2@cust.test>", frm="ann@cust.test", subject="Invoice"))
    c = ingest(store, mail("<s3@cust.test>", frm="ann@cust.test", subject="Re: Invoice"))
    assert len({a.ticket_id, b.ticket_id, c.ticket_id}) == 3
    assert ticket_count(store) == 3


# -- M3 and the record of why ------------------------------------------------------------------


def test_m3_same_mail_twice_is_stored_once(store: Store) -> None:
    raw = mail("<dup@cust.test>", subject="Twice")
    first, second = ingest(store, raw), ingest(store, raw)
    assert first.action == "new" and second.action == "duplicate"
    assert ticket_count(store) == 1
    assert int(store.db.scalar("SELECT count(*) FROM messages") or 0) == 1
    assert int(store.db.scalar("SELECT count(*) FROM raw_mails") or 0) == 1


def test_m3_same_message_id_different_content_is_not_dropped(store: Store) -> None:
    a = ingest(store, mail("<same@cust.test>", subject="First", body="one\n"))
    b = ingest(store, mail("<same@cust.test>", subject="Second", body="two\n"))
    assert b.action in ("new", "threaded")
    texts = [m.text for t in (a.ticket_id, b.ticket_id)
             for m in store.messages.for_ticket(t or 0)]
    assert any("one" in t for t in texts) and any("two" in t for t in texts)
    assert int(store.db.scalar("SELECT count(*) FROM messages") or 0) == 2


def test_m2_thread_reason_recorded(store: Store) -> None:
    root = ingest(store, mail("<r@cust.test>"))
    ingest(store, mail("<c@cust.test>", irt="<r@cust.test>"))
    ingest(store, mail("<d@cust.test>", refs="<r@cust.test> <ghost@cust.test>"))
    reasons = [m.thread_reason for m in store.messages.for_ticket(root.ticket_id or 0)]
    assert reasons == ["new conversation", "In-Reply-To <r@cust.test>",
                       "References <r@cust.test>"]
