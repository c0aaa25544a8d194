"""Times written without a UTC offset, as spreadsheets write them, read in a known zone.

Only on request (`sla-monitor import --assume-local`): the same text is another instant in
each zone, so the importer takes the zone of the claim's branch, and a time it cannot place
for certain (a zone's clocks going back or forward) is refused rather than guessed.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sla_monitor.domain.timeutil import Instant, micros_of

# ISO as spreadsheets and databases export it: 2026-11-10 10:00[:00[.5]], with T or a space.
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?", re.ASCII
)
# Indonesian, day first: 10/11/2026 09:15[:00], also 9.15 as Indonesian Excel writes the time.
_DAY_FIRST = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?", re.ASCII
)
_EPOCH = datetime(1970, 1, 1)  # naive: the epoch on a wall clock


def wall_clock(text: str) -> datetime | None:
    """The date and time a local stamp shows (naive), None when `text` is not one of the
    local shapes; ValueError when it is, but the date or time does not exist."""
    if match := _ISO.fullmatch(text):
        year, month, day, hour, minute, second, fraction = match.groups()
    elif match := _DAY_FIRST.fullmatch(text):
        day, month, year, hour, minute, second = match.groups()
        fraction = None
    else:
        return None
    micros = int((fraction or "0").ljust(6, "0"))
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micros
        )
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date and time ({exc})") from None


def local_instant_of(wall: datetime, zone: ZoneInfo) -> Instant:
    """The instant `wall` shows in `zone`; ValueError when the zone's clocks skip that time
    or show it twice (never the case in WIB, WITA and WIT, which keep one offset)."""
    # PEP 495: the two folds of a wall time have one offset, unless the clocks skip it (the
    # earlier fold's offset is then the smaller) or show it twice (the larger).
    before, after = zone.utcoffset(wall), zone.utcoffset(wall.replace(fold=1))
    if before is None or after is None:  # a ZoneInfo always has one; this keeps the type
        raise ValueError(f"{zone.key} has no UTC offset at {wall.isoformat(sep=' ')}")
    if before < after:
        raise ValueError(
            f"{wall.isoformat(sep=' ')} does not exist in {zone.key} (the clocks skip it); "
            "write it with its UTC offset"
        )
    if before > after:
        raise ValueError(
            f"{wall.isoformat(sep=' ')} happens twice in {zone.key} (the clocks go back then); "
            "write it with its UTC offset"
        )
    return micros_of(wall - _EPOCH - before)
