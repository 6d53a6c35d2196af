"""`helpspace`: the scriptable CLI over the same store as the app.

Exit codes: 0 done; 1 failed (one line on stderr); 2 wrong usage; 3 no such ticket or
agent. The Textual app is imported lazily so headless commands start fast."""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from helpspace_tui import __version__, cli_workflow
from helpspace_tui.config import Config, ConfigError, default_store_path, load_config
from helpspace_tui.domain.inboxes import parse_inbox
from helpspace_tui.domain.models import Status, Ticket
from helpspace_tui.domain.sanitize import sanitize_line, sanitize_text
from helpspace_tui.services import actions, attachments
from helpspace_tui.services.delivery import deliver_outbox
from helpspace_tui.services.desk import Desk
from helpspace_tui.services.errors import ActionError, NotFound
from helpspace_tui.services.export import message_dict, ticket_dict
from helpspace_tui.services.inboxes import inbox_counts, list_tickets
from helpspace_tui.services.ingest import reingest_pending
from helpspace_tui.store import StoreError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_FOUND = 0, 1, 2, 3
MAX_ID = 2**63 - 1  # SQLite's integers
STATUS_WORDS = [s.value for s in Status]


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        m = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if m:
            choices = re.findall(r"'?([\w:-]+)'?", m.group(2))
            close = difflib.get_close_matches(m.group(1), choices, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UsageError(f"{self.prog}: no such choice '{m.group(1)}'{hint}; see "
                             f"{self.prog} --help")
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _ticket_id(text: str) -> int:
    value = text.lstrip("#")
    if not value.isdigit() or int(value) > MAX_ID:
        raise argparse.ArgumentTypeError(f"'{text}' is not a ticket number")
    return int(value)


def build_parser() -> _Parser:
    p = _Parser(prog="helpspace", description="A keyboard-driven terminal helpdesk.")
    p.add_argument("--config", type=Path, help="config file (default: $HELPSPACE_CONFIG, "
                   "else the platform config dir's helpspace-tui/config.toml)")
    p.add_argument("--version", action="version", version=f"helpspace-tui {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    sub.add_parser("app", help="the terminal app (the default without a command)")
    d = sub.add_parser("demo", help="the app on built-in sample data, in a temporary store")
    d.add_argument("--store", type=Path, help="keep the demo store at this path")

    s = sub.add_parser("sync", help="fetch new mail, send the outbox, fire timers")
    s.add_argument("--once", action="store_true", help="one pass, then exit")

    t = sub.add_parser("tickets", help="list the tickets of an inbox")
    t.add_argument("--inbox", default="all", help="unassigned|mine|assigned|all|watched|"
                   "closed|spam|trash|team:NAME (default all)")
    t.add_argument("--tag", help="only tickets with this tag")
    t.add_argument("--search", metavar="WORDS", help="only tickets whose mails, notes, "
                   "customer or number match all the words (prefixes count)")
    t.add_argument("--limit", type=int, help="at most N tickets")
    t.add_argument("--json", action="store_true")

    sh = sub.add_parser("show", help="one ticket with its conversation")
    sh.add_argument("id", type=_ticket_id)
    sh.add_argument("--json", action="store_true")

    for name, what in (("reply", "reply to the customer (Markdown)"),
                       ("note", "add an internal note")):
        r = sub.add_parser(name, help=what)
        r.add_argument("id", type=_ticket_id)
        r.add_argument("--file", type=Path, help="read the text from a file (default: stdin)")

    tg = sub.add_parser("tag", help="add tags; -TAG removes one")
    tg.add_argument("id", type=_ticket_id)
    tg.add_argument("tags", nargs="+", metavar="TAG")

    # assign, status (with S4 timers), agent, team, settings, follow, notifications,
    # spam, delete, restore, purge, report, history
    cli_workflow.add_parsers(sub, _ticket_id, _Parser)

    i = sub.add_parser("inboxes", help="the inboxes with their counts (open + escalated)")
    i.add_argument("--json", action="store_true")

    qa = sub.add_parser("quarantine", help="mails kept raw because they could not be read")
    qa.add_argument("--retry", action="store_true", help="try to read them again")
    o = sub.add_parser("outbox", help="mails not yet sent; --send to try now")
    o.add_argument("--send", action="store_true")
    o.add_argument("--retry", type=int, metavar="N", help="queue failed mail N again")
    o.add_argument("--json", action="store_true")

    ag = sub.add_parser("agents", help="the agents of this store")
    ag.add_argument("--json", action="store_true")

    at = sub.add_parser("attachment", help="save a ticket's attachments")
    at_sub = at.add_subparsers(dest="attachment_command", parser_class=_Parser,
                               metavar="ACTION", required=True)
    sv = at_sub.add_parser("save", help="save one attachment (by name or number as `show` "
                           "lists them), or --all, into a folder")
    sv.add_argument("id", type=_ticket_id)
    sv.add_argument("name", nargs="?", help="the attachment's file name or its number (1 = first)")
    sv.add_argument("--all", action="store_true", help="save every attachment of the ticket")
    sv.add_argument("--to", type=Path, metavar="DIR", help="folder to save into (default: here)")
    return p


def _fix_tag_args(argv: list[str]) -> list[str]:
    """`helpspace tag 7 -urgent`: a leading '-' removes a tag, not an option."""
    for n, word in enumerate(argv):
        if word == "tag":
            rest = argv[n + 1 :]
            if any(w.startswith("-") and w not in ("-h", "--help") for w in rest[1:]):
                return [*argv[: n + 1], "--", *rest]
            break
        if not word.startswith("-") and argv[n - 1 : n] != ["--config"]:
            break
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    args_list = _fix_tag_args(list(sys.argv[1:] if argv is None else argv))
    try:
        args = build_parser().parse_args(args_list)
    except UsageError as e:
        print(e, file=sys.stderr)
        return EXIT_USAGE
    try:
        return _dispatch(args)
    except UsageError as e:
        print(f"helpspace: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ActionError as e:
        print(f"helpspace: {e}", file=sys.stderr)
        return e.exit_code
    except (ConfigError, StoreError) as e:
        print(f"helpspace: {e}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("helpspace: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


# commands that may make a new store; the others work on one that exists, so that a typo
# in [store] path is an error instead of an empty new store
CREATES_STORE = {"sync", "agent", "agents", "team", "settings"}


def check_store_path(config: Config, *, creating: bool) -> None:
    path = config.store_path
    if path.exists():
        return
    if not creating:
        raise ActionError(f"no store at {path}: check [store] path in {config.path}, or run "
                          "`helpspace sync --once` to make it")
    if path != default_store_path() and not path.parent.is_dir():
        raise ActionError(f"the folder of the store {path} does not exist: check [store] path "
                          f"in {config.path}")


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command or "app"
    if command == "demo":
        from helpspace_tui.demo import run_demo  # lazily: pulls in textual

        return run_demo(args.store)
    config = load_config(args.config, must_exist=args.config is not None)
    if command in cli_workflow.VALIDATORS:
        cli_workflow.VALIDATORS[command](args)
    check_store_path(config, creating=command in CREATES_STORE
                     or (command == "app" and config.imap is not None))
    if command == "app":
        from helpspace_tui.app import run_app  # lazily: pulls in textual

        return run_app(config)
    desk = Desk.open(config)
    try:
        return COMMANDS[command](desk, args)
    finally:
        desk.close()


# -- commands -----------------------------------------------------------------------------
def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _age(dt: datetime | None) -> str:
    if dt is None:
        return "-"
    secs = (datetime.now(UTC) - dt).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size:
            return f"{int(secs // size)}{unit}"
    return "now"


def _row(t: Ticket) -> str:
    tags = " ".join(f"#{x}" for x in t.tags)
    return "  ".join([
        f"{t.id:>6}", f"{t.status.value:<9}", f"{sanitize_line(t.customer.addr)[:28]:<28}",
        f"{_age(t.last_customer_at):>4}", f"{(t.assignee or '-')[:12]:<12}",
        sanitize_line(t.subject)[:70] + (f"  {tags}" if tags else ""),
    ])


def cmd_tickets(desk: Desk, args: argparse.Namespace) -> int:
    try:
        inbox = parse_inbox(args.inbox)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if args.limit is not None and args.limit < 0:
        raise UsageError("--limit must be 0 or more")
    tickets = list_tickets(desk.store, desk.agent, inbox, limit=args.limit, tag=args.tag,
                           search=args.search)
    if args.json:
        _print_json([ticket_dict(t) for t in tickets])
    else:
        for t in tickets:
            print(_row(t))
        if not tickets and sys.stdout.isatty():
            print(f"no tickets in {inbox.title}", file=sys.stderr)
    return EXIT_OK


def cmd_show(desk: Desk, args: argparse.Namespace) -> int:
    t = actions.get_ticket(desk.store, args.id)
    messages = desk.store.messages.for_ticket(t.id)
    if args.json:
        _print_json({**ticket_dict(t), "messages": [message_dict(m) for m in messages]})
        return EXIT_OK
    print(f"#{t.id} {sanitize_line(t.subject)}")
    print(f"status {t.status.value}  customer {sanitize_line(str(t.customer))}  "
          f"assignee {t.assignee or '-'}  tags {' '.join(t.tags) or '-'}")
    if t.waiting_until:
        print(f"waiting until {cli_workflow.local_time(desk, t.waiting_until)} then {t.waiting_then}")
    for m in messages:
        who = m.author if m.kind.value == "note" else (str(m.sender) if m.sender else "?")
        print(f"\n--- {m.kind.value} · {sanitize_line(who)} · {cli_workflow.local_time(desk, m.date)}"
              + (f" · {m.delivery}" if m.delivery else ""))
        print(sanitize_text(m.text).rstrip())
        for att in m.attachments:
            print(f"  [attachment] {sanitize_line(att.filename)} ({att.content_type},"
                  f" {att.size} bytes)")
    return EXIT_OK


def _read_body(args: argparse.Namespace) -> str:
    if args.file is not None:
        try:
            return args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ActionError(f"cannot read {args.file}: {e}") from None
    if sys.stdin is None or sys.stdin.closed:
        raise ActionError("no text: give --file PATH or pipe the text on stdin")
    return sys.stdin.read()


def cmd_reply(desk: Desk, args: argparse.Namespace) -> int:
    actions.get_ticket(desk.store, args.id)  # no such ticket: exit 3 before anything else
    make_sender = desk.make_sender()
    if make_sender is None:
        desk.config.require_smtp()
    body = _read_body(args)
    actions.reply(desk.store, desk.agent, args.id, body, sender=desk.sender_address)
    assert make_sender is not None
    deliver_outbox(desk.store, make_sender)
    # this reply may not have been tried at all (an older mail failed first): ask the outbox
    mine = [e or "not tried yet (an older mail is waiting for the server)"
            for _, tid, state, _, e in desk.store.outbox.unsent() if tid == args.id]
    if mine:
        print(f"helpspace: reply to #{args.id} saved but not sent yet: {mine[0]}"
              " (it stays queued; `helpspace outbox` shows it)", file=sys.stderr)
        return EXIT_FAILED
    print(f"replied to #{args.id}")
    return EXIT_OK


def cmd_note(desk: Desk, args: argparse.Namespace) -> int:
    actions.note(desk.store, desk.agent, args.id, _read_body(args))
    print(f"note added to #{args.id}")
    return EXIT_OK


def cmd_tag(desk: Desk, args: argparse.Namespace) -> int:
    add = [t for t in args.tags if not t.startswith("-")]
    remove = [t[1:] for t in args.tags if t.startswith("-")]
    t = actions.tag(desk.store, desk.agent, args.id, add, remove)
    print(f"#{t.id} tags: {' '.join(t.tags) or '-'}")
    return EXIT_OK


def cmd_inboxes(desk: Desk, args: argparse.Namespace) -> int:
    counts = inbox_counts(desk.store, desk.agent)
    if args.json:
        _print_json([{"name": c.inbox.key, "count": c.count} for c in counts])
    else:
        for c in counts:
            print(f"{c.inbox.key:<20} {c.count}")
    return EXIT_OK


def cmd_sync(desk: Desk, args: argparse.Namespace) -> int:
    desk.config.require_imap()
    if not desk.lock.acquire():
        raise ActionError(f"another process is already syncing {desk.store.path}")
    poll = desk.config.imap.poll_seconds if desk.config.imap else 60
    first = True
    tz = desk.config.tz()
    while True:
        report = desk.sync()
        stamp = "" if args.once else datetime.now(tz).strftime("%H:%M:%S ")
        # a service prints what happened, not a line a minute of "0 fetched"; and a pass
        # that failed says so first, not after a line that looks like success
        failed_only = bool(report.errors) and not report.fetched
        if (first or report.eventful) and not failed_only:
            print(f"{stamp}sync: {report.summary()}", flush=True)
        first = False
        for line in report.failed[:20]:
            print(f"{stamp}helpspace: kept raw: {line}", file=sys.stderr, flush=True)
        for line in report.errors:
            print(f"{stamp}helpspace: {line}", file=sys.stderr, flush=True)
        if args.once:
            return EXIT_FAILED if report.errors else EXIT_OK
        desk.wait_for_work(poll)


def cmd_quarantine(desk: Desk, args: argparse.Namespace) -> int:
    if args.retry:
        before = len(desk.store.mailbox.failed())
        reingest_pending(desk.store, failed=True,
                         junk_folders=frozenset(f for f, junk in desk.folders() if junk))
        print(f"{before - len(desk.store.mailbox.failed())} of {before} mails read now")
    rows = desk.store.mailbox.failed()
    for raw_id, error, message_id in rows:
        print(f"{raw_id:>6}  {sanitize_line(message_id or '-')[:50]:<50}  {sanitize_line(error)}")
    if not rows:
        print("no mails in quarantine")
    return EXIT_OK


def cmd_outbox(desk: Desk, args: argparse.Namespace) -> int:
    code = EXIT_OK
    if args.retry is not None:
        states = {i: s for i, _, s, _, _ in desk.store.outbox.unsent()}
        if args.retry not in states:
            raise NotFound(f"no unsent mail {args.retry} in the outbox (`helpspace outbox` "
                           "lists them)")
        with desk.store.write():
            if not desk.store.outbox.retry(args.retry, datetime.now(UTC)):
                raise ActionError(f"outbox mail {args.retry} is {states[args.retry]}, not failed:"
                                  " it is sent with the next sync or `--send`")
    if args.send or args.retry is not None:
        make_sender = desk.make_sender()
        if make_sender is None:
            desk.config.require_smtp()
        assert make_sender is not None
        report = deliver_outbox(desk.store, make_sender)
        failed = sum(1 for r in desk.store.outbox.unsent() if r[2] == "failed")
        print(f"{len(report.sent)} sent, {len(report.failed)} not sent now"
              + (f"; {failed} failed for good (retry one with --retry ID)" if failed else ""),
              file=sys.stderr if args.json else sys.stdout)
        if report.failed:
            code = EXIT_FAILED
    rows = desk.store.outbox.unsent()
    if args.json:
        _print_json([{"id": i, "ticket": t, "state": s, "attempts": n, "error": e}
                     for i, t, s, n, e in rows])
    elif not rows:
        print("the outbox is empty: every reply has been sent")
    else:
        for i, t, s, n, e in rows:
            print(f"{i:>5}  #{t:<6} {s:<8} {n} tries  {sanitize_line(e or '')}")
    return code


def cmd_agents(desk: Desk, args: argparse.Namespace) -> int:
    """`helpspace agents` is `helpspace agent list`."""
    args.agent_command = "list"
    return cli_workflow.cmd_agent(desk, args)


def cmd_attachment(desk: Desk, args: argparse.Namespace) -> int:
    if args.all == (args.name is not None):
        raise UsageError("give either an attachment name (or number) or --all")
    if args.all:
        paths = attachments.save_all(desk.store, args.id, args.to)
    else:
        paths = [attachments.save_attachment(desk.store, args.id, args.name, args.to)]
    for path in paths:
        print(f"saved {sanitize_line(str(path))}")
    return EXIT_OK


COMMANDS = {
    "tickets": cmd_tickets, "show": cmd_show, "reply": cmd_reply, "note": cmd_note,
    "tag": cmd_tag, "inboxes": cmd_inboxes,
    "sync": cmd_sync, "quarantine": cmd_quarantine, "outbox": cmd_outbox,
    "agents": cmd_agents, "attachment": cmd_attachment,
    **cli_workflow.COMMANDS,
}


