"""The workflow commands of `helpspace` (issue 5): assignment, statuses with timers,
agents, teams, settings, followers, notifications, spam, trash, reports, history.

Registered by cli.build_parser; errors are services' ActionErrors (exit 1, 3) or Usage
(exit 2), printed by cli.main as one line."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from helpspace_tui.domain.inboxes import parse_inbox
from helpspace_tui.domain.models import Status
from helpspace_tui.domain.rules import TIMER_TARGETS
from helpspace_tui.domain.sanitize import sanitize_line
from helpspace_tui.domain.settings import SETTINGS
from helpspace_tui.domain.when import WhenError, parse_since, parse_when
from helpspace_tui.services import actions, admin
from helpspace_tui.services.desk import Desk
from helpspace_tui.services.errors import ActionError
from helpspace_tui.services.export import iso
from helpspace_tui.services.notifications import list_notifications, mark_read
from helpspace_tui.services.reports import REPORT_BY, report

STATUS_WORDS = [s.value for s in Status]


class Usage(ActionError):
    """Wrong use of a command (exit 2)."""

    exit_code = 2


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def confirm(args: argparse.Namespace, question: str) -> None:
    """Ask before what cannot be undone, when a person is at the terminal; scripts (no
    terminal) and --yes go on."""
    if getattr(args, "yes", False) or not sys.stdin.isatty():
        return
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        answer = ""
    if not answer.strip().lower().startswith("y"):
        raise ActionError("nothing changed")


def local_time(desk: Desk, dt: datetime | None) -> str:
    """A time for people, in the agent's zone (JSON output stays UTC)."""
    if dt is None:
        return "-"
    tz = desk.config.tz()
    local = dt.astimezone(tz) if tz is not None else dt.astimezone()
    return local.strftime("%Y-%m-%d %H:%M %Z").strip()


def add_parsers(sub: Any, ticket_id: Callable[[str], int], parser_class: type) -> None:
    """Add the workflow commands to cli's subparsers (`parser_class`: cli's parser, whose
    errors are one line and exit 2)."""

    def nested(p: argparse.ArgumentParser, dest: str, required: bool = True) -> Any:
        return p.add_subparsers(dest=dest, parser_class=parser_class, metavar="ACTION",
                                required=required)

    a = sub.add_parser("assign", help="assign to an agent, a team (and one agent of it),"
                       " or --none")
    a.add_argument("id", type=ticket_id)
    a.add_argument("agent", nargs="?")
    a.add_argument("--team", nargs="+", metavar=("TEAM", "AGENT"),
                   help="assign to this team, and to AGENT if given (a member of it)")
    a.add_argument("--none", action="store_true", help="no agent and no team")

    st = sub.add_parser("status", help="set the status; waiting may get a timer (--until)")
    st.add_argument("id", type=ticket_id)
    st.add_argument("status", choices=STATUS_WORDS)
    st.add_argument("--until", metavar="WHEN", help="with waiting: when the status changes by"
                    " itself: '2026-12-24 09:00', 'tomorrow 9:00', 'fri', '3d', '4h'")
    st.add_argument("--then", choices=[s.value for s in TIMER_TARGETS],
                    help="with --until: the status it changes to")

    ag = sub.add_parser("agent", help="add, list or remove agents (admins)")
    ag_sub = nested(ag, "agent_command")
    x = ag_sub.add_parser("add", help="add an agent")
    x.add_argument("name")
    x.add_argument("--email")
    x.add_argument("--admin", action="store_true")
    x = ag_sub.add_parser("list", help="the agents")
    x.add_argument("--json", action="store_true")
    x = ag_sub.add_parser("rm", help="remove an agent; their tickets become unassigned")
    x.add_argument("name")
    x.add_argument("--yes", action="store_true", help="do not ask first")
    x = ag_sub.add_parser("admin", help="make an agent an admin (--revoke: no longer)")
    x.add_argument("name")
    x.add_argument("--revoke", action="store_true")

    tm = sub.add_parser("team", help="add, list or remove teams and their members (admins)")
    tm_sub = nested(tm, "team_command")
    x = tm_sub.add_parser("add", help="add a team")
    x.add_argument("name")
    x = tm_sub.add_parser("list", help="the teams with their members")
    x.add_argument("--json", action="store_true")
    x = tm_sub.add_parser("rm", help="remove a team; its tickets keep their agent")
    x.add_argument("name")
    x.add_argument("--yes", action="store_true", help="do not ask first")
    mem = tm_sub.add_parser("member", help="add or remove a member")
    mem_sub = nested(mem, "member_command")
    for action in ("add", "rm"):
        x = mem_sub.add_parser(action, help=f"{action} an agent {'to' if action == 'add' else 'from'}"
                               " a team")
        x.add_argument("team")
        x.add_argument("agent")

    se = sub.add_parser("settings", help="the store-wide settings; set needs an admin")
    se_sub = nested(se, "settings_command", required=False)
    x = se_sub.add_parser("get", help="one setting's value")
    x.add_argument("key", help=", ".join(SETTINGS))
    x = se_sub.add_parser("set", help="change a setting (admins)")
    x.add_argument("key", help=", ".join(SETTINGS))
    x.add_argument("value")
    se.add_argument("--json", action="store_true")

    for name, what in (("follow", "follow a ticket (you, or AGENT)"),
                       ("unfollow", "stop following a ticket (you, or AGENT)")):
        x = sub.add_parser(name, help=what)
        x.add_argument("id", type=ticket_id)
        x.add_argument("agent", nargs="?")

    no = sub.add_parser("notifications", help="your unread notifications; `read` marks them")
    no.add_argument("action", nargs="?", choices=["read"], help="mark read: IDs, or --all")
    no.add_argument("ids", nargs="*", type=ticket_id, metavar="ID")
    no.add_argument("--all", action="store_true", help="list: read ones too; read: all")
    no.add_argument("--json", action="store_true")

    x = sub.add_parser("spam", help="mark as spam; --not restores the status it had")
    x.add_argument("id", type=ticket_id)
    x.add_argument("--not", dest="not_spam", action="store_true")
    x = sub.add_parser("delete", help="move to Trash (the status stays)")
    x.add_argument("id", type=ticket_id)
    x = sub.add_parser("restore", help="bring back from Trash (admins)")
    x.add_argument("id", type=ticket_id)
    x.add_argument("--to", metavar="INBOX", help="unassigned|mine|team:NAME|closed|spam|all"
                   " (default: as it was)")
    sub.add_parser("purge", help="remove for good what is in Trash longer than trash_days")

    r = sub.add_parser("report", help="ticket counts by tag, status or agent over a period")
    r.add_argument("--by", choices=REPORT_BY, required=True)
    r.add_argument("--since", default="30d", help="a length (30d, 2w, 12h) or a date"
                   " (2026-01-01); 'all' for all time (default 30d)")
    fmt = r.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")

    x = sub.add_parser("history", help="who changed what on a ticket, and when")
    x.add_argument("id", type=ticket_id)
    x.add_argument("--json", action="store_true")


# -- commands ----------------------------------------------------------------------------------
def check_assign_args(args: argparse.Namespace) -> None:
    if args.none and (args.agent or args.team):
        raise Usage("--none takes no agent and no team")
    if not args.none and not args.agent and not args.team:
        raise Usage("give either an agent name or --none (or --team TEAM [AGENT])")
    if args.team and (len(args.team) > 2 or (len(args.team) == 2 and args.agent)):
        raise Usage("--team takes a team and at most one agent")


def cmd_assign(desk: Desk, args: argparse.Namespace) -> int:
    check_assign_args(args)
    if args.none:
        t = actions.unassign(desk.store, desk.agent, args.id)
    elif args.team:
        agent = args.team[1] if len(args.team) == 2 else args.agent
        t = actions.assign_team(desk.store, desk.agent, args.id, args.team[0], agent)
    else:
        t = actions.assign(desk.store, desk.agent, args.id, args.agent)
    who = " + ".join(x for x in (t.team and f"team {t.team}", t.assignee) if x) or "nobody"
    print(f"#{t.id} assigned to {sanitize_line(who)}")
    return 0


def cmd_status(desk: Desk, args: argparse.Namespace) -> int:
    until = None
    if (args.until is None) != (args.then is None):
        raise Usage("a timer needs both --until WHEN and --then open|escalated|closed")
    if args.until is not None:
        try:
            until = parse_when(args.until, datetime.now(UTC), desk.config.tz())
        except WhenError as e:
            raise Usage(str(e)) from None
    t = actions.set_status(desk.store, desk.agent, args.id, Status(args.status), until=until,
                           then=Status(args.then) if args.then else None)
    timer = (f" until {local_time(desk, t.waiting_until)}, then {t.waiting_then}"
             if t.waiting_until else "")
    print(f"#{t.id} is {t.status.value}{timer}")
    return 0


def cmd_agent(desk: Desk, args: argparse.Namespace) -> int:
    store, me = desk.store, desk.agent
    if args.agent_command == "add":
        a = admin.add_agent(store, me, args.name, email=args.email, admin=args.admin)
        print(f"added agent {a.name}{' (admin)' if a.is_admin else ''}")
    elif args.agent_command == "rm":
        confirm(args, f"Remove agent {args.name}? Their tickets become unassigned.")
        tickets = admin.remove_agent(store, me, args.name)
        print(f"removed agent {args.name}; {len(tickets)} tickets unassigned")
    elif args.agent_command == "admin":
        a = admin.set_admin(store, me, args.name, not args.revoke)
        print(f"{a.name} is {'an admin' if a.is_admin else 'no admin'}")
    else:
        agents = admin.list_agents(store)
        if args.json:
            _print_json([{"name": a.name, "email": a.email, "admin": a.is_admin,
                          "os_user": a.os_user} for a in agents])
        else:
            for a in agents:
                print(f"{a.name:<20} {'admin' if a.is_admin else '':<6} {a.email or ''}")
    return 0


def cmd_team(desk: Desk, args: argparse.Namespace) -> int:
    store, me = desk.store, desk.agent
    if args.team_command == "add":
        print(f"added team {admin.add_team(store, me, args.name)}")
    elif args.team_command == "rm":
        confirm(args, f"Remove team {args.name}? Its tickets lose the team.")
        tickets = admin.remove_team(store, me, args.name)
        print(f"removed team {args.name}; {len(tickets)} tickets had it")
    elif args.team_command == "member":
        if args.member_command == "add":
            done = admin.add_member(store, me, args.team, args.agent)
            print(f"{args.agent} {'joined' if done else 'was already in'} {args.team}")
        else:
            done = admin.remove_member(store, me, args.team, args.agent)
            print(f"{args.agent} {'left' if done else 'was not in'} {args.team}")
    else:
        teams = admin.list_teams(store)
        if args.json:
            _print_json([{"name": t.name, "members": t.members} for t in teams])
        else:
            for t in teams:
                print(f"{sanitize_line(t.name):<20} {', '.join(t.members) or '-'}")
    return 0


def cmd_settings(desk: Desk, args: argparse.Namespace) -> int:
    if args.settings_command == "get":
        print(admin.get_setting(desk.store, args.key))
    elif args.settings_command == "set":
        key, value = admin.set_setting(desk.store, desk.agent, args.key, args.value)
        print(f"{key} = {value}")
    else:
        values = admin.all_settings(desk.store)
        if args.json:
            _print_json(values)
        else:
            for key, value in values.items():
                print(f"{key:<16} {value:<10} {SETTINGS[key].help}")
    return 0


def cmd_follow(desk: Desk, args: argparse.Namespace) -> int:
    fn = actions.follow if args.command == "follow" else actions.unfollow
    t = fn(desk.store, desk.agent, args.id, args.agent)
    print(f"#{t.id} followers: {', '.join(t.followers) or '-'}")
    return 0


def cmd_notifications(desk: Desk, args: argparse.Namespace) -> int:
    if args.action == "read":
        if bool(args.ids) == args.all:
            raise Usage("give notification IDs or --all")
        n = mark_read(desk.store, desk.agent, None if args.all else args.ids)
        print(f"{n} marked read")
        return 0
    if args.ids:
        raise Usage("IDs go with `notifications read ID...`")
    items = list_notifications(desk.store, desk.agent, unread_only=not args.all)
    if args.json:
        _print_json([{"id": n.id, "ticket": n.ticket_id, "subject": n.subject, "text": n.text,
                      "actor": n.actor, "at": iso(n.created_at), "read": n.read_at is not None}
                     for n in items])
        return 0
    for n in items:
        mark = " " if n.read_at else "*"
        print(f"{n.id:>5} {mark} {local_time(desk, n.created_at)}  #{n.ticket_id:<6} "
              f"{sanitize_line(n.actor or 'mail')[:12]:<12} {sanitize_line(n.text)[:60]}"
              f"  · {sanitize_line(n.subject)[:40]}")
    if not items:
        print("no unread notifications" if not args.all else "no notifications")
    return 0


def cmd_spam(desk: Desk, args: argparse.Namespace) -> int:
    fn = actions.mark_not_spam if args.not_spam else actions.mark_spam
    t = fn(desk.store, desk.agent, args.id)
    print(f"#{t.id} is {t.status.value}")
    return 0


def cmd_delete(desk: Desk, args: argparse.Namespace) -> int:
    t = actions.trash(desk.store, desk.agent, args.id)
    print(f"#{t.id} moved to Trash ({t.status.value})")
    return 0


def cmd_restore(desk: Desk, args: argparse.Namespace) -> int:
    to = None
    if args.to:
        try:
            to = parse_inbox(args.to)
        except ValueError as e:
            raise Usage(str(e)) from None
    t = actions.restore(desk.store, desk.agent, args.id, to)
    who = " + ".join(x for x in (t.team and f"team {t.team}", t.assignee) if x) or "nobody"
    print(f"#{t.id} restored: {t.status.value}, assigned to {sanitize_line(who)}")
    return 0


def cmd_purge(desk: Desk, args: argparse.Namespace) -> int:
    purged = actions.purge_trash(desk.store)
    days = desk.store.settings.get("trash_days")
    print(f"{len(purged)} tickets removed for good (in Trash over {days} days)"
          + (": " + " ".join(f"#{i}" for i in purged) if purged else ""))
    return 0


def cmd_report(desk: Desk, args: argparse.Namespace) -> int:
    since = None
    if args.since.strip().lower() != "all":
        try:
            since = parse_since(args.since, datetime.now(UTC), desk.config.tz())
        except WhenError as e:
            raise Usage(str(e)) from None
    rows = report(desk.store, args.by, since)
    if args.json:
        _print_json({"by": args.by, "since": iso(since),
                     "rows": [{args.by: r.key, "tickets": r.tickets, "created": r.created}
                              for r in rows]})
    elif args.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow([args.by, "tickets", "created"])
        for r in rows:
            w.writerow([r.key, r.tickets, r.created])
    else:
        print(f"{args.by:<24} {'tickets':>7} {'created':>7}   since {local_time(desk, since)}"
              if since else f"{args.by:<24} {'tickets':>7} {'created':>7}   all time")
        for r in rows:
            print(f"{sanitize_line(r.key)[:24]:<24} {r.tickets:>7} {r.created:>7}")
    return 0


def cmd_history(desk: Desk, args: argparse.Namespace) -> int:
    actions.get_ticket(desk.store, args.id)
    entries = desk.store.tickets.history(args.id)
    if args.json:
        _print_json([{"at": iso(e.at), "actor": e.actor, "what": e.what} for e in entries])
    else:
        for e in entries:
            print(f"{local_time(desk, e.at)}  {sanitize_line(e.actor or 'system'):<12} "
                  f"{sanitize_line(e.what)}")
    return 0


# usage checks that need no store: run before the store is opened, so a typo on the
# command line is exit 2 even where there is no store yet
VALIDATORS: dict[str, Callable[[argparse.Namespace], None]] = {"assign": check_assign_args}

COMMANDS: dict[str, Callable[[Desk, argparse.Namespace], int]] = {
    "assign": cmd_assign, "status": cmd_status, "agent": cmd_agent, "team": cmd_team,
    "settings": cmd_settings, "follow": cmd_follow, "unfollow": cmd_follow,
    "notifications": cmd_notifications, "spam": cmd_spam, "delete": cmd_delete,
    "restore": cmd_restore, "purge": cmd_purge, "report": cmd_report, "history": cmd_history,
}
