"""SPEC M2: which ticket a mail belongs to. Pure: lookups come in as callables."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Our token sits at the end of the subject of every mail we send: "Re: Invoice [#42]".
# Other systems' tags ("[Ticket#123]", "[#AB-12]") never match: digits only, right after "[#".
_TOKEN_AT_END = re.compile(r"\s*\[#(\d{1,12})\]\s*$")
_TOKEN_ANYWHERE = re.compile(r"\[#(\d{1,12})\]")
_REPLY_PREFIX = re.compile(
    r"^\s*((re|aw|sv|vs|antw|odp|wg|fw|fwd|tr|rv|r|ref)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE
)


def with_token(subject: str, ticket_id: int) -> str:
    """The subject of a mail we send for a ticket, carrying its token exactly once."""
    base = _TOKEN_ANYWHERE.sub("", subject).strip()
    return f"{base} [#{ticket_id}]" if base else f"[#{ticket_id}]"


def find_token(subject: str) -> int | None:
    """The ticket id in a subject, whether the token is still at the end or a mail
    client moved text after it ("Re: Invoice [#42] - thanks")."""
    m = _TOKEN_AT_END.search(subject) or _TOKEN_ANYWHERE.search(subject)
    return int(m.group(1)) if m else None


def reply_subject(subject: str) -> str:
    """'Re: ' + the subject without earlier reply prefixes or our token."""
    base = _REPLY_PREFIX.sub("", _TOKEN_ANYWHERE.sub("", subject)).strip()
    return f"Re: {base}" if base else "Re:"


@dataclass(frozen=True, slots=True)
class ThreadDecision:
    ticket_id: int | None
    reason: str  # why, in words an agent understands; shown per message


def decide_thread(
    *,
    message_id: str | None,
    in_reply_to: Sequence[str],
    references: Sequence[str],
    subject: str,
    sender: str | None,
    ticket_for_id: Callable[[str], int | None],
    token_allowed: Callable[[int, str], bool],
) -> ThreadDecision:
    """M2 in order: In-Reply-To (the direct parent wins over a mistyped References),
    then References nearest-first, then the mail's own Message-ID (a ghost id that an
    earlier mail referenced before this one arrived), then our subject token if the
    sender is the ticket's customer or one of its recipients. A subject alone never
    merges."""
    for mid in in_reply_to:
        tid = ticket_for_id(mid)
        if tid is not None:
            return ThreadDecision(tid, f"In-Reply-To <{mid}>")
    for mid in reversed(references):
        tid = ticket_for_id(mid)
        if tid is not None:
            return ThreadDecision(tid, f"References <{mid}>")
    if message_id:
        tid = ticket_for_id(message_id)
        if tid is not None:
            return ThreadDecision(tid, f"its Message-ID <{message_id}> was referenced earlier")
    token = find_token(subject)
    if token is not None and sender:
        if token_allowed(token, sender):
            return ThreadDecision(token, f"subject token [#{token}] from a participant")
        return ThreadDecision(None, f"new conversation (token [#{token}] ignored: sender not on it)")
    return ThreadDecision(None, "new conversation")
