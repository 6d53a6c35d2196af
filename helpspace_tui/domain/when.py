"""SPEC S4: reading a point in time as an agent types it, in the agent's time zone.

Pure: the caller passes `now` (aware) and the time zone; the result is aware UTC.

Accepted forms (case-insensitive):
- absolute: `2026-12-24 09:00`, `2026-12-24T09:00`, `2026-12-24`, `24.12.2026 9:00`
- relative: `3d`, `4h`, `90m`, `2w`, also combined and prefixed (`in 1d 4h`, `+2h`)
- named days: `today 17:00`, `tomorrow 9:00`, `tomorrow`, weekday names and short
  forms (`fri`, `friday 14:00`)
- times: `9`, `9:00`, `17:30`, `9am`, `5:30pm`

*Decisions:* a day without a time means 09:00 (the start of a working day). A weekday
means the next such day whose time is still ahead: on a Friday morning `fri 17:00` is
today, `fri 9:00` at noon is a week later.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

DEFAULT_TIME = time(9, 0)
EXAMPLES = "2026-12-24 09:00, 2026-12-24, tomorrow 9:00, today 17:00, fri 14:00, 3d, 4h, 90m"

_WEEKDAYS = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tue": 1, "tues": 1,
    "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}
_UNITS = {"m": 60, "min": 60, "mins": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_REL_PART = re.compile(r"(\d+)\s*(mins|min|m|h|d|w)")
_REL = re.compile(r"^(?:in\s+|\+)?((?:\d+\s*(?:mins|min|m|h|d|w)\s*)+)$")
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOT_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class WhenError(ValueError):
    """The text is not a time we understand; the message is one line with examples."""


def _fail(text: str, why: str = "") -> WhenError:
    reason = f" ({why})" if why else ""
    return WhenError(f"cannot read '{text}' as a time{reason}; try e.g. {EXAMPLES}")


def _parse_time(text: str, original: str) -> time:
    m = _TIME.match(text)
    if not m:
        raise _fail(original)
    hour, minute, ampm = int(m[1]), int(m[2] or 0), m[3]
    if ampm:
        if not 1 <= hour <= 12:
            raise _fail(original, "hour must be 1-12 with am/pm")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise _fail(original, "no such time of day")
    return time(hour, minute)


def _parse_date(text: str, original: str) -> date | None:
    m = _ISO_DATE.match(text)
    parts = (int(m[1]), int(m[2]), int(m[3])) if m else None
    if parts is None:
        m = _DOT_DATE.match(text)
        parts = (int(m[3]), int(m[2]), int(m[1])) if m else None
    if parts is None:
        return None
    try:
        return date(*parts)
    except ValueError:
        raise _fail(original, "no such date") from None


def _to_utc(day: date, at: time, tz: tzinfo | None) -> datetime:
    local = datetime.combine(day, at)
    if tz is None:
        return local.astimezone().astimezone(UTC)  # the system's zone
    return local.replace(tzinfo=tz).astimezone(UTC)


def _local_now(now: datetime, tz: tzinfo | None) -> datetime:
    return now.astimezone(tz) if tz is not None else now.astimezone()


MAX_SECONDS = 100 * 366 * 86400  # beyond this a datetime overflows soon enough


def parse_duration(text: str) -> timedelta | None:
    """`3d`, `4h`, `90m`, `2w`, `1d 4h`, `in 2h`, `+2h` -> a timedelta; None if not one."""
    m = _REL.match(text.strip().lower())
    if not m:
        return None
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _REL_PART.findall(m[1]))
    if seconds > MAX_SECONDS:
        raise _fail(text, "more than 100 years")
    return timedelta(seconds=seconds)


def parse_when(text: str, now: datetime, tz: tzinfo | None = None) -> datetime:
    """The moment `text` names, seen from `now` in time zone `tz` (None: the system's),
    as an aware UTC datetime. Raises WhenError (one line, with examples)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    original = text
    value = " ".join(text.strip().lower().replace(",", " ").split())
    if not value:
        raise _fail(original, "empty")
    delta = parse_duration(value)
    if delta is not None:
        if not delta:
            raise _fail(original, "zero length")
        return now.astimezone(UTC) + delta
    value = value.replace("t", " ", 1) if re.match(r"^\d{4}-\d{1,2}-\d{1,2}t", value) else value
    day_word, _, rest = value.partition(" ")
    local_now = _local_now(now, tz)
    at = _parse_time(rest, original) if rest else None
    day = _parse_date(day_word, original)
    if day is not None:
        return _to_utc(day, at or DEFAULT_TIME, tz)
    if day_word == "today":
        if at is None:
            raise _fail(original, "give a time: today 17:00")
        return _to_utc(local_now.date(), at, tz)
    if day_word == "tomorrow":
        return _to_utc(local_now.date() + timedelta(days=1), at or DEFAULT_TIME, tz)
    if day_word in _WEEKDAYS:
        at = at or DEFAULT_TIME
        ahead = (_WEEKDAYS[day_word] - local_now.weekday()) % 7
        candidate = _to_utc(local_now.date() + timedelta(days=ahead), at, tz)
        if candidate <= now:
            candidate = _to_utc(local_now.date() + timedelta(days=ahead + 7), at, tz)
        return candidate
    if not rest:
        # a time alone: the next time the clock shows it (today, else tomorrow)
        try:
            at = _parse_time(day_word, original)
        except WhenError:
            raise _fail(original) from None
        candidate = _to_utc(local_now.date(), at, tz)
        if candidate <= now:
            candidate = _to_utc(local_now.date() + timedelta(days=1), at, tz)
        return candidate
    raise _fail(original)


def parse_since(text: str, now: datetime, tz: tzinfo | None = None) -> datetime:
    """Start of a reporting period: a length back from now (`30d`, `2w`) or a date
    (`2026-01-01`, midnight in the agent's zone)."""
    value = text.strip().lower()
    delta = parse_duration(value)
    if delta is not None:
        try:
            return now.astimezone(UTC) - delta
        except OverflowError:
            raise _fail(text, "too far back") from None
    day = _parse_date(value, text)
    if day is None:
        raise WhenError(f"cannot read '{text}' as a period; try 30d, 2w, 12h or 2026-01-01")
    return _to_utc(day, time(0, 0), tz)
