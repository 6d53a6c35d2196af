"""Quoted history and signatures of a reply, so the conversation shows the new text first.

`split_reply(text) -> (new, rest)`: `new` is what the sender wrote in this mail, `rest`
the quoted history, forwarded headers and signature that the view folds away. Pure and
fast: each line is classified once by precompiled patterns, then the reply is cut at the
first delimiter, attribution line ("On … wrote:", "Am … schrieb:", "Le … a écrit :" and
the other languages below) or mail-header block (Outlook's "From: / Sent: / To:") that
follows text. A reply written below the quote (bottom-posting, forwards) is found after
the quote. Quotes interleaved with text stay: they are an inline answer. Never returns
an empty `new` for a mail with text: if everything looks quoted, all of it is new.
"""

from __future__ import annotations

import re

# Line kinds.
EMPTY, TEXT, QUOTE, DELIM, SIG_LINE, ATTRIB, HEADER = "e", "t", "q", "d", "s", "b", "h"

_MAX_ATTRIB_LINES = 5  # an attribution wrapped by the mailer over at most this many lines
_MAX_ATTRIB_CHARS = 300
_HEADER_WINDOW = 6  # a header block: 3 header lines among this many non-empty lines
_MIN_ANSWER_LINES = 6  # text below a quote this long is an answer, not a signature
_MAX_SIG_WORDS = 10  # "Sent from my desk, which is easier than …" is prose

_QUOTE = re.compile(r"^[ \t]*(?:>|\|(?:[ \t]|$)|[A-Za-z]{1,12}>(?:[ \t]|$))")
_FENCE = re.compile(r"^[ \t]*(?:```|~~~)")

# Lines that end the reply: "-- " signatures, rules of one repeated symbol, the markers
# mail clients put above a quoted or forwarded mail, Gmail's U+1427 tracking mark.
_RULE = re.compile(r"^[ \t]*(?:--[ \t]*|([-_=~*#+\u2014\u2013])\1{1,}[ \t]*|\u1427[ \t]*)$")
_MARKER = re.compile(
    r"^[ \t>]*[-*_=\u2014 \t]*(?:"
    r"original message|forwarded message|begin forwarded message|ursprüngliche nachricht"
    r"|weitergeleitete nachricht|originalnachricht|mensaje original|mensaje reenviado"
    r"|message d'origine|message transféré|messaggio originale|messaggio inoltrato"
    r"|oorspronkelijk bericht|doorgestuurd bericht|originalmeddelande|vidarebefordrat meddelande"
    r"|opprinnelig melding|videresendt melding|oprindelig meddelelse|wiadomość oryginalna"
    r"|przekazana wiadomość|исходное сообщение|пересылаемое сообщение|оригінальне повідомлення"
    r"|mensagem original|mensagem encaminhada"
    r"|原始邮件|原始郵件|转发的邮件|元のメッセージ|転送されたメッセージ"
    r")[ \t]*:?[-*_=\u2014 \t]*$",
    re.IGNORECASE,
)

# Whole-line "sent from my phone" signatures, in the languages of the corpus.
_MOBILE_SIG = re.compile(
    r"^[ \t(<*_]*(?:"
    r"(?:sent|envoyé|enviado|inviato|wysłane|verzonden|sendt|skickat|gesendet|отправлено)"
    r"[ \t]+(?:from|with|via|by|using|on|depuis|avec|de|desde|con|da|z|met|vanaf|fra|från|von|с)\b"
    r"|(?:von|via)[ \t]+mein(?:em|er)?\b.*\bgesendet\b"
    r"|diese nachricht wurde von meinem\b"
    r"|(?:get|download)[ \t]+(?:\[)?outlook[ \t]+for\b"
    r"|from[ \t]+my[ \t]+(?:iphone|ipad|android|mobile|phone|samsung|blackberry)"
    r"|\S+[ \t]+from[ \t]+(?:my[ \t]+)?mobile\b"
    r"|发自我的|從我的|iphoneから送信|来自我的"
    r").{0,120}$",
    re.IGNORECASE,
)

# "... wrote:" in 12+ languages. The verb ends the line, or (German, Scandinavian
# "skrev", some clients) is followed by the date or name and a closing colon.
_VERBS = (
    r"wrote|writes|has written|schrieb|geschrieben|a écrit|a ecrit|escribió|escribio"
    r"|escreveu|ha scritto|scrisse|het volgende geschreven|schreef|geschreven|skrev"
    r"|skrev følgende|napisał\(a\)|napisała|napisał|написал\(а\)|написала|написал|написав"
    r"|пише|пишет|kirjoitti|írta|έγραψε|yazdı|napsal|napísal"
)
_ATTRIB_END = re.compile(
    rf"(?:(?<![^\W\d_])(?:{_VERBS})(?![^\W\d_])|写道|寫道|のメッセージ|書きました|書き込みました)"
    r"(?:[^\n]{0,120}?[:：]|[ \t]*[:：]?)[ \t*\-]*$",
    re.IGNORECASE,
)
# A Gmail attribution that is only a date and a name: "2016-03-03 17:21 GMT+01:00 Some One".
_DATE_ATTRIB = re.compile(
    r"^[ \t]*\d{4}(?:[-/.]\d{1,2}[-/.]\d{1,2}|年\d{1,2}月\d{1,2}日)[ \t,]+"
    r"(?:\d{1,2}:\d{2}[^\n]*|[^\n]*(?:<[^\n]*>|<)[ \t]*[:：]?)$"
)
# How a wrapped attribution starts: a date-ish word or number, or a name and address.
_ATTRIB_START = re.compile(
    r"^[ \t*\-]*(?:on|at|am|le|el|em|il|op|den|dnia|w dniu|kl|在|\d|[^\n]*(?:<|@|\"))",
    re.IGNORECASE,
)
_HAS_DIGIT_OR_AT = re.compile(r"[\d@]")
_DIGIT = re.compile(r"\d")

_HEADER_NAMES = (
    r"from|sent|to|cc|bcc|subject|date|reply-to|von|gesendet|an|betreff|datum|kopie"
    r"|de|envoyé|à|a|objet|para|enviado|enviada|asunto|fecha|assunto|da|inviato|oggetto"
    r"|data|risposta|van|verzonden|aan|onderwerp|från|skickat|till|ämne|fra|sendt|til|emne"
    r"|od|wysłano|do|temat|от|отправлено|кому|тема|дата|копия|від|надіслано|тема"
    r"|发件人|发送时间|收件人|抄送|主题|日期|寄件者|收件者|主旨|差出人|送信日時|宛先|件名"
)
_HEADER = re.compile(
    rf"^[ \t]*[*_]{{0,2}}(?:{_HEADER_NAMES})[ \t]*[*_]{{0,2}}[ \t]*[:：][*_]{{0,2}}(?:[ \t]|$)",
    re.IGNORECASE,
)
# Outlook flattened to one line: "From: X Sent: Monday … To: Y Subject: Z".
_HEADER_ONE_LINE = re.compile(
    r"^[ \t]*[*_]{0,2}(?:from|von|de|da|van|från|fra|od|от)[ \t]*[*_]{0,2}:.{1,200}?"
    r"\b(?:sent|gesendet|envoyé|enviado|inviato|verzonden|skickat|sendt|wysłano|date|datum)"
    r"[ \t]*[*_]{0,2}:",
    re.IGNORECASE,
)


def _attribution_at(lines: list[str], i: int) -> int:
    """How many lines from i form an attribution ("On … wrote:"), 0 if none."""
    first = lines[i]
    if len(first) > _MAX_ATTRIB_CHARS:
        return 0
    if _plausible(first) and (_ATTRIB_END.search(first) or _DATE_ATTRIB.match(first)):
        return 1
    if not _ATTRIB_START.match(first) or not _HAS_DIGIT_OR_AT.search(first):
        return 0
    joined = first.strip()
    for k in range(1, _MAX_ATTRIB_LINES):
        if i + k >= len(lines):
            break
        nxt = lines[i + k].lstrip(" \t>").strip()
        if not nxt:
            continue
        joined = f"{joined} {nxt}"
        if len(joined) > _MAX_ATTRIB_CHARS:
            break
        if _DIGIT.search(nxt) and (_ATTRIB_END.search(nxt) or _DATE_ATTRIB.match(nxt)):
            return 0  # that line is an attribution of its own: this one is prose
        if _ATTRIB_END.search(joined) and _plausible(joined):
            return k + 1
        if nxt.endswith((".", "!", "?")):
            break  # a sentence ended: this is prose, not a wrapped attribution
    return 0


def _plausible(s: str) -> bool:
    """An attribution names a date or an address; "My colleague wrote:" is prose."""
    return bool(_HAS_DIGIT_OR_AT.search(s)) or "写道" in s or "寫道" in s


def classify(lines: list[str]) -> list[str]:
    kinds: list[str] = []
    in_fence = False
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if _FENCE.match(line):
            in_fence = not in_fence
            kinds.append(TEXT)
            i += 1
            continue
        if in_fence:
            kinds.append(TEXT if line.strip() else EMPTY)
            i += 1
            continue
        if not line.strip():
            kinds.append(EMPTY)
        elif _QUOTE.match(line):
            kinds.append(QUOTE)
        elif _RULE.match(line) or _MARKER.match(line):
            kinds.append(DELIM)
        elif _MOBILE_SIG.match(line) and len(line.split()) <= _MAX_SIG_WORDS:
            kinds.append(SIG_LINE)
        elif _HEADER_ONE_LINE.match(line):
            kinds.append(HEADER + "!")  # a whole header block on one line
        else:
            span = _attribution_at(lines, i)
            if span:
                kinds.extend([ATTRIB] * span)
                i += span
                continue
            kinds.append(HEADER if _HEADER.match(line) else TEXT)
        i += 1
    _extend_header_blocks(kinds)
    return kinds


def _extend_header_blocks(kinds: list[str]) -> None:
    """A header's value wrapped onto the next line ("Subject: a long\\n subject") is
    part of the header block, up to the blank line that ends the block."""
    i = 0
    n = len(kinds)
    while i < n:
        if kinds[i].startswith(HEADER) and i + 1 < n and kinds[i + 1].startswith(HEADER):
            j = i
            while j < n and kinds[j] in (HEADER, TEXT, HEADER + "!") and j - i < 12:
                if kinds[j] == TEXT:
                    # a wrapped value only directly between or after header lines
                    if not kinds[j - 1].startswith(HEADER):
                        break
                    kinds[j] = HEADER
                j += 1
            i = j
        else:
            i += 1


def _is_header_block(kinds: list[str], i: int) -> bool:
    if kinds[i] == HEADER + "!":
        return True
    if kinds[i] != HEADER:
        return False
    seen = headers = 0
    for k in kinds[i:]:
        if k == EMPTY:
            continue
        seen += 1
        headers += k.startswith(HEADER)
        if headers >= 3:
            return True
        if seen >= _HEADER_WINDOW:
            break
    return False


def _interleaved(kinds: list[str], i: int) -> bool:
    """An attribution at i whose quote is answered below it, piece by piece: the text
    after the quote is followed by more quote, or is too long to be a signature."""
    n = len(kinds)
    j = i
    while j < n and kinds[j] in (ATTRIB, EMPTY):
        j += 1
    if j >= n or kinds[j] != QUOTE:
        return False
    while j < n and kinds[j] in (QUOTE, EMPTY):
        j += 1
    text_lines = 0
    while j < n and kinds[j] in (TEXT, EMPTY, SIG_LINE):
        text_lines += kinds[j] == TEXT
        j += 1
    if not text_lines:
        return False
    return (j < n and kinds[j] == QUOTE) or text_lines >= _MIN_ANSWER_LINES


def _cut(kinds: list[str], start: int) -> tuple[int, set[int]]:
    """Index of the first line from `start` where quoted history begins after text, and
    the attribution lines of inline-answered quotes before it (folded, the quotes stay)."""
    seen_text = False
    skipped: set[int] = set()
    i = start
    n = len(kinds)
    while i < n:
        k = kinds[i]
        if k == TEXT:
            seen_text = True
        elif k == DELIM:
            return i, skipped
        elif seen_text and k == ATTRIB:
            if not _interleaved(kinds, i):
                return i, skipped
            while i < n and kinds[i] == ATTRIB:
                skipped.add(i)
                i += 1
            continue
        elif seen_text and _is_header_block(kinds, i):
            return i, skipped
        i += 1
    return n, skipped


def split_reply(text: str) -> tuple[str, str]:
    """(new text, folded rest: quoted history, forwarded headers, signature)."""
    if not text or not text.strip():
        return "", ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kinds = classify(lines)
    n = len(lines)

    # Where the new text starts: at once, unless the mail opens with an attribution,
    # a delimiter or a header block (a bottom-posted reply or a forward): then at the
    # first text after that block. Leading quotes without an attribution are kept: they
    # are the part being answered.
    start = 0
    while start < n and kinds[start] == EMPTY:
        start += 1
    if start < n and (kinds[start] in (ATTRIB, DELIM) or _is_header_block(kinds, start)):
        j = start
        while j < n and kinds[j] != TEXT:
            j += 1
        start = j
    end, skipped = _cut(kinds, start)
    keep = [i for i in range(start, end) if kinds[i] != SIG_LINE and i not in skipped]
    # quotes and blank lines trailing the new text belong to the history
    while keep and kinds[keep[-1]] in (QUOTE, EMPTY):
        keep.pop()
    if not any(kinds[i] == TEXT for i in keep):
        return _strip_blank(lines), ""
    kept = set(keep)
    new = _strip_blank([lines[i] for i in keep])
    rest = _strip_blank([ln for i, ln in enumerate(lines) if i not in kept])
    return new, rest


def _strip_blank(lines: list[str]) -> str:
    """Join, dropping blank lines at both ends and trailing spaces (indentation stays)."""
    out = [ln.rstrip() for ln in lines]
    while out and not out[0]:
        out.pop(0)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
