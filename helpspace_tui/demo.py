"""`helpspace demo`: the app on built-in sample data, with no server and no network.

The sample mails in `demo_data/` go through the same `ingest_raw` as IMAP mail, into a
store of their own; then the real services shape a day's work on them (agents, replies,
escalations, tags, a note, a waiting timer, closed tickets), and the replies are
"sent" as .eml files into a folder. Headless: textual is imported only by `run_demo`.
"""

from __future__ import annotations

import re
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from importlib import resources
from pathlib import Path

from helpspace_tui.config import Config
from helpspace_tui.domain.models import Agent, Status
from helpspace_tui.services import actions
from helpspace_tui.services.delivery import deliver_outbox
from helpspace_tui.services.desk import DEMO_SENDER, FolderSender
from helpspace_tui.services.identity import current_agent
from helpspace_tui.services.ingest import ingest_raw
from helpspace_tui.store import Store
from helpspace_tui.store.db import utcnow

DATA_DIR = "demo_data"  # package data of helpspace_tui (pyproject.toml)
STORE_NAME = "demo.db"
OUTBOX_NAME = "outbox"
# the newest sample mail arrives this long before the demo starts
NEWEST_AGE = timedelta(hours=1)
WORK_STEPS = 60  # at most this many agent actions, one second apart, from `now` on

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_DATE_HEADER = re.compile(rb"(?im)^Date:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)")


@dataclass(frozen=True, slots=True)
class DemoMail:
    name: str  # file stem, e.g. "01_login-2fa-de"
    raw: bytes
    date: datetime  # from its Date header, aware


def demo_mails() -> list[DemoMail]:
    """The sample mails in ingest order (by file name), with their original dates."""
    files = sorted(
        (f for f in (resources.files("helpspace_tui") / DATA_DIR).iterdir()
         if f.name.endswith(".eml")),
        key=lambda f: f.name,
    )
    out = []
    for f in files:
        raw = f.read_bytes()
        out.append(DemoMail(f.name.removesuffix(".eml"), raw, _header_date(raw)))
    return out


def _header_date(raw: bytes) -> datetime:
    m = _HEADER_END.search(raw)
    head = raw[: m.start()] if m else raw
    found = _DATE_HEADER.search(head)
    if not found:
        raise ValueError("demo mail without a Date header")
    value = re.sub(rb"\s+", b" ", found.group(1)).decode("ascii").strip()
    dt = parsedate_to_datetime(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _with_date(raw: bytes, when: datetime) -> bytes:
    """The mail with its (top-level) Date header set to `when`, in `when`'s own zone."""
    m = _HEADER_END.search(raw)
    split = m.start() if m else len(raw)
    head, rest = raw[:split], raw[split:]
    new = format_datetime(when).encode("ascii")
    head = _DATE_HEADER.sub(lambda _: b"Date: " + new, head, count=1)
    return head + rest


def shifted_mails(now: datetime) -> list[tuple[DemoMail, bytes, datetime]]:
    """Every mail moved in time so the newest is NEWEST_AGE before `now` (relative
    spacing kept, whole minutes): (mail, raw with new Date, new date)."""
    mails = demo_mails()
    newest = max(m.date for m in mails)
    shift = (now - NEWEST_AGE) - newest
    shift = timedelta(minutes=shift // timedelta(minutes=1))
    out = []
    for m in mails:
        when = (m.date + shift).astimezone(m.date.tzinfo)
        out.append((m, _with_date(m.raw, when), when))
    return out


# --- the day's work ------------------------------------------------------------------

REPLIES = {
    # file stem of the ticket's first mail -> (agent key, body)
    "01_login-2fa-de": ("you", """Hallo Herr Weber,

danke für die ausführliche Beschreibung. Sie haben recht: seit dem Update am
Wochenende wurde bei einigen Konten das erlaubte Zeitfenster für TOTP-Codes zu
eng geprüft. Der Fehler ist behoben; bitte versuchen Sie es noch einmal.

Falls es weiterhin nicht klappt, setzen wir die Zwei-Faktor-Anmeldung zurück,
sobald Sie uns als Owner kurz telefonisch bestätigt haben.

Viele Grüße
Acme Cloud Support"""),
    "03_facture-pdf-fr": ("maria", """Bonjour Madame Durand,

merci pour votre message. Vous avez raison : les 5 sièges ajoutés puis
supprimés le même jour ont été facturés à tort pour le mois entier.

Nous avons suspendu le prélèvement du 25 mars et vous enverrons la facture
rectifiée (154,80 € TTC) d'ici demain.

Bien cordialement,
Maria – Acme Cloud Support"""),
    "11_gdpr-export": ("kenji", """Dear Ms Kowalski,

we confirm receipt of your request under Articles 15 and 20 GDPR.

The export of your workspace (JSON, one file per data category) is being
prepared and will be ready within 5 working days. As requested, the download
link will be sent to this address only; the password will follow by SMS to
the phone number in your account.

The list of our sub-processors, the purposes and storage periods is in our
data processing agreement: https://acme-cloud.example/legal/dpa

Kind regards,
Kenji – Acme Cloud Support"""),
}

NOTE_ON = "02_api-429-alternative"
NOTE = """@maria the 120/min looks like the old per-IP limiter in front of the API gateway,
not their plan limit. Kenji is checking the gateway config; can you confirm their
Business upgrade on March 1st went through in billing?"""

ESCALATE = ["16_outage-502", "33_sso-safari-loop"]
ASSIGN = {
    "02_api-429-alternative": "kenji",
    "05_reembolso-es": "maria",
    "07_csv-import-ja": "kenji",
    "13_invoice-vat-id": "maria",
    "16_outage-502": "you",
    "04_feature-saml-groups": "you",
    "20_webhook-signatures": "kenji",
    "35_refund-seats": "maria",
}
TAGS = {
    "01_login-2fa-de": ["login"],
    "12_password-reset-link": ["login"],
    "33_sso-safari-loop": ["login", "bug"],
    "03_facture-pdf-fr": ["billing"],
    "13_invoice-vat-id": ["billing"],
    "32_invoice-name-ja": ["billing"],
    "08_order-question-html": ["billing", "sales"],
    "05_reembolso-es": ["billing", "refund"],
    "35_refund-seats": ["billing", "refund"],
    "11_gdpr-export": ["gdpr"],
    "04_feature-saml-groups": ["feature-request", "sso"],
    "19_emoji-deploy-previews": ["feature-request"],
    "37_feature-terraform": ["feature-request"],
    "07_csv-import-ja": ["bug", "import"],
    "20_webhook-signatures": ["bug", "api"],
    "26_storage-quota-bug": ["bug"],
    "02_api-429-alternative": ["api", "rate-limit"],
    "16_outage-502": ["outage"],
    "14_hostile-markup-escapes": ["phishing"],
}
FOLLOW = {"you": ["02_api-429-alternative", "11_gdpr-export", "26_storage-quota-bug"]}
TIMER_ON = "11_gdpr-export"  # waiting until in two days, then open again
CLOSE = ["14_hostile-markup-escapes", "12_password-reset-link"]


@dataclass(frozen=True, slots=True)
class DemoBuild:
    tickets: dict[str, int]  # file stem -> ticket id (of every ingested mail)
    agents: dict[str, Agent]  # "you", "maria", "kenji"
    sent: int  # replies delivered into the outbox folder


def build_demo_store(path: Path, now: datetime | None = None,
                     outbox_dir: Path | None = None) -> DemoBuild:
    """Create the demo store at `path`: ingest the sample mails (dates shifted so they
    end an hour before `now`), then work them with the real services. Replies are
    delivered as .eml files into `outbox_dir` (default: `outbox` beside the store)."""
    now = now or utcnow()
    outbox_dir = outbox_dir or Path(path).parent / OUTBOX_NAME
    store = Store(path)
    try:
        tickets: dict[str, int] = {}
        with store.write():
            for mail, raw, when in shifted_mails(now):
                arrived = when.astimezone(UTC) + timedelta(seconds=7)
                result = ingest_raw(store, raw, internaldate=arrived, now=arrived)
                if result.ticket_id is not None:
                    tickets[mail.name] = result.ticket_id
        agents = _agents(store, now)
        _work(store, agents, tickets, now)
        report = deliver_outbox(store, lambda: FolderSender(outbox_dir),
                                now=now + timedelta(seconds=WORK_STEPS + 1))
        return DemoBuild(tickets, agents, len(report.sent))
    finally:
        store.close()


def _agents(store: Store, now: datetime) -> dict[str, Agent]:
    you = current_agent(store)  # the OS user: "you" in the app, and the store's admin
    found = {"you": you}
    with store.write():
        for name in ("maria", "kenji"):
            agent = store.agents.by_name(name)
            if agent is None:
                agent = store.agents.add(name, now - timedelta(days=30),
                                         email=f"{name}@acme-cloud.example", is_admin=False)
            found[name] = agent
    return found


def _work(store: Store, agents: dict[str, Agent], tickets: dict[str, int], now: datetime) -> None:
    """A morning's work, as the agents would do it in the app."""
    you = agents["you"]
    # the agents start right after the mail came in (ingest records its events at the
    # real time): one action a second, so the tickets' history reads in order
    clock = iter(now + timedelta(seconds=1 + i) for i in range(WORK_STEPS))

    for stem, tags in TAGS.items():
        actions.tag(store, you, tickets[stem], tags, [], now=next(clock))
    for stem, who in ASSIGN.items():
        actions.assign(store, you, tickets[stem], agents[who].name, now=next(clock))
    for stem in ESCALATE:
        actions.set_status(store, you, tickets[stem], Status.ESCALATED, now=next(clock))
    for stem in CLOSE:
        actions.set_status(store, you, tickets[stem], Status.CLOSED, now=next(clock))
    actions.note(store, agents["kenji"], tickets[NOTE_ON], NOTE, now=next(clock))
    with store.write():  # R5: the @mention makes maria a follower
        store.tickets.follow(tickets[NOTE_ON], agents["maria"].id)
        for who, stems in FOLLOW.items():
            for stem in stems:
                store.tickets.follow(tickets[stem], agents[who].id)
    for stem, (who, body) in REPLIES.items():
        actions.reply(store, agents[who], tickets[stem], body, sender=DEMO_SENDER, now=next(clock))
    at = next(clock)
    actions.set_status(store, agents["kenji"], tickets[TIMER_ON], Status.WAITING,
                       until=now + timedelta(days=2), then=Status.OPEN, now=at)


# --- the command -------------------------------------------------------------------

def run_demo(store_path: Path | None) -> int:
    """`helpspace demo [--store PATH]`: build (or reuse) the demo store, open the app."""
    if store_path is None:
        base = Path(tempfile.mkdtemp(prefix="helpspace-demo-"))
        store_path = base / STORE_NAME
    else:
        store_path = Path(store_path).expanduser().resolve()
        base = store_path.parent
    outbox_dir = base / OUTBOX_NAME
    if not store_path.exists():
        build_demo_store(store_path, outbox_dir=outbox_dir)
    outbox_dir.mkdir(parents=True, exist_ok=True)
    print(f"helpspace demo: store {store_path}, sent mail goes to {outbox_dir}", file=sys.stderr)
    config = Config(path=base / "config.toml", store_path=store_path)

    from helpspace_tui.app import run_app  # lazily: pulls in textual

    return run_app(config, store_path=store_path, outbox_dir=outbox_dir)
