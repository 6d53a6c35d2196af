"""Is a mail automatic? SPEC M4: auto-replies and bounces are attached but change nothing.

Headers are read raw (not through the email policy's header objects) because
the mails that matter here are often the malformed ones.
"""

from __future__ import annotations

import re
from email.message import Message

from helpspace_tui.domain.models import Address

__all__ = [
    "AUTO_REPLY",
    "BOUNCE",
    "auto_reply_reasons",
    "bounce_reasons",
    "classify",
    "raw_header",
]

AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"

_FOLD = re.compile(r"\r?\n[ \t]*")

# Out-of-office subjects as the big mail systems localise them. Matched at the
# start of the subject (after an optional "Re:"/"AW:"), case-insensitively.
_OOO_SUBJECT = re.compile(
    r"^\s*(?:(?:re|aw|sv|vs|r|rif|antw|fw|fwd|wg)\s*:\s*)*"
    r"(?:out\s+of\s+(?:the\s+)?office|automatic\s+reply|auto(?:matic)?[- ]?(?:reply|response)"
    r"|autoreply|on\s+vacation|vacation\s+reply|away\s+from\s+(?:the\s+)?office"
    r"|automatische\s+antwort|abwesenheitsnotiz|automatische\s+r[üu]ckantwort"
    r"|r[ée]ponse\s+automatique|absence\s+du\s+bureau|message\s+d'absence"
    r"|respuesta\s+autom[áa]tica|fuera\s+de\s+la\s+oficina"
    r"|risposta\s+automatica|fuori\s+sede"
    r"|resposta\s+autom[áa]tica"
    r"|automatisch\s+antwoord|afwezigheidsmelding"
    r"|autosvar|automatisk\s+svar|automaattinen\s+vastaus"
    r"|automatyczna\s+odpowied[źz]"
    r"|automatick[áa]\s+odpov[ěe][ďd]"
    r"|автоматический\s+ответ|自動応答|自动回复|자동\s*응답)",
    re.IGNORECASE,
)

_BOUNCE_SUBJECT = re.compile(
    r"(?:undeliver(?:ed|able)|delivery\s+status\s+notification\s*\((?:failure|delay)"
    r"|mail\s+delivery\s+(?:failed|failure|system|subsystem)|returned\s+mail"
    r"|delivery\s+(?:failure|has\s+failed|failed)|failure\s+notice|non[- ]?delivery"
    r"|unzustellbar|nicht\s+zustellbar|non\s+remis|no\s+se\s+puede\s+entregar"
    r"|mail\s+could\s+not\s+be\s+delivered|message\s+not\s+delivered|banned\s+file)",
    re.IGNORECASE,
)

_DAEMON_LOCALPART = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)$", re.I)


def raw_header(msg: Message, name: str) -> str | None:
    """First value of a header, unfolded, without the policy's parsing (which may raise)."""
    lname = name.lower()
    try:
        for k, v in msg.raw_items():
            if k.lower() == lname:
                return _FOLD.sub(" ", str(v)).strip()
    except Exception:  # noqa: BLE001 - a broken message object is "no such header"
        return None
    return None


def _has_header(msg: Message, name: str) -> bool:
    return raw_header(msg, name) is not None


def _report_type(msg: Message) -> str | None:
    ctype = raw_header(msg, "Content-Type") or ""
    if not ctype.lower().lstrip().startswith("multipart/report"):
        return None
    m = re.search(r"report-type\s*=\s*\"?([\w-]+)", ctype, re.I)
    return m.group(1).lower() if m else ""


def _has_delivery_status_part(msg: Message) -> bool:
    try:
        for i, part in enumerate(msg.walk()):
            if i > 50:
                return False
            ctype = (raw_header(part, "Content-Type") or "").lower().lstrip()
            if ctype.startswith(("message/delivery-status", "message/global-delivery-status")):
                return True
    except Exception:  # noqa: BLE001 - malformed trees are simply not DSNs
        return False
    return False


def bounce_reasons(msg: Message, subject: str, sender: Address | None) -> list[str]:
    """Why this looks like a delivery failure (empty list: it does not)."""
    reasons: list[str] = []
    rtype = _report_type(msg)
    if rtype == "delivery-status":
        reasons.append("report:delivery-status")
    local = sender.addr.split("@", 1)[0] if sender and sender.addr else ""
    from_daemon = bool(_DAEMON_LOCALPART.match(local))
    if sender and not sender.addr and re.search(r"mailer.?daemon", sender.name, re.I):
        from_daemon = True  # "MAILER DAEMON <>"
    bounce_subject = bool(_BOUNCE_SUBJECT.search(subject or ""))
    return_path = raw_header(msg, "Return-Path")
    null_sender = return_path is not None and return_path.replace(" ", "") in ("<>", "")
    if from_daemon and (bounce_subject or rtype is not None or null_sender):
        reasons.append("from:mailer-daemon")
    elif from_daemon and local.lower() != "postmaster":
        # mailer-daemon@ sends nothing but bounces; postmaster@ is also a person.
        reasons.append("from:mailer-daemon")
    if null_sender and bounce_subject:
        reasons.append("null-return-path+subject")
    if bounce_subject and (from_daemon or rtype == "delivery-status"):
        reasons.append("subject")
    if rtype is None and _has_delivery_status_part(msg):
        reasons.append("part:delivery-status")  # DSN parts sent as multipart/mixed
    if _has_header(msg, "X-Failed-Recipients"):
        reasons.append("x-failed-recipients")
    return reasons


def auto_reply_reasons(msg: Message, subject: str, sender: Address | None) -> list[str]:
    """Why this looks like an automatic reply (empty list: it does not)."""
    reasons: list[str] = []
    auto_submitted = (raw_header(msg, "Auto-Submitted") or "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        reasons.append(f"auto-submitted:{auto_submitted.split(';')[0].strip()}")
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Vacation"):
        val = raw_header(msg, name)
        if val is not None and val.strip().lower() not in ("no", "false", "0"):
            reasons.append(name.lower())
    if (raw_header(msg, "X-Autogenerated") or "").strip().lower() == "reply":
        reasons.append("x-autogenerated:reply")
    precedence = (raw_header(msg, "Precedence") or "").strip().lower()
    if precedence in ("auto_reply", "bulk", "junk", "list"):
        reasons.append(f"precedence:{precedence}")
    if (raw_header(msg, "X-Autoresponse") or raw_header(msg, "X-Auto-Reply")) is not None:
        reasons.append("x-autoresponse")
    ooo_subject = bool(_OOO_SUBJECT.search(subject or ""))
    if ooo_subject:
        reasons.append("subject")
    # Outlook sets X-Auto-Response-Suppress on ordinary mail too: it only
    # counts when something else already points the same way.
    suppress = (raw_header(msg, "X-Auto-Response-Suppress") or "").lower()
    if reasons and suppress or suppress and ("oof" in suppress or suppress.strip() == "all") and ooo_subject:
        reasons.append("x-auto-response-suppress")
    if _report_type(msg) == "disposition-notification":
        reasons.append("report:disposition-notification")  # read receipts
    return reasons


def classify(msg: Message, subject: str, sender: Address | None) -> str | None:
    """None for a person's mail, else "bounce" or "auto_reply". Bounce beats auto_reply."""
    if bounce_reasons(msg, subject, sender):
        return BOUNCE
    if auto_reply_reasons(msg, subject, sender):
        return AUTO_REPLY
    return None
