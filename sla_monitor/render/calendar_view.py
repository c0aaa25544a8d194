"""A calendar's dates, and the dates a change moved, as lines for the terminal."""

from __future__ import annotations

from datetime import date

from rich.console import Console

from sla_monitor.domain.calendar_data import (
    HOLIDAYS_VERSION,
    CalendarDate,
    DateChange,
    Fingerprint,
    calendar_dates,
)
from sla_monitor.domain.policy import CalendarSpec

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def print_calendar(
    console: Console, spec: CalendarSpec, year: int, entries: list[CalendarDate]
) -> None:
    """One line a date, in date order: the date, its weekday, its source and its name."""
    days = ", ".join(WEEKDAY_NAMES[d] for d in sorted(spec.weekdays))
    source = spec.holidays
    data = (
        f"holidays {HOLIDAYS_VERSION}: {source.country} ({', '.join(source.categories)})"
        if source
        else "no holiday data"
    )
    console.print(f"Calendar {spec.id!r} {year}: working weekdays {days}; {data}", markup=False)
    width = max((len(e.source_label) for e in entries), default=0)
    for e in entries:
        console.print(
            f"{e.day.isoformat()} {e.day:%a}  {e.source_label:<{width}}  {_name(e)}".rstrip(),
            highlight=False,
            markup=False,
        )
    if not entries:
        console.print(f"no holiday and no extra working day in {year}")


def print_calendar_diff(
    console: Console,
    label: str,
    old: Fingerprint,
    new: Fingerprint,
    changes: list[DateChange],
    spec: CalendarSpec,
    old_spec: CalendarSpec | None,
) -> None:
    """The dates a calendar change moved, each with the source and name it has now (or had)."""
    console.print(
        f"calendar {new.calendar!r}: {label} -> current {new.digest}", markup=False, highlight=False
    )
    if old.weekdays != new.weekdays:
        before = ", ".join(WEEKDAY_NAMES[d] for d in old.weekdays)
        after = ", ".join(WEEKDAY_NAMES[d] for d in new.weekdays)
        console.print(f"  working weekdays: {before} -> {after}", markup=False)
    if old.office_hours != new.office_hours:
        console.print(f"  office hours: {old.office_hours} -> {new.office_hours}", markup=False)
    named: dict[date, CalendarDate] = {}
    for year in sorted({c.day.year for c in changes}):
        for which in (old_spec, spec):  # the current calendar's name wins
            if which is not None:
                named.update({e.day: e for e in calendar_dates(which, year)})
    for c in changes:
        state = f"{_state(c.working_before)} -> {_state(c.working_after)}"
        entry = named.get(c.day)
        why = f"{entry.source_label}  {_name(entry)}" if entry else ""
        console.print(
            f"  {c.day.isoformat()} {c.day:%a}  {state:<17}  {why}".rstrip(),
            markup=False,
            highlight=False,
        )


def _name(entry: CalendarDate) -> str:
    if entry.source == "extra_working_day" and entry.name:
        return f"instead of: {entry.name}"
    return entry.name


def _state(working: bool) -> str:
    return "working" if working else "closed"
