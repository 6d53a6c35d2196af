"""SPEC M6 on raw UTF-8 headers (RFC 6532): found live in tmux — such a mail used to be
kept raw with "surrogates not allowed" instead of joining its ticket."""

from __future__ import annotations

from pathlib import Path

from helpspace_tui.services.ingest import ingest_raw
from helpspace_tui.store import Store


def test_m6_raw_utf8_headers_are_ingested_and_threaded(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    first = ("From: J\u00f6hn <jd\u00f6e@m\u00e4chine.example>\r\nTo: support@acme.test\r\n"
             "Subject: S\u00e4ying hello\r\nMessage-ID: <one@m\u00e4chine.example>\r\n\r\nHi\r\n")
    answer = ("From: J\u00f6hn <jd\u00f6e@m\u00e4chine.example>\r\nTo: support@acme.test\r\n"
              "Subject: Re: S\u00e4ying hello \xff\r\nIn-Reply-To: <one@m\u00e4chine.example>\r\n"
              "Message-ID: <two@m\u00e4chine.example>\r\n\r\nThanks\r\n")
    with store.write():
        a = ingest_raw(store, first.encode("utf-8"))
        # a stray invalid byte too: it becomes U+FFFD, the mail is kept and threaded
        b = ingest_raw(store, answer.encode("utf-8").replace(b"\xc3\xbf", b"\xff"))
    assert a.action == "new" and b.action == "threaded" and b.ticket_id == a.ticket_id
    msgs = store.messages.for_ticket(a.ticket_id or 0)
    assert msgs[0].sender is not None and msgs[0].sender.addr == "jd\u00f6e@m\u00e4chine.example"
    assert msgs[1].message_id == "two@m\u00e4chine.example"
    assert msgs[1].subject == "Re: S\u00e4ying hello \ufffd"
    assert store.mailbox.failed() == []
