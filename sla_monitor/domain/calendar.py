"""Working calendars (docs/rules.md#working-days): which local days and hours count, precomputed per zone.

A calendar in a zone becomes a sorted list of working intervals (UTC instants) with the
cumulative working time at each one, so measuring working time between two instants,
or finding the instant a given amount of working time is reached, is a binary search:
O(log n), never a walk day by day.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays

from sla_monitor.domain.calendar_data import Fingerprint, fingerprint
from sla_monitor.domain.midnights import DAY_UNITS, OUTSIDE, CalendarRangeError, midnights
from sla_monitor.domain.policy import FIRST_YEAR, LAST_YEAR, CalendarSpec
from sla_monitor.domain.timeutil import (
    Instant,
    local_instant,
    start_of_day,
)


class WorkingTime(Protocol):
    """How one target unit measures time (all amounts in microseconds of working time)."""

    def measure(self, start: Instant, end: Instant) -> int: ...

    def advance(self, start: Instant, amount: int) -> Instant:
        """The first instant at which `amount` of working time after `start` has elapsed."""
        ...

    def count_from(self, clock_start: Instant) -> Instant:
        """Where counting begins for a clock that starts at `clock_start`."""
        ...

    def deadline(self, reached: Instant) -> Instant:
        """The deadline for a target reached at `reached`."""
        ...


class ElapsedTime:
    """`N hours` / `N minutes`: every instant counts, 24x7, no holidays."""

    def measure(self, start: Instant, end: Instant) -> int:
        return max(0, end - start)

    def advance(self, start: Instant, amount: int) -> Instant:
        return start + amount

    def count_from(self, clock_start: Instant) -> Instant:
        return clock_start

    def deadline(self, reached: Instant) -> Instant:
        return reached


class IntervalTime:
    """Working time made of intervals; each counts its real length or a fixed number of units."""

    def __init__(self, intervals: Iterable[tuple[Instant, Instant]], *, units_each: int | None):
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.units: list[int] = []
        self.cum_start: list[int] = []
        self.cum_end: list[int] = []
        total = 0
        for start, end in intervals:
            if end <= start:
                continue
            units = units_each if units_each is not None else end - start
            self.starts.append(start)
            self.ends.append(end)
            self.units.append(units)
            self.cum_start.append(total)
            total += units
            self.cum_end.append(total)
        # Precomputed because every call checks; an empty calendar (lowest > highest) covers nothing.
        self.lowest, self.highest = (
            (self.starts[0] - DAY_UNITS * 7, self.ends[-1]) if self.starts else (1, 0)
        )

    def _check(self, instant: Instant) -> None:
        if not self.lowest <= instant <= self.highest:
            raise CalendarRangeError(OUTSIDE)

    def _cumulative(self, instant: Instant) -> int:
        i = bisect_right(self.starts, instant) - 1
        if i < 0:
            return 0
        if instant >= self.ends[i]:
            return self.cum_end[i]
        real = self.ends[i] - self.starts[i]
        return self.cum_start[i] + (instant - self.starts[i]) * self.units[i] // real

    def measure(self, start: Instant, end: Instant) -> int:
        if end <= start:
            return 0
        # Both ends checked at once: with start < end these two bounds imply the other two.
        if not (self.lowest <= start and end <= self.highest):
            raise CalendarRangeError(OUTSIDE)
        return self._cumulative(end) - self._cumulative(start)

    def advance(self, start: Instant, amount: int) -> Instant:
        self._check(start)
        goal = self._cumulative(start) + amount
        i = bisect_left(self.cum_end, goal)
        if i == len(self.cum_end):
            raise CalendarRangeError(f"a deadline falls after the calendars' last year {LAST_YEAR}")
        real = self.ends[i] - self.starts[i]
        into = goal - self.cum_start[i]
        return max(start, self.starts[i] + -(-into * real // self.units[i]))

    def count_from(self, clock_start: Instant) -> Instant:
        return clock_start

    def deadline(self, reached: Instant) -> Instant:
        return reached


class WorkingDays(IntervalTime):
    """`N working days`: the start day is not counted; deadlines end at local midnight.

    Interval i is the i-th working day and counts DAY_UNITS, so the cumulative working time
    before it is i * DAY_UNITS: IntervalTime's searches of cum_start/cum_end become arithmetic.
    """

    def __init__(self, days: Iterable[date], zone: ZoneInfo):
        self.zone = zone
        table = midnights(zone)
        self.bounds, self.nexts = table.bounds, table.nexts
        super().__init__((table.day(d) for d in days), units_each=DAY_UNITS)
        # A clock counts from a midnight and a target of whole days is reached at a day's
        # end, so most calls can skip a search: a dict and a set answer those.
        self.done_at = self._done_at(table.instants)
        self.day_ends = frozenset(self.ends)

    def _done_at(self, table: list[Instant]) -> dict[Instant, int]:
        """_cumulative at each midnight the range check accepts, unless a working day straddles it."""
        ends, starts, n = self.ends, self.starts, len(self.ends)
        done: dict[Instant, int] = {}
        j = 0  # working days over by m (the table is sorted, so j only grows)
        for m in table[bisect_left(table, self.lowest) : bisect_right(table, self.highest)]:
            while j < n and ends[j] <= m:
                j += 1
            if j == n or starts[j] >= m:
                done[m] = j * DAY_UNITS
        return done

    def count_from(self, clock_start: Instant) -> Instant:
        # timeutil.next_midnight(clock_start), from the zone's table instead of datetimes.
        bounds, nexts = self.bounds, self.nexts
        # Without DST the bounds are DAY_UNITS apart: try that index before searching.
        k = (clock_start - bounds[0]) // DAY_UNITS + 1
        if 0 < k < len(bounds) and bounds[k - 1] <= clock_start < bounds[k]:
            return nexts[k]
        i = bisect_right(bounds, clock_start)
        if 0 < i < len(bounds):
            return nexts[i]
        raise CalendarRangeError(OUTSIDE)

    def _cumulative(self, instant: Instant) -> int:
        i = bisect_right(self.starts, instant) - 1
        if i < 0:
            return 0
        start = self.starts[i]
        into = instant - start
        real = self.ends[i] - start
        if into >= real:
            return (i + 1) * DAY_UNITS
        if real == DAY_UNITS:
            return i * DAY_UNITS + into
        return i * DAY_UNITS + into * DAY_UNITS // real  # a DST day: proportional

    def advance(self, start: Instant, amount: int) -> Instant:
        done = self.done_at.get(start)
        if done is None:
            self._check(start)
            done = self._cumulative(start)
        goal = done + amount
        # bisect_left(cum_end, goal) with cum_end[i] = (i + 1) * DAY_UNITS:
        i = (goal - 1) // DAY_UNITS if goal > 0 else 0
        if i >= len(self.starts):
            raise CalendarRangeError(f"a deadline falls after the calendars' last year {LAST_YEAR}")
        begin = self.starts[i]
        into = goal - i * DAY_UNITS
        real = self.ends[i] - begin
        # Only a DST day (real length not DAY_UNITS) needs IntervalTime's proportion, rounded up.
        reached = begin + into if real == DAY_UNITS else begin + -(-into * real // DAY_UNITS)
        return reached if reached > start else start

    def deadline(self, reached: Instant) -> Instant:
        # The target is reached inside (or at the very end of) a working day: that day's end.
        if reached in self.day_ends:
            return reached
        ends = self.ends
        i = bisect_left(ends, reached)
        return ends[i] if i < len(ends) else reached


def working_dates(spec: CalendarSpec, first_year: int, last_year: int) -> list[date]:
    """Every working date of the calendar in [first_year, last_year], in order."""
    closed: set[date] = set(spec.extra_holidays)
    if spec.holidays is not None:
        closed.update(
            holidays.country_holidays(
                spec.holidays.country,
                subdiv=spec.holidays.subdiv,
                categories=spec.holidays.categories,
                years=range(first_year, last_year + 1),
            ).keys()
        )
    day, last = date(first_year, 1, 1), date(last_year, 12, 31)
    out = []
    while day <= last:
        if day in spec.extra_working_days or (day.weekday() in spec.weekdays and day not in closed):
            out.append(day)
        day += timedelta(days=1)
    return out


class Calendars:
    """Builds and caches the working time of each (unit, calendar, zone) on first use."""

    def __init__(self, specs: dict[str, CalendarSpec]):
        self.specs = specs
        self._dates: dict[str, list[date]] = {}
        self._built: dict[tuple[str, str, str], WorkingTime] = {}
        self._elapsed = ElapsedTime()
        self._fingerprints: dict[str, Fingerprint] = {}

    def fingerprint(self, calendar_id: str) -> Fingerprint:
        """The calendar's dates over every year, as stored beside the goals timed in it."""
        found = self._fingerprints.get(calendar_id)
        if found is None:
            spec = self.specs[calendar_id]
            found = fingerprint(spec, self._working_dates(calendar_id))
            self._fingerprints[calendar_id] = found
        return found

    def working_time(self, unit: str, calendar_id: str, zone: ZoneInfo) -> WorkingTime:
        if unit in ("hours", "minutes"):
            return self._elapsed
        key = (unit, calendar_id, zone.key)
        built = self._built.get(key)
        if built is None:
            built = self._build(unit, calendar_id, zone)
            self._built[key] = built
        return built

    def _working_dates(self, calendar_id: str) -> list[date]:
        if calendar_id not in self._dates:
            self._dates[calendar_id] = working_dates(self.specs[calendar_id], FIRST_YEAR, LAST_YEAR)
        return self._dates[calendar_id]

    def _build(self, unit: str, calendar_id: str, zone: ZoneInfo) -> WorkingTime:
        days = self._working_dates(calendar_id)
        if unit == "working_days":
            return WorkingDays(days, zone)
        office = self.specs[calendar_id].office_hours
        if office is None:
            return IntervalTime(map(midnights(zone).day, days), units_each=None)
        opens, closes = office
        return IntervalTime(
            (
                (
                    local_instant(d, opens, zone),
                    start_of_day(d + timedelta(days=1), zone)
                    if closes == time(0)
                    else local_instant(d, closes, zone),
                )
                for d in days
            ),
            units_each=None,
        )
