"""Why a local day is or is not a working day of a calendar, in the words of an explanation
(docs/explain.md): a weekday the calendar does not work, a holiday or cuti bersama with its
Indonesian name, an extra holiday or an extra working day of the configuration."""

from __future__ import annotations

from datetime import date

from sla_monitor.domain.calendar_data import CalendarDate, calendar_dates
from sla_monitor.domain.policy import CalendarSpec

# Why a date the calendar does not work on its weekday is closed: the weekday's name.
WEEKDAY_REASONS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def named_dates(spec: CalendarSpec | None, first: date, last: date) -> dict[date, CalendarDate]:
    """The calendar's holidays and extra working days from `first` to `last`, by date."""
    if spec is None:
        return {}
    return {
        entry.day: entry
        for year in range(first.year, last.year + 1)
        for entry in calendar_dates(spec, year)
    }


def day_reason(
    spec: CalendarSpec | None, day: date, working: bool, entry: CalendarDate | None
) -> tuple[str | None, str | None]:
    """Why a day is (or is not) a working day: its reason, and the holiday's name."""
    if spec is None:
        return None, None  # plain hours: every instant counts
    name = entry.name if entry is not None and entry.name else None
    if working:
        unusual = entry is not None and entry.source == "extra_working_day"
        return ("extra_working_day", name) if unusual else (None, None)
    if entry is not None:
        return ("extra_holiday" if entry.source == "extra_holiday" else "holiday"), name
    return WEEKDAY_REASONS[day.weekday()], None
