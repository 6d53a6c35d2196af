"""One raw mail into the store: kept raw first, then parsed, threaded (M2), classified
(M4, M9) and applied to its ticket by the rules. Shared by IMAP sync and the demo."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from helpspace_tui.domain import rules
from helpspace_tui.domain.models import Address, MessageKind, Ticket
from helpspace_tui.domain.threading import ThreadDecision, decide_thread
from helpspace_tui.mail.parse import ParsedMail, content_hash, parse_mail
from helpspace_tui.services.notifications import record_update
from helpspace_tui.store import NewMessage, Store
from helpspace_tui.store.db import utcnow


@dataclass(frozen=True, slots=True)
class Location:
    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True, slots=True)
class IngestResult:
    # new | threaded | duplicate | tombstoned | ours | failed
    action: str
    ticket_id: int | None = None
    error: str | None = None


def ingest_raw(
    store: Store,
    raw: bytes,
    *,
    internaldate: datetime | None = None,
    location: Location | None = None,
    from_junk: bool = False,
    now: datetime | None = None,
) -> IngestResult:
    """Caller holds a write transaction. The raw bytes are saved before anything can
    fail; a mail that fails to ingest stays raw, flagged 'failed', and the caller goes on.
    `now` is the arrival time (tests and the demo pass a fixed one)."""
    now = now or utcnow()
    digest = content_hash(raw)
    if store.mailbox.is_tombstoned(digest):
        if location:
            store.mailbox.add_location(location.folder, location.uidvalidity, location.uid, None)
        return IngestResult("tombstoned")
    raw_id = store.mailbox.raw_id_for_hash(digest)
    if raw_id is not None:
        if location:
            store.mailbox.add_location(location.folder, location.uidvalidity, location.uid, raw_id)
        existing = store.mailbox.get_raw(raw_id)
        if existing is not None and existing.state != "new":
            return IngestResult("duplicate")
    else:
        raw_id = store.mailbox.add_raw(raw, digest, None, internaldate, now)
        if location:
            store.mailbox.add_location(location.folder, location.uidvalidity, location.uid, raw_id)
    return _read_stored(store, raw_id, raw, digest, internaldate, now, from_junk)


def _read_stored(store: Store, raw_id: int, raw: bytes, digest: str,
                 internaldate: datetime | None, now: datetime, from_junk: bool) -> IngestResult:
    """Parse a mail already kept raw and apply it; a failure leaves it raw and flagged."""
    try:
        with store.savepoint("ingest"):
            parsed = parse_mail(raw)
            if parsed.message_id and store.mailbox.is_tombstoned_id(parsed.message_id):
                # V8: a copy of a mail of a ticket removed for good (other bytes, same id)
                store.mailbox.bury(raw_id, digest, parsed.message_id, now)
                return IngestResult("tombstoned")
            result = _ingest_parsed(store, parsed, raw_id, internaldate, now, from_junk)
            store.mailbox.mark(raw_id, "ingested")
            return result
    except Exception as e:  # one bad mail never stops the sync: keep it raw and flagged
        error = f"{type(e).__name__}: {e}".splitlines()[0][:300]
        store.mailbox.mark(raw_id, "failed", error)
        return IngestResult("failed", error=error)


def reingest_pending(store: Store, *, failed: bool = False,
                     junk_folders: frozenset[str] = frozenset()) -> int:
    """Raw mails saved by a sync that crashed before parsing them; with `failed`, the
    quarantined ones too (after an upgrade that reads them). The same path as a fresh
    mail: tombstones count, and mail found in a Junk folder still makes Spam (M8)."""
    done = 0
    ids = store.mailbox.pending() + ([r[0] for r in store.mailbox.failed()] if failed else [])
    for raw_id in ids:
        raw = store.mailbox.get_raw(raw_id)
        if raw is None:
            continue
        from_junk = bool(store.mailbox.folders_of(raw_id) & junk_folders)
        with store.write():
            _read_stored(store, raw_id, raw.raw, content_hash(raw.raw), raw.internaldate,
                         utcnow(), from_junk)
        done += 1
    return done


def _kind(p: ParsedMail, agent_emails: set[str]) -> MessageKind:
    if p.auto == "bounce":
        return MessageKind.BOUNCE
    if p.auto == "auto_reply" or p.loop:
        return MessageKind.AUTO_REPLY
    if p.sender and p.sender.addr in agent_emails:
        return MessageKind.AGENT
    return MessageKind.CUSTOMER


def _when(p: ParsedMail, internaldate: datetime | None, now: datetime) -> datetime:
    """The Date header, else the server's arrival time; never in the future."""
    at = p.date or internaldate or now
    return min(at, now + timedelta(minutes=5))


def _thread(store: Store, p: ParsedMail) -> ThreadDecision:
    if p.auto == "bounce" and p.bounced_message_id:
        tid = store.messages.ticket_for_id(p.bounced_message_id)
        if tid is not None:
            return ThreadDecision(tid, f"bounce of <{p.bounced_message_id}>")

    def token_allowed(ticket_id: int, sender: str) -> bool:
        return store.tickets.get(ticket_id) is not None and (
            sender.lower() in store.tickets.participants(ticket_id)
        )

    return decide_thread(
        message_id=p.message_id,
        in_reply_to=p.in_reply_to,
        references=p.references,
        subject=p.subject,
        sender=p.sender.addr if p.sender else None,
        ticket_for_id=store.messages.ticket_for_id,
        token_allowed=token_allowed,
    )


def _ingest_parsed(
    store: Store, p: ParsedMail, raw_id: int, internaldate: datetime | None, now: datetime,
    from_junk: bool,
) -> IngestResult:
    if p.message_id and p.loop:
        found = store.messages.find_by_message_id(p.message_id)
        if found is not None:
            return IngestResult("ours", found[1])  # a mail we sent, seen again (Bcc, Sent)
    if p.message_id:  # M3: the same mail in other bytes is stored once; a reused id
        # with other content is a different mail and is kept
        same = store.messages.same_mail(p.message_id, p.subject, p.text)
        if same is not None:
            return IngestResult("duplicate", same)
    kind = _kind(p, store.agents.emails())
    at = _when(p, internaldate, now)
    decision = _thread(store, p)
    automatic = kind in (MessageKind.AUTO_REPLY, MessageKind.BOUNCE)
    if decision.ticket_id is None:
        customer = (p.reply_to[0] if p.reply_to and not automatic else p.sender) or Address(
            "", "unknown-sender@invalid"
        )
        status = rules.new_ticket_status(automatic=automatic, from_junk=from_junk)
        ticket_id = store.tickets.create(p.subject.strip() or "(no subject)", customer, status, at)
        if automatic:  # M4 decision: visible as what it is, never in Unassigned
            store.tickets.add_tag(ticket_id, "bounce" if kind is MessageKind.BOUNCE else "auto-reply")
        store.tickets.record(ticket_id, None, "created", f"created from mail ({status})", now)
        action = "new"
    else:
        ticket_id = decision.ticket_id
        before = store.tickets.get(ticket_id)
        assert before is not None
        after = _apply(before, kind, at, from_junk)
        if after != before:
            store.tickets.save(after)
        changes = [(what, f"{detail} (customer mail)")
                   for what, detail in rules.describe_changes(before, after)]
        # W1: followers hear of every mail but auto-replies (M4: they change nothing)
        who = p.sender.addr if p.sender else "unknown sender"
        summary = None if kind is MessageKind.AUTO_REPLY else f"{kind.value} mail from {who}"
        record_update(store, ticket_id, None, changes, now, summary=summary)
        action = "threaded"
    store.messages.add(
        NewMessage(
            ticket_id=ticket_id, kind=kind, date=at, sender=p.sender, to=list(p.to),
            cc=list(p.cc), subject=p.subject, text=p.text, html=p.html,
            message_id=p.message_id, raw_id=raw_id, thread_reason=decision.reason,
            bounced_message_id=p.bounced_message_id,
            attachments=[(a.filename, a.content_type, a.content, a.content_id, a.inline)
                         for a in p.attachments],
        ),
        now,
    )
    store.messages.remember_ids(ticket_id, p.message_id, [*p.in_reply_to, *p.references])
    store.tickets.touch(ticket_id, at)
    return IngestResult(action, ticket_id)


def _apply(t: Ticket, kind: MessageKind, at: datetime, from_junk: bool) -> Ticket:
    # a late-delivered mail with an old Date never moves a ticket's times backwards
    latest = max(at, t.updated_at) if t.updated_at else at
    if kind is MessageKind.CUSTOMER:
        customer_at = max(at, t.last_customer_at) if t.last_customer_at else at
        after = rules.on_customer_mail(t, customer_at, from_junk=from_junk)
        return replace(after, updated_at=max(latest, customer_at))
    if kind is MessageKind.AGENT:
        return replace(t, updated_at=latest)
    return rules.on_automatic_mail(t, latest)
