"""Instants as integer microseconds since the Unix epoch, and RFC 3339 in and out.

The SLA core works on integers so that every comparison and every sum is exact:
an auditor's "due at 24:00" must never be 23:59:59.999999 because of a float.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

Instant = int  # microseconds since 1970-01-01T00:00:00Z

MICROS = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# ASCII digits only, and the whole text: fullwidth digits or a trailing newline are not RFC 3339.
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)
_NO_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?", re.ASCII)
# The instants the calendars cover (calendar.py): an as_of outside them has no meaning here.
EARLIEST_AS_OF = 946_684_800 * 1_000_000  # 2000-01-01T00:00:00Z
LATEST_AS_OF = 4_133_980_800 * 1_000_000  # 2101-01-01T00:00:00Z


class TimestampError(ValueError):
    """A timestamp that is not RFC 3339 with an offset."""


def parse_rfc3339(text: str) -> Instant:
    """Parse an RFC 3339 timestamp that carries an offset; fractions beyond µs are cut."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        if _NO_OFFSET.fullmatch(text):
            raise TimestampError(f"{text!r} has no UTC offset; add one such as +07:00 or Z")
        raise TimestampError(
            f"{text!r} is not an RFC 3339 timestamp like 2026-03-02T09:30:00+07:00"
        )
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    if int(off_h or 0) > 23 or int(off_m or 0) > 59:
        raise TimestampError(f"{text!r} has an impossible UTC offset")
    offset = timedelta(0)
    if not zulu:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        if sign == "-":
            offset = -offset
    micros = int((fraction or "0").ljust(6, "0")[:6])
    try:
        naive = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micros
        )
    except ValueError as exc:
        raise TimestampError(f"{text!r} is not a real date and time ({exc})") from None
    try:
        return from_datetime(naive.replace(tzinfo=UTC) - offset)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+07:00, before the first representable instant
        raise TimestampError(f"{text!r} is outside the years 1 to 9999") from None


def parse_as_of(text: str) -> Instant:
    """An `as_of` given by a person: RFC 3339, within the years the calendars cover."""
    instant = parse_rfc3339(text)
    if not EARLIEST_AS_OF <= instant < LATEST_AS_OF:
        raise TimestampError(f"{text!r} is outside 2000-2100, the years sla-monitor can time")
    return instant


def from_datetime(moment: datetime) -> Instant:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every instant needs a time zone")
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * MICROS + delta.microseconds


def to_datetime(instant: Instant, zone: tzinfo = UTC) -> datetime:
    return (EPOCH + timedelta(microseconds=instant)).astimezone(zone)


def format_rfc3339(instant: Instant, zone: tzinfo = UTC) -> str:
    """RFC 3339 in the given zone's offset; whole seconds unless there is a fraction."""
    moment = to_datetime(instant, zone)
    spec = "seconds" if moment.microsecond == 0 else "microseconds"
    text = moment.isoformat(timespec=spec)
    return text[:-6] + "Z" if text.endswith("+00:00") and zone is UTC else text


def local_date(instant: Instant, zone: tzinfo) -> date:
    return to_datetime(instant, zone).date()


def start_of_day(day: date, zone: ZoneInfo) -> Instant:
    """The first instant of a local date (DST-safe: a gap at midnight starts the day later)."""
    return local_instant(day, time(0), zone)


def local_instant(day: date, clock: time, zone: ZoneInfo) -> Instant:
    """The instant a wall clock shows `clock` on `day`; a time skipped by DST maps forward."""
    return from_datetime(datetime.combine(day, clock, tzinfo=zone))


def next_midnight(instant: Instant, zone: ZoneInfo) -> Instant:
    """The start of the local day after the one containing `instant`."""
    return start_of_day(local_date(instant, zone) + timedelta(days=1), zone)


def seconds(micros: int) -> int:
    """Whole seconds, rounded down, for output."""
    return micros // MICROS
