"""An event's `occurred_at`: RFC 3339 with an offset, within what a claim event can be; from
a file read with --assume-local, a time without an offset is the local time it shows, to be
read in the zone of its claim's branch once that is known (events.LocalTime)."""

from __future__ import annotations

from datetime import datetime

from sla_monitor.domain.local_times import wall_clock
from sla_monitor.domain.spelling import FileReading
from sla_monitor.domain.timeutil import (
    MICROS,
    Instant,
    TimestampError,
    format_rfc3339,
    parse_rfc3339,
)

MAX_FUTURE = 5 * 60 * MICROS
EARLIEST = parse_rfc3339("2000-01-01T00:00:00Z")


def occurred_at(stamp: object, now: Instant, reading: FileReading | None) -> Instant:
    """The event's instant: RFC 3339 with an offset, not ahead of `now`, not absurdly early;
    from a file read with --assume-local, the local time it shows (`LocalWall`)."""
    if stamp is None:
        raise ValueError("'occurred_at' is required")
    if not isinstance(stamp, str):
        raise ValueError(
            "'occurred_at' must be an RFC 3339 string such as 2026-03-02T09:30:00+07:00"
        )
    try:
        occurred_at = parse_rfc3339(stamp)
    except TimestampError as exc:
        if reading is not None:
            _read_local(stamp, reading)  # raises, unless the stamp is not a local time either
        raise ValueError(f"occurred_at {exc}") from None
    check_range(occurred_at, stamp, now)
    return occurred_at


def _read_local(stamp: str, reading: FileReading) -> None:
    """A stamp without an offset, from a file: the local time it shows (LocalWall) with
    --assume-local, a rejection that names the flag without it; None if it is not local."""
    try:
        wall = wall_clock(stamp)
    except ValueError as exc:
        raise ValueError(f"occurred_at {exc}") from None
    if wall is None:
        return
    if reading.assume_local:
        raise LocalWall(wall, stamp)
    raise ValueError(
        f"occurred_at {stamp!r} has no UTC offset; add one such as +07:00 or Z, or import with "
        "--assume-local to read it as the local time of the claim's branch"
    )


class LocalWall(Exception):
    """A local time to be read in the claim's branch zone, once the event is otherwise valid."""

    def __init__(self, wall: datetime, stamp: str):
        super().__init__(stamp)
        self.wall, self.stamp = wall, stamp


def check_range(occurred_at: Instant, stamp: str, now: Instant) -> None:
    if occurred_at > now + MAX_FUTURE:
        raise ValueError(
            f"occurred_at {stamp} is more than 5 minutes ahead of this server's clock "
            f"({format_rfc3339(now)}); check the sender's clock"
        )
    if occurred_at < EARLIEST:
        raise ValueError(
            f"occurred_at {stamp} is before {format_rfc3339(EARLIEST)}, "
            "too early to be a JHT claim event"
        )
