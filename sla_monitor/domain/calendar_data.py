"""What a working calendar is made of, for the people who check it (pure).

Each closed date with its source and its Indonesian name; whether a year's decree (SKB) on
cuti bersama is known to the calendar; and a fingerprint of the calendar's dates, stored with
every recomputed goal, so a changed calendar is noticed (docs/calendar.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache, cached_property
from importlib.metadata import version
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from sla_monitor.domain.policy import FIRST_YEAR, LAST_YEAR, CalendarSpec, SlaConfig
from sla_monitor.domain.timeutil import Instant, local_date

HOLIDAYS_VERSION = version("holidays")  # the release whose decrees the calendars know
# The category of the `holidays` data that holds the cuti bersama of each year's SKB.
GOVERNMENT = "government"
# What each holiday category is called in the decrees; another category keeps its own name.
CATEGORY_SOURCES = {"public": "libur_nasional", GOVERNMENT: "cuti_bersama"}
SOURCE_LABELS = {
    "libur_nasional": "libur nasional",
    "cuti_bersama": "cuti bersama",
    "extra_holiday": "configuration: extra holiday",
    "extra_working_day": "configuration: extra working day",
}


@dataclass(frozen=True)
class CalendarDate:
    """A date that is not what its weekday says: a holiday, or an extra working day."""

    day: date
    source: str  # libur_nasional | cuti_bersama | extra_holiday | extra_working_day | a category
    name: str  # in Indonesian where the data has it; "" for a plain configured date
    working: bool  # True only for an extra working day

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)


@cache
def _named(spec: CalendarSpec, category: str, year: int) -> dict[date, str]:
    """The holiday data's dates of one category and year, with their Indonesian names."""
    source = spec.holidays
    if source is None or category not in source.categories:
        return {}
    found = holidays.country_holidays(
        source.country, subdiv=source.subdiv, categories=(category,), years=year, language="id"
    )
    return {day: str(name) for day, name in found.items()}


def calendar_dates(spec: CalendarSpec, year: int) -> list[CalendarDate]:
    """Every holiday and extra working day of one year, in date order, each with its source.

    An extra working day wins over a holiday on the same date (it is listed once, as working,
    with the holiday's name); weekends are not listed unless a holiday falls on one.
    """
    entries: dict[date, CalendarDate] = {}
    categories = spec.holidays.categories if spec.holidays else ()
    for category in categories:
        for day, name in _named(spec, category, year).items():
            source = CATEGORY_SOURCES.get(category, category)
            entries.setdefault(day, CalendarDate(day, source, name, working=False))
    for day in spec.extra_holidays:
        if day.year == year and day not in entries:
            entries[day] = CalendarDate(day, "extra_holiday", "", working=False)
    for day in spec.extra_working_days:
        if day.year == year:
            overruled = entries.get(day)
            name = overruled.name if overruled else ""
            entries[day] = CalendarDate(day, "extra_working_day", name, working=True)
    return [entries[day] for day in sorted(entries)]


@dataclass(frozen=True)
class DecreeStatus:
    """Whether one year's decree on cuti bersama is known to one calendar.

    Known when the holiday data has cuti bersama for the year, or when the configuration
    lists the year in `decree_years` (reviewed: for a decree with no cuti bersama at all).
    Unknown, the year's cuti bersama count as working days and its deadlines come early.
    """

    calendar: str
    year: int
    cuti_bersama: int  # dates of the year in the data's government category
    reviewed: bool  # the year is in the calendar's decree_years
    takes_cuti_bersama: bool  # the calendar asks the data for the government category

    @property
    def known(self) -> bool:
        return self.cuti_bersama > 0 or self.reviewed

    @property
    def source(self) -> str | None:
        """Where the decree is known from: "data", "configuration", or None."""
        if self.cuti_bersama:
            return "data"
        return "configuration" if self.reviewed else None

    def describe(self) -> str:
        """One sentence for a person: what is known, or what is missing and what to do."""
        where = f"calendar {self.calendar!r}"
        if self.cuti_bersama:
            return (
                f"{self.year}: the decree on cuti bersama is known to {where} "
                f"({self.cuti_bersama} days in holidays {HOLIDAYS_VERSION})"
            )
        if self.reviewed:
            return (
                f"{self.year}: the decree on cuti bersama is marked reviewed for {where} "
                "(decree_years in the configuration)"
            )
        if not self.takes_cuti_bersama:
            why = f"its holidays categories lack {GOVERNMENT!r}, so it takes no cuti bersama"
        else:
            why = f"holidays {HOLIDAYS_VERSION} has no cuti bersama for {self.year}"
        return (
            f"{self.year}: NO decree on cuti bersama is known to {where}: {why}, and "
            f"decree_years does not list {self.year}. Claims timed in {self.year} count "
            "cuti bersama as working days. See docs/calendar.md, 'A new SKB'"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "calendar": self.calendar,
            "year": self.year,
            "known": self.known,
            "source": self.source,
            "cuti_bersama": self.cuti_bersama,
        }


def decree_status(spec: CalendarSpec, year: int) -> DecreeStatus | None:
    """The decree of `year` as `spec` knows it; None for a calendar that takes no holidays
    from data at all (its closed dates are its configuration's alone)."""
    if spec.holidays is None:
        return None
    return DecreeStatus(
        calendar=spec.id,
        year=year,
        cuti_bersama=len(_named(spec, GOVERNMENT, year)),
        reviewed=year in spec.decree_years,
        takes_cuti_bersama=GOVERNMENT in spec.holidays.categories,
    )


def decree_statuses(
    config: SlaConfig, years: Iterable[int], calendars: Iterable[str] | None = None
) -> list[DecreeStatus]:
    """The decree of each year for each calendar in use (or those named), in order."""
    chosen = config.calendars_in_use if calendars is None else tuple(calendars)
    out = []
    for year in sorted(set(years)):
        for calendar_id in chosen:
            status = decree_status(config.calendars[calendar_id], year)
            if status is not None:
                out.append(status)
    return out


def local_years(instants: Iterable[Instant], zone: ZoneInfo) -> range:
    """Every year from the first to the last of these instants' local dates."""
    years = [local_date(instant, zone).year for instant in instants]
    return range(min(years), max(years) + 1) if years else range(0)


def calendar_notes(statuses: Iterable[DecreeStatus]) -> dict[str, Any]:
    """What a claim view or a report states about the calendar data it was computed with:
    the `holidays` release, and whether each year's decree it spans is known."""
    listed = list(statuses)
    return {
        "holidays_version": HOLIDAYS_VERSION,
        "decrees": [s.to_json() for s in listed],
        "unknown": [s.describe() for s in listed if not s.known],
    }


@dataclass(frozen=True)
class Fingerprint:
    """A calendar's dates over every year it covers: the weekdays and office hours, the
    weekdays it closes and the other days it opens. Equal fingerprints time every claim
    alike; `digest` names one in the store."""

    calendar: str
    weekdays: tuple[int, ...]
    office_hours: tuple[str, str] | None
    closed: frozenset[date]
    opened: frozenset[date]

    def to_json(self) -> str:
        return json.dumps(
            {
                "weekdays": list(self.weekdays),
                "office_hours": None if self.office_hours is None else list(self.office_hours),
                "closed": sorted(d.isoformat() for d in self.closed),
                "opened": sorted(d.isoformat() for d in self.opened),
            },
            separators=(",", ":"),
        )

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]

    @classmethod
    def from_json(cls, calendar: str, text: str) -> Fingerprint:
        data = json.loads(text)
        hours = data["office_hours"]
        return cls(
            calendar=calendar,
            weekdays=tuple(data["weekdays"]),
            office_hours=None if hours is None else (hours[0], hours[1]),
            closed=frozenset(date.fromisoformat(d) for d in data["closed"]),
            opened=frozenset(date.fromisoformat(d) for d in data["opened"]),
        )

    def working(self, day: date) -> bool:
        if day in self.opened:
            return True
        return day.weekday() in self.weekdays and day not in self.closed


def fingerprint(spec: CalendarSpec, working_dates: Iterable[date]) -> Fingerprint:
    """The fingerprint of a calendar whose working dates (FIRST_YEAR-LAST_YEAR) are given."""
    working = set(working_dates)
    closed, opened = set(), set()
    day, last = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
    while day <= last:
        usual = day.weekday() in spec.weekdays
        if usual and day not in working:
            closed.add(day)
        elif not usual and day in working:
            opened.add(day)
        day += timedelta(days=1)
    hours = spec.office_hours
    return Fingerprint(
        calendar=spec.id,
        weekdays=tuple(sorted(spec.weekdays)),
        office_hours=None if hours is None else (hours[0].isoformat("minutes"), _end(hours[1])),
        closed=frozenset(closed),
        opened=frozenset(opened),
    )


def _end(closes: time) -> str:
    return "24:00" if closes == time(0) else closes.isoformat("minutes")


@dataclass(frozen=True)
class DateChange:
    day: date
    working_before: bool
    working_after: bool


def changed_dates(old: Fingerprint, new: Fingerprint, years: range) -> list[DateChange]:
    """The dates of `years` that are working in one fingerprint and not in the other."""
    out = []
    day, last = date(years.start, 1, 1), date(years.stop - 1, 12, 31)
    while day <= last:
        before, after = old.working(day), new.working(day)
        if before != after:
            out.append(DateChange(day, before, after))
        day += timedelta(days=1)
    return out
