"""Working calendars (SPEC §2): which local days and hours count, precomputed per zone.

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

from .config import CalendarSpec
from .timeutil import Instant, local_instant, next_midnight, start_of_day

FIRST_YEAR, LAST_YEAR = 2000, 2100
DAY_UNITS = 86_400 * 1_000_000  # a working day counts as 24 h whatever its real length


class CalendarRangeError(ValueError):
    """An instant outside the years the calendars are built for."""


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

    def _check(self, instant: Instant) -> None:
        if not self.starts or not self.starts[0] - DAY_UNITS * 7 <= instant <= self.ends[-1]:
            raise CalendarRangeError(
                f"calendars cover {FIRST_YEAR}-{LAST_YEAR}; an instant outside them was asked for"
            )

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
        self._check(start)
        self._check(end)
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
    """`N working days`: the start day is not counted; deadlines end at local midnight."""

    def __init__(self, days: Iterable[date], zone: ZoneInfo):
        self.zone = zone
        super().__init__(
            ((start_of_day(d, zone), start_of_day(d + timedelta(days=1), zone)) for d in days),
            units_each=DAY_UNITS,
        )

    def count_from(self, clock_start: Instant) -> Instant:
        return next_midnight(clock_start, self.zone)

    def deadline(self, reached: Instant) -> Instant:
        # The target is reached inside (or at the very end of) a working day: that day's end.
        i = bisect_left(self.ends, reached)
        return self.ends[i] if i < len(self.ends) else reached


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


def holidays_of(spec: CalendarSpec, year: int) -> dict[date, str]:
    """Named non-working dates of one year that would otherwise be working weekdays."""
    named: dict[date, str] = {}
    if spec.holidays is not None:
        found = holidays.country_holidays(
            spec.holidays.country,
            subdiv=spec.holidays.subdiv,
            categories=spec.holidays.categories,
            years=year,
        )
        named.update({d: str(n) for d, n in found.items()})
    named.update(
        {d: "extra holiday (configuration)" for d in spec.extra_holidays if d.year == year}
    )
    return {d: n for d, n in sorted(named.items()) if d not in spec.extra_working_days}


class Calendars:
    """Builds and caches the working time of each (unit, calendar, zone) on first use."""

    def __init__(self, specs: dict[str, CalendarSpec]):
        self.specs = specs
        self._dates: dict[str, list[date]] = {}
        self._built: dict[tuple[str, str, str], WorkingTime] = {}
        self._elapsed = ElapsedTime()

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
            return IntervalTime(
                ((start_of_day(d, zone), start_of_day(d + timedelta(days=1), zone)) for d in days),
                units_each=None,
            )
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
