"""The first instant of every local date of a zone, from before the first year the calendars
cover to after the last: the table every calendar in that zone is measured against."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from itertools import pairwise
from operator import le
from zoneinfo import ZoneInfo

from sla_monitor.domain.policy import FIRST_YEAR, LAST_YEAR
from sla_monitor.domain.timeutil import Instant, local_date, local_midnights

DAY_UNITS = 86_400 * 1_000_000  # a working day counts as 24 h whatever its real length
OUTSIDE = f"calendars cover {FIRST_YEAR}-{LAST_YEAR}; an instant outside them was asked for"
# A day wider than the range check (a week before the first working day), so that
# count_from refuses only instants whose next midnight that check would refuse anyway.
FIRST_MIDNIGHT = date(FIRST_YEAR, 1, 1) - timedelta(days=8)
LAST_MIDNIGHT = date(LAST_YEAR, 12, 31) + timedelta(days=2)


class CalendarRangeError(ValueError):
    """An instant outside the years the calendars are built for."""


class Midnights:
    """The first instant of every local date of one zone, from FIRST_MIDNIGHT to LAST_MIDNIGHT.

    timeutil.next_midnight(s) is nexts[bisect_right(bounds, s)]. That is the first midnight
    after s, except where the wall clock falls back across a midnight (America/St_Johns until
    2011, Antarctica/Casey in 2010): for a while after a midnight it shows the day before
    again, and next_midnight gives that midnight, already past.
    """

    def __init__(self, zone: ZoneInfo):
        self.first = FIRST_MIDNIGHT.toordinal()
        self.instants = local_midnights(FIRST_MIDNIGHT, LAST_MIDNIGHT, zone)
        # Searching the table needs it sorted; no zone in tzdata breaks this, but say so if one did.
        if not all(map(le, self.instants, self.instants[1:])):
            raise ValueError(
                f"{zone}: local midnights are not in order; it cannot be a calendar zone"
            )
        self.bounds, self.nexts = self.instants, self.instants
        backs = self._fall_backs(zone)
        if backs:
            self.bounds, self.nexts = [], []
            for k, m in enumerate(self.instants):
                if k - 1 in backs:  # [since, until) inside day k - 1 goes back to its midnight
                    since, until = backs[k - 1]
                    self.bounds += [since, until]
                    self.nexts += [m, self.instants[k - 1]]
                self.bounds.append(m)
                self.nexts.append(m)

    def _fall_backs(self, zone: ZoneInfo) -> dict[int, tuple[Instant, Instant]]:
        """Per day index, the span after its midnight in which the wall shows the day before."""
        out: dict[int, tuple[Instant, Instant]] = {}
        table = self.instants
        for k, (start, end) in enumerate(pairwise(table)):
            # Only a fall-back makes a day longer than 24 h (tzdata has no two changes a day).
            extra = end - start - DAY_UNITS
            if extra <= 0 or k == 0:  # day 0 has no day before it to go back to
                continue
            day = date.fromordinal(self.first + k)
            if local_date(start + extra - 1, zone) < day:
                since = _first_where(start, start + extra - 1, zone, day, before=True)
                out[k] = (since, _first_where(since, end, zone, day, before=False))
        return out

    def day(self, day: date) -> tuple[Instant, Instant]:
        """The first instant of `day` and of the day after it."""
        k = day.toordinal() - self.first
        if not 0 <= k < len(self.instants) - 1:  # a negative index would wrap silently
            raise CalendarRangeError(OUTSIDE)
        return self.instants[k], self.instants[k + 1]


def _first_where(
    low: Instant, high: Instant, zone: ZoneInfo, day: date, *, before: bool
) -> Instant:
    """The first instant in [low, high] whose local date is before `day` (or, not before)."""
    while low < high:  # a binary search: the answer flips once in the span
        middle = (low + high) // 2
        if (local_date(middle, zone) < day) == before:
            high = middle
        else:
            low = middle + 1
    return low


@cache
def midnights(zone: ZoneInfo) -> Midnights:
    """The midnight table of a zone, built once and shared by every calendar in it."""
    return Midnights(zone)
