"""Instants as integer microseconds since the Unix epoch, and RFC 3339 in and out.

The SLA core works on integers so that every comparison and every sum is exact:
an auditor's "due at 24:00" must never be 23:59:59.999999 because of a float.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sla_monitor.domain.messages import Message, message

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
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# The instants a datetime can hold: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z.
_FIRST_INSTANT = (date(1, 1, 1).toordinal() - _EPOCH_ORDINAL) * 86_400 * MICROS
_LAST_INSTANT = (date(9999, 12, 31).toordinal() - _EPOCH_ORDINAL + 1) * 86_400 * MICROS - 1


class TimestampError(ValueError):
    """A timestamp that is not RFC 3339 with an offset; `text` says so in English or, where
    it is shown to a person, in their language (render/i18n.py)."""

    def __init__(self, text: Message) -> None:
        super().__init__(str(text))
        self.text = text


def parse_rfc3339(text: str) -> Instant:
    """Parse an RFC 3339 timestamp that carries an offset; fractions beyond µs are cut."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        if _NO_OFFSET.fullmatch(text):
            raise TimestampError(
                message("{text!r} has no UTC offset; add one such as +07:00 or Z", text=text)
            )
        raise TimestampError(
            message(
                "{text!r} is not an RFC 3339 timestamp like 2026-03-02T09:30:00+07:00", text=text
            )
        )
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    if int(off_h or 0) > 23 or int(off_m or 0) > 59:
        raise TimestampError(message("{text!r} has an impossible UTC offset", text=text))
    # Integer arithmetic instead of datetime objects: every event is parsed, and this is
    # the parser's hottest line. date() still validates the calendar date.
    hh, mm, ss = int(hour), int(minute), int(second)
    try:
        days = date(int(year), int(month), int(day)).toordinal() - _EPOCH_ORDINAL
        if hh > 23 or mm > 59 or ss > 59:
            datetime(2000, 1, 1, hh, mm, ss)  # raises with datetime's own words
    except ValueError as exc:
        raise TimestampError(
            message("{text!r} is not a real date and time ({why})", text=text, why=exc)
        ) from None
    offset = 0 if zulu else int(off_h) * 3600 + int(off_m) * 60
    if sign == "-":
        offset = -offset
    micros = int((fraction or "0").ljust(6, "0")[:6])
    instant = (days * 86_400 + hh * 3600 + mm * 60 + ss - offset) * MICROS + micros
    if not _FIRST_INSTANT <= instant <= _LAST_INSTANT:  # e.g. 0001-01-01T00:00:00+07:00
        raise TimestampError(message("{text!r} is outside the years 1 to 9999", text=text))
    return instant


def parse_as_of(text: str) -> Instant:
    """An `as_of` given by a person: RFC 3339, within the years the calendars cover."""
    instant = parse_rfc3339(text)
    if not EARLIEST_AS_OF <= instant < LATEST_AS_OF:
        raise TimestampError(
            message("{text!r} is outside 2000-2100, the years sla-monitor can time", text=text)
        )
    return instant


def from_datetime(moment: datetime) -> Instant:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every instant needs a time zone")
    return micros_of(moment - EPOCH)


def micros_of(delta: timedelta) -> int:
    """A timedelta in whole microseconds, exactly."""
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


def local_midnights(first: date, last: date, zone: ZoneInfo) -> list[Instant]:
    """start_of_day of every date from `first` to `last`, in order, for tables of many years."""
    # A naive midnight has the wall time and fold (0) that start_of_day's aware one has, so
    # zone.utcoffset gives the same offset, a midnight skipped by DST included; it is
    # several times faster than building an aware datetime per day.
    micro, wall = timedelta(microseconds=1), datetime.fromordinal
    out = []
    for day in range(first.toordinal(), last.toordinal() + 1):
        offset = zone.utcoffset(wall(day))
        if offset is None:  # a ZoneInfo always has an offset; this keeps the type honest
            raise ValueError(f"{zone} has no UTC offset at {date.fromordinal(day)}")
        out.append((day - _EPOCH_ORDINAL) * 86_400 * MICROS - offset // micro)
    return out
