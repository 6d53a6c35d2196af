"""`helpspace demo`: the built-in sample mails go through the real ingest and services
and give the app a store worth looking at."""

from __future__ import annotations

import email
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest

from helpspace_tui.demo import NEWEST_AGE, build_demo_store, demo_mails, shifted_mails
from helpspace_tui.domain.inboxes import InboxRef
from helpspace_tui.domain.models import MessageKind, Status
from helpspace_tui.services.inboxes import inbox_counts
from helpspace_tui.store import Store

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    base = tmp_path_factory.mktemp("demo")
    build = build_demo_store(base / "demo.db", now=NOW)
    store = Store(base / "demo.db")
    yield build, store, base
    store.close()


def _all_tickets(store: Store, me: int):  # noqa: ANN202
    return store.tickets.list(InboxRef("all"), me) + store.tickets.list(InboxRef("spam"), me)


def _messages(store: Store, me: int):  # noqa: ANN202
    return [m for t in _all_tickets(store, me) for m in store.messages.for_ticket(t.id)]


def test_demo_module_is_headless() -> None:
    code = "import sys, helpspace_tui.demo; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_demo_data_is_a_few_dozen_valid_mails() -> None:
    mails = demo_mails()
    assert 30 <= len(mails) <= 45
    assert [m.name for m in mails] == sorted(m.name for m in mails)
    for m in mails:
        msg = email.message_from_bytes(m.raw, policy=policy.default)
        assert msg["Message-ID"] and msg["From"] and msg["Subject"], m.name
        for addr in msg.get_all("From", []) + msg.get_all("To", []) + msg.get_all("Cc", []):
            domain = str(addr).rsplit("@", 1)[-1].rstrip(">").lower()
            assert domain.endswith((".example", ".test")), (m.name, addr)


def test_dates_are_shifted_to_end_an_hour_ago_keeping_their_spacing() -> None:
    mails = shifted_mails(NOW)
    dates = [when for _, _, when in mails]
    assert NOW - NEWEST_AGE - timedelta(minutes=1) < max(dates) <= NOW - NEWEST_AGE
    assert NOW - max(dates) < timedelta(days=12) and NOW - min(dates) > timedelta(days=5)
    originals = [m.date for m, _, _ in mails]
    gaps = {b - a for a, b in zip(originals, dates, strict=True)}
    assert len(gaps) == 1  # one shift for all
    for _, raw, when in mails:  # and the Date header itself says so
        msg = email.message_from_bytes(raw, policy=policy.default)
        assert msg["Date"].datetime == when


def test_m1_every_demo_mail_ingested_none_failed(demo) -> None:  # noqa: ANN001
    build, store, _ = demo
    assert store.mailbox.failed() == []
    assert len(build.tickets) == len(demo_mails()) >= 30
    me = build.agents["you"].id
    incoming = [m for m in _messages(store, me) if m.kind not in (MessageKind.AGENT, MessageKind.NOTE)]
    assert len(incoming) == len(demo_mails())


def test_m2_follow_ups_and_reply_all_join_their_ticket(demo) -> None:  # noqa: ANN001
    build, store, _ = demo
    t = build.tickets
    me = build.agents["you"].id
    threads = [x for x in _all_tickets(store, me) if x.message_count >= 2]
    assert len(threads) >= 6
    assert t["01_login-2fa-de"] == t["06_login-2fa-followup-de"] == t["36_login-2fa-third-de"]
    # a colleague on Cc answering with reply-all (M9) joins the same ticket
    assert t["02_api-429-alternative"] == t["09_api-429-colleague-reply-all"] == t["34_api-429-followup"]
    assert t["07_csv-import-ja"] == t["21_csv-import-followup-ja"]
    # through a reply of ours that never reached the store (M2: referenced ids)
    assert t["04_feature-saml-groups"] == t["10_saml-groups-followup"]
    assert t["16_outage-502"] == t["17_outage-followup"] == t["31_outage-stuck-jobs"]


def test_m4_auto_reply_and_bounce_attached_and_marked(demo) -> None:  # noqa: ANN001
    build, store, _ = demo
    t = build.tickets
    assert t["24_out-of-office"] == t["04_feature-saml-groups"]
    assert t["18_bounce-oncall"] == t["16_outage-502"]  # the bounce of our reply in that thread
    kinds = {m.subject: m.kind for m in store.messages.for_ticket(t["16_outage-502"])}
    assert kinds["Undelivered Mail Returned to Sender"] is MessageKind.BOUNCE
    ooo = [m for m in store.messages.for_ticket(t["04_feature-saml-groups"])
           if m.subject.startswith("Automatic reply")]
    assert [m.kind for m in ooo] == [MessageKind.AUTO_REPLY]


def test_m5_html_only_mail_is_readable_text_with_attachments_listed(demo) -> None:  # noqa: ANN001
    build, store, _ = demo
    t = build.tickets
    [html_mail] = store.messages.for_ticket(t["08_order-question-html"])
    assert "SEPA bank transfer" in html_mail.text and "1,416.00" in html_mail.text
    assert "<table" not in html_mail.text and "<td" not in html_mail.text
    assert "tracking.greenleaf-shop.example" not in html_mail.text  # the tracking pixel
    atts = [(a.filename, a.content_type, a.inline)
            for tid in set(t.values()) for m in store.messages.for_ticket(tid) for a in m.attachments]
    assert ("FA-2025-0312.pdf", "application/pdf", False) in atts
    assert ("customers_2025-03.csv", "text/csv", False) in atts
    assert ("cargos.png", "image/png", True) in atts


def test_m6_languages_and_encoded_subjects_decoded(demo) -> None:  # noqa: ANN001
    build, store, _ = demo
    subjects = {x.subject for x in _all_tickets(store, build.agents["you"].id)}
    assert "Anmeldung schlägt fehl – Zwei-Faktor-Code wird nicht akzeptiert" in subjects
    assert "Kündigung zum Monatsende – bitte um Bestätigung" in subjects
    assert "CSVインポートでエラーが発生します" in subjects
    assert "Facture FA-2025-0312 : montant incorrect" in subjects
    assert "No puedo añadir miembros al equipo" in subjects
    assert any("🚀" in s for s in subjects)
    [first, *_] = store.messages.for_ticket(build.tickets["07_csv-import-ja"])
    assert "列数が一致しません" in first.text
    [customer_name] = {m.sender.name for m in store.messages.for_ticket(build.tickets["07_csv-import-ja"])
                       if m.kind is MessageKind.CUSTOMER and m.sender}
    assert customer_name == "田中 健太"


def test_m7_hostile_mail_kept_literally_without_control_sequences(demo) -> None:  # noqa: ANN001
    build, store, _ = demo
    hostile = store.tickets.get(build.tickets["14_hostile-markup-escapes"])
    assert hostile is not None
    assert hostile.subject.startswith("[URGENT] [bold]pay now[/bold]")
    [mail] = store.messages.for_ticket(hostile.id)
    assert "[red]FINAL NOTICE[/red]" in mail.text and "[link=" in mail.text
    me = build.agents["you"].id
    for x in _all_tickets(store, me):
        assert "\x1b" not in x.subject and "\x07" not in x.subject
        assert "\x1b" not in x.customer.name
    for m in _messages(store, me):
        for text in (m.subject, m.text, m.sender.name if m.sender else ""):
            assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
        assert all("\x1b" not in a.filename for a in m.attachments)
    # the long mail keeps its quoted history
    [long_mail] = store.messages.for_ticket(build.tickets["22_migration-long-quoted"])
    assert "Rachel Green (Acme Cloud Sales) <sales@acme-cloud.example> wrote:" in long_mail.text
    assert ">> we are evaluating a move" in long_mail.text


def test_s2_s3_s4_s5_workflow_statuses(demo) -> None:  # noqa: ANN001
    build, store, _ = demo
    me = build.agents["you"].id
    tickets = _all_tickets(store, me)
    by_status: dict[Status, list] = {}
    for x in tickets:
        by_status.setdefault(x.status, []).append(x)
    assert len(by_status[Status.ESCALATED]) == 2
    assert len(by_status[Status.CLOSED]) >= 2
    assert len(by_status[Status.WAITING]) == 3
    assert len(by_status[Status.OPEN]) >= 10
    timed = [x for x in by_status[Status.WAITING] if x.waiting_until is not None]
    assert len(timed) == 1
    assert timed[0].waiting_until == NOW + timedelta(days=2) and timed[0].waiting_then is Status.OPEN
    # A2: replying assigned the ticket to whoever replied
    assert {x.assignee for x in by_status[Status.WAITING]} == {build.agents["you"].name, "maria", "kenji"}
    hostile = store.tickets.get(build.tickets["14_hostile-markup-escapes"])
    assert hostile is not None and hostile.status is Status.CLOSED


def test_t1_r5_tags_and_note_with_mention(demo) -> None:  # noqa: ANN001
    build, store, _ = demo
    tags = set(store.tickets.all_tags())
    assert {"billing", "bug", "login", "refund", "gdpr", "feature-request"} <= tags
    assert len(store.tickets.list(InboxRef("all"), None, tag="billing")) >= 4
    api = build.tickets["02_api-429-alternative"]
    notes = [m for m in store.messages.for_ticket(api) if m.kind is MessageKind.NOTE]
    assert len(notes) == 1 and "@maria" in notes[0].text and notes[0].author == "kenji"
    ticket = store.tickets.get(api)
    assert ticket is not None and "maria" in ticket.followers


def test_r1_r6_replies_delivered_to_the_outbox_folder(demo) -> None:  # noqa: ANN001
    build, store, base = demo
    files = sorted((base / "outbox").glob("*.eml"))
    assert build.sent == len(files) == 3
    assert store.outbox.counts() == {"sent": 3}
    subjects = set()
    for f in files:
        msg = email.message_from_bytes(f.read_bytes(), policy=policy.default)
        subjects.add(str(msg["Subject"]))
        assert msg["In-Reply-To"]
    assert any(s.endswith(f"[#{build.tickets['03_facture-pdf-fr']}]") for s in subjects)


def test_v1_v10_inbox_counts_are_non_trivial(demo) -> None:  # noqa: ANN001
    build, store, _ = demo
    you = build.agents["you"]
    counts = {c.inbox.key: c.count for c in inbox_counts(store, you)}
    assert counts["unassigned"] >= 8
    assert counts["mine"] >= 1
    assert counts["assigned"] >= 4
    assert counts["all"] > counts["unassigned"]
    assert counts["spam"] == 0 and counts["trash"] == 0
    assert store.tickets.count(InboxRef("closed"), you.id) >= 2
    assert store.tickets.count(InboxRef("watched"), you.id) >= 2
    # M4: no automatic mail left a ticket of its own in Unassigned
    for x in store.tickets.list(InboxRef("unassigned"), you.id):
        assert "bounce" not in x.tags and "auto-reply" not in x.tags


def test_demo_store_is_reused_not_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import helpspace_tui.demo as demo_mod

    calls: list[dict] = []

    class FakeApp:
        @staticmethod
        def run_app(config, *, store_path=None, outbox_dir=None):  # noqa: ANN001, ANN205
            calls.append({"config": config, "store_path": store_path, "outbox_dir": outbox_dir})
            return 0

    monkeypatch.setitem(sys.modules, "helpspace_tui.app", FakeApp)
    store_path = tmp_path / "keep" / "demo.db"
    assert demo_mod.run_demo(store_path) == 0
    assert calls[0]["store_path"] == store_path and calls[0]["outbox_dir"] == tmp_path / "keep" / "outbox"
    assert calls[0]["config"].imap is None and calls[0]["config"].smtp is None
    store = Store(store_path)
    try:
        first = store.tickets.count(InboxRef("all"), None)
    finally:
        store.close()
    assert demo_mod.run_demo(store_path) == 0
    store = Store(store_path)
    try:
        assert store.tickets.count(InboxRef("all"), None) == first
        assert store.mailbox.failed() == []
    finally:
        store.close()
