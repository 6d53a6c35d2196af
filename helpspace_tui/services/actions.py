"""What an agent does to a ticket: reply, note, tag, assign, status. Each action is one
short write transaction: the ticket change, its history and (for replies) the outbox row
commit together, so nothing is half-done (R6)."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import replace
from datetime import datetime, timedelta
from email.utils import getaddresses

from helpspace_tui.domain import rules
from helpspace_tui.domain.inboxes import InboxRef
from helpspace_tui.domain.models import Address, Agent, MessageKind, Status, Ticket
from helpspace_tui.domain.sanitize import sanitize_line
from helpspace_tui.domain.threading import reply_subject, with_token
from helpspace_tui.mail.compose import OutgoingDraft, bare_address, build_mail
from helpspace_tui.services.errors import ActionError, Forbidden, NotFound
from helpspace_tui.services.notifications import record_update
from helpspace_tui.store import NewMessage, Store
from helpspace_tui.store.db import utcnow

_TAG_OK = re.compile(r"^[\w][\w.+/:-]{0,49}$")


def get_ticket(store: Store, ticket_id: int) -> Ticket:
    t = store.tickets.get(ticket_id)
    if t is None:
        raise NotFound(f"no ticket #{ticket_id}")
    return t


def _save(store: Store, actor: Agent | None, before: Ticket, after: Ticket, at: datetime,
          why: str = "", *, summary: str | None = None) -> None:
    """Write a ticket change, its history and its followers' notifications."""
    store.tickets.save(after)
    changes = [(what, f"{detail}{f' ({why})' if why else ''}")
               for what, detail in rules.describe_changes(before, after)]
    record_update(store, after.id, actor, changes, at, summary=summary)


def _run_rule(fn, *args, **kwargs) -> Ticket:  # noqa: ANN001, ANN002, ANN003
    try:
        return fn(*args, **kwargs)
    except rules.NotAllowed as e:
        raise Forbidden(str(e)) from None
    except rules.RuleError as e:
        raise ActionError(str(e)) from None


def reply(
    store: Store,
    actor: Agent,
    ticket_id: int,
    body: str,
    *,
    sender: str,
    attachments: list[tuple[str, bytes]] | None = None,
    now: datetime | None = None,
) -> Ticket:
    """S3 + A2: queue a mail to the customer and make the ticket Waiting (R1, R6)."""
    if not body.strip():
        raise ActionError("the reply is empty; nothing was sent")
    now = now or utcnow()
    with store.write():
        before = get_ticket(store, ticket_id)
        after = _run_rule(rules.on_agent_reply, before, actor.name, now,
                          store.settings.get("assign_on_reply"))
        if after.team and after.assignee not in store.agents.members(after.team):
            after = replace(after, team=None)  # A1: a team's agent is one of its members
        msgs = store.messages.for_ticket(ticket_id)
        mails = [m for m in msgs if m.message_id and m.kind in
                 (MessageKind.CUSTOMER, MessageKind.AGENT)]
        last_customer = next((m for m in reversed(msgs) if m.kind is MessageKind.CUSTOMER), None)
        ours = bare_address(sender).lower()
        agent_addrs = store.agents.emails() | {ours}
        to = [before.customer]
        cc = [a for a in (last_customer.cc if last_customer else [])
              if a.addr not in agent_addrs and a.addr != before.customer.addr]
        subject = with_token(reply_subject(last_customer.subject if last_customer
                                           else before.subject), ticket_id)
        raw, msgid = build_mail(OutgoingDraft(
            sender=sender,
            to=[str(a) for a in to],
            cc=[str(a) for a in cc],
            subject=subject,
            body_markdown=body,
            date=now,
            in_reply_to=mails[-1].message_id if mails else None,
            references=[m.message_id for m in mails if m.message_id],
            attachments=attachments or [],
        ))
        name, addr = getaddresses([sender])[0]
        pk = store.messages.add(NewMessage(
            ticket_id=ticket_id, kind=MessageKind.AGENT, date=now,
            sender=Address(name, addr.lower()), to=to, cc=cc, subject=subject, text=body,
            message_id=msgid, author_id=actor.id, thread_reason="sent by us",
            attachments=[(fn, mimetypes.guess_type(fn)[0] or "application/octet-stream", data,
                          None, False) for fn, data in (attachments or [])],
        ), now)
        store.messages.remember_ids(ticket_id, msgid, [])
        store.outbox.enqueue(ticket_id, pk, raw, bare_address(sender),
                             [a.addr for a in [*to, *cc]], now)
        _save(store, actor, before, after, now, "reply", summary="replied to the customer")
        store.tickets.touch(ticket_id, now)
    return get_ticket(store, ticket_id)


def note(store: Store, actor: Agent, ticket_id: int, body: str,
         now: datetime | None = None) -> Ticket:
    """R5: an internal message; never mailed, changes no status. Each known agent
    named as @name follows the ticket from now on and is notified of the mention."""
    if not body.strip():
        raise ActionError("the note is empty")
    now = now or utcnow()
    with store.write():
        get_ticket(store, ticket_id)
        store.messages.add(NewMessage(
            ticket_id=ticket_id, kind=MessageKind.NOTE, date=now,
            sender=Address(actor.name, actor.email or ""), text=body, author_id=actor.id,
            thread_reason="internal note",
        ), now)
        named = [n for n in rules.mentions(body, [a.name for a in store.agents.list()])
                 if n.lower() != actor.name.lower()]
        changes = []
        for name in named:
            agent = store.agents.by_name(name)
            if agent is not None and store.tickets.follow(ticket_id, agent.id):
                changes.append(("follower", f"{agent.name} follows (mentioned)"))
        record_update(store, ticket_id, actor, changes, now, summary="added a note",
                      personal={n: "mentioned you in a note" for n in named})
        store.tickets.touch(ticket_id, now)
    return get_ticket(store, ticket_id)


def normalize_tag(tag: str) -> str:
    # tags are shown as #name, so '#name' typed back means the same tag
    value = sanitize_line(tag).strip().lstrip("#").lower().replace(" ", "-")
    if not _TAG_OK.match(value):
        raise ActionError(
            f"'{tag}' is not a tag: use letters, digits and - _ . + / : (at most 50)"
        )
    return value


def tag(store: Store, actor: Agent, ticket_id: int, add: list[str], remove: list[str],
        now: datetime | None = None) -> Ticket:
    """T1: add and remove tags in one step."""
    adds = [normalize_tag(t) for t in add]
    removes = [normalize_tag(t) for t in remove]
    now = now or utcnow()
    with store.write():
        get_ticket(store, ticket_id)
        changed = []
        for t in adds:
            if store.tickets.add_tag(ticket_id, t):
                changed.append(f"+{t}")
        for t in removes:
            if store.tickets.remove_tag(ticket_id, t):
                changed.append(f"-{t}")
        if changed:
            record_update(store, ticket_id, actor, [("tags", "tags " + " ".join(changed))], now)
            store.tickets.touch(ticket_id, now)
    return get_ticket(store, ticket_id)


def find_agent(store: Store, name: str) -> Agent:
    agent = store.agents.by_name(name.strip().lstrip("@"))
    if agent is None:
        known = ", ".join(a.name for a in store.agents.list()) or "none yet"
        raise NotFound(f"no agent '{name}'; agents: {known}")
    return agent


def find_team(store: Store, name: str) -> str:
    team = store.agents.team(name.strip())
    if team is None:
        teams = ", ".join(store.agents.teams()) or "none yet"
        raise NotFound(f"no team '{name}'; teams: {teams}")
    return team


def assign(store: Store, actor: Agent, ticket_id: int, assignee: str | None,
           now: datetime | None = None) -> Ticket:
    """A1: assign to an agent, or to no agent (None). The team stays when the agent is a
    member of it (or with None: a team-only ticket, V1); otherwise it is cleared."""
    now = now or utcnow()
    with store.write():
        before = get_ticket(store, ticket_id)
        name = find_agent(store, assignee).name if assignee is not None else None
        members = store.agents.members(before.team) if before.team else []
        after = rules.assign_agent(before, name, now, members)
        if (after.assignee, after.team) != (before.assignee, before.team):
            _save(store, actor, before, after, now)
    return get_ticket(store, ticket_id)


def assign_team(store: Store, actor: Agent, ticket_id: int, team: str,
                assignee: str | None = None, now: datetime | None = None) -> Ticket:
    """A1: assign to a team, or to a team and one agent of it."""
    now = now or utcnow()
    with store.write():
        before = get_ticket(store, ticket_id)
        team_name = find_team(store, team)
        name = find_agent(store, assignee).name if assignee is not None else None
        after = _run_rule(rules.assign_team, before, team_name, name,
                          store.agents.members(team_name), now)
        if (after.assignee, after.team) != (before.assignee, before.team):
            _save(store, actor, before, after, now)
    return get_ticket(store, ticket_id)


def unassign(store: Store, actor: Agent, ticket_id: int, now: datetime | None = None) -> Ticket:
    """A1: neither agent nor team (`helpspace assign ID --none`)."""
    now = now or utcnow()
    with store.write():
        before = get_ticket(store, ticket_id)
        after = replace(before, assignee=None, team=None, updated_at=now)
        if (after.assignee, after.team) != (before.assignee, before.team):
            _save(store, actor, before, after, now)
    return get_ticket(store, ticket_id)


def set_status(store: Store, actor: Agent, ticket_id: int, status: Status,
               until: datetime | None = None, then: Status | None = None,
               now: datetime | None = None) -> Ticket:
    now = now or utcnow()
    with store.write():
        before = get_ticket(store, ticket_id)
        after = _run_rule(rules.set_status, before, status, now, until=until, then=then)
        timer = (after.waiting_until, after.waiting_then)
        if after.status is not before.status or timer != (before.waiting_until,
                                                           before.waiting_then):
            _save(store, actor, before, after, now)
    return get_ticket(store, ticket_id)


def fire_due_timers(store: Store, now: datetime | None = None) -> list[int]:
    """S4: apply every due timer exactly once (the check and the change share one
    transaction, so two processes can't both fire it)."""
    now = now or utcnow()
    fired = []
    for ticket_id in store.tickets.due_timers(now):
        with store.write():
            before = store.tickets.get(ticket_id)
            if before is None or not rules.timer_due(before, now):
                continue  # another process fired it first
            _save(store, None, before, rules.fire_timer(before, now), now, "timer")
            fired.append(ticket_id)
    return fired


# -- followers (W1) ---------------------------------------------------------------------------
def follow(store: Store, actor: Agent, ticket_id: int, agent_name: str | None = None,
           now: datetime | None = None) -> Ticket:
    """W1: the actor (or the named agent) follows the ticket. An agent made to follow by
    someone else is notified of it."""
    now = now or utcnow()
    with store.write():
        get_ticket(store, ticket_id)
        agent = find_agent(store, agent_name) if agent_name else actor
        if store.tickets.follow(ticket_id, agent.id):
            by = "" if agent.id == actor.id else f" (added by {actor.name})"
            store.tickets.record(ticket_id, actor.id, "follower", f"{agent.name} follows{by}",
                                 now)
            if agent.id != actor.id:
                store.notifications.add(agent.id, ticket_id, actor.id,
                                        "made you a follower", now)
    return get_ticket(store, ticket_id)


def unfollow(store: Store, actor: Agent, ticket_id: int, agent_name: str | None = None,
             now: datetime | None = None) -> Ticket:
    now = now or utcnow()
    with store.write():
        get_ticket(store, ticket_id)
        agent = find_agent(store, agent_name) if agent_name else actor
        if store.tickets.unfollow(ticket_id, agent.id):
            by = "" if agent.id == actor.id else f" (removed by {actor.name})"
            store.tickets.record(ticket_id, actor.id, "follower",
                                 f"{agent.name} no longer follows{by}", now)
    return get_ticket(store, ticket_id)


# -- spam (S6) and trash (V8) -------------------------------------------------------------------
def _change(store: Store, actor: Agent, ticket_id: int, rule, now: datetime | None,  # noqa: ANN001
            **kwargs: object) -> Ticket:
    now = now or utcnow()
    with store.write():
        before = get_ticket(store, ticket_id)
        after = _run_rule(rule, before, now, **kwargs)
        if after != before:
            _save(store, actor, before, after, now)
    return get_ticket(store, ticket_id)


def mark_spam(store: Store, actor: Agent, ticket_id: int,
              now: datetime | None = None) -> Ticket:
    """S6: to the Spam inbox; later mails of the conversation stay there."""
    return _change(store, actor, ticket_id, rules.mark_spam, now)


def mark_not_spam(store: Store, actor: Agent, ticket_id: int,
                  now: datetime | None = None) -> Ticket:
    """S6: back to the status it had before it was spam (Open if none)."""
    return _change(store, actor, ticket_id, rules.mark_not_spam, now)


def trash(store: Store, actor: Agent, ticket_id: int, now: datetime | None = None) -> Ticket:
    """V8: delete = move to Trash (a mark; the status stays)."""
    return _change(store, actor, ticket_id, rules.trash, now)


def restore(store: Store, actor: Agent, ticket_id: int, to: InboxRef | None = None,
            now: datetime | None = None) -> Ticket:
    """V8: admins only. `to`: unassigned, mine, team:NAME, closed, spam, all (None: back
    as it was)."""
    fresh = store.agents.by_id(actor.id) or actor  # the role as the store has it now
    members: list[str] = []
    if to is not None and to.team:
        to = InboxRef("team", find_team(store, to.team))
    t = get_ticket(store, ticket_id)
    if to is not None and to.name == "mine" and t.team:
        members = store.agents.members(t.team)
    return _change(store, actor, ticket_id, rules.restore, now, is_admin=fresh.is_admin,
                   me=fresh.name, to=to, team_members=members)


def purge_trash(store: Store, now: datetime | None = None) -> list[int]:
    """V8: remove for good every ticket in Trash longer than the store's trash_days,
    leaving tombstones (sync runs this; so does `helpspace purge`)."""
    now = now or utcnow()
    days = int(store.settings.get("trash_days"))
    purged = []
    for ticket_id in store.tickets.trashed_before(now - timedelta(days=days)):
        with store.write():
            t = store.tickets.get(ticket_id)
            if t is None or not rules.purge_due(t, now, days):
                continue  # restored, or purged by another process meanwhile
            store.tickets.purge(ticket_id, now)
            purged.append(ticket_id)
    return purged
