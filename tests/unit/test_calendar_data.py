"""What a calendar knows (docs/calendar.md): dated sources, decree years and fingerprints.

A holiday data release that lacks a year's cuti bersama is simulated by a calendar that does
not ask for the `government` category: to the code, both are "no cuti bersama in the data".
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from pathlib import Path

import pytest

from sla_monitor.config import ConfigError, load_config, parse_sla
from sla_monitor.domain.calendar import Calendars
from sla_monitor.domain.calendar_data import (
    HOLIDAYS_VERSION,
    calendar_dates,
    calendar_notes,
    changed_dates,
    decree_status,
    decree_statuses,
    local_years,
)
from sla_monitor.domain.policy import CalendarSpec, HolidaySource
from sla_monitor.domain.timeutil import parse_rfc3339

CONFIG = Path(__file__).parent.parent.parent / "config"
MON_FRI = frozenset(range(5))
FULL = CalendarSpec(
    "default", MON_FRI, (time(8), time(16)), HolidaySource("ID", ("public", "government"))
)
# What a `holidays` release without the year's decree gives: its libur nasional only.
NO_DECREE = replace(FULL, holidays=HolidaySource("ID", ("public",)))


def test_dates_are_in_order_with_their_source_and_indonesian_name() -> None:
    spec = replace(
        FULL,
        extra_holidays=frozenset({date(2026, 3, 4)}),
        # Configured out of order, and one of them on a holiday (Nyepi cuti bersama).
        extra_working_days=frozenset({date(2026, 12, 26), date(2026, 3, 18), date(2026, 1, 3)}),
    )
    entries = calendar_dates(spec, 2026)
    days = [e.day for e in entries]
    assert days == sorted(days)
    by_day = {e.day: e for e in entries}
    assert by_day[date(2026, 1, 1)].source == "libur_nasional"
    assert by_day[date(2026, 1, 1)].name == "Tahun Baru Masehi"
    assert by_day[date(2026, 3, 20)].source == "cuti_bersama"
    assert by_day[date(2026, 3, 20)].name == "Cuti Bersama Hari Raya Idul Fitri"
    assert by_day[date(2026, 3, 4)].source == "extra_holiday"
    assert by_day[date(2026, 3, 4)].source_label == "configuration: extra holiday"
    assert not by_day[date(2026, 3, 4)].working
    # An extra working day wins over the holiday and keeps its name; plain ones have none.
    nyepi = by_day[date(2026, 3, 18)]
    assert (nyepi.source, nyepi.working, nyepi.name) == (
        "extra_working_day",
        True,
        "Cuti Bersama Hari Suci Nyepi",
    )
    assert by_day[date(2026, 1, 3)].working and by_day[date(2026, 1, 3)].name == ""
    assert days.index(date(2026, 1, 3)) < days.index(date(2026, 3, 4))
    assert all(e.day.year == 2026 for e in entries)


def test_a_year_with_cuti_bersama_in_the_data_is_known_from_the_data() -> None:
    status = decree_status(FULL, 2026)
    assert status is not None
    assert (status.known, status.source, status.cuti_bersama) == (True, "data", 8)
    assert HOLIDAYS_VERSION in status.describe()


def test_a_year_without_cuti_bersama_in_the_data_is_unknown_and_says_what_to_do() -> None:
    status = decree_status(FULL, 2099)
    assert status is not None
    assert (status.known, status.source, status.cuti_bersama) == (False, None, 0)
    text = status.describe()
    assert "NO decree on cuti bersama" in text and "2099" in text
    assert "decree_years" in text and "docs/calendar.md" in text


def test_a_calendar_without_the_government_category_knows_no_decree() -> None:
    status = decree_status(NO_DECREE, 2026)
    assert status is not None and not status.known
    assert "lack 'government'" in status.describe()


def test_a_reviewed_year_is_known_from_the_configuration() -> None:
    status = decree_status(replace(NO_DECREE, decree_years=frozenset({2026})), 2026)
    assert status is not None
    assert (status.known, status.source) == (True, "configuration")
    assert decree_status(replace(FULL, decree_years=frozenset({2099})), 2099).known  # type: ignore[union-attr]


def test_a_calendar_with_no_holiday_data_has_no_decree_to_know() -> None:
    assert decree_status(replace(FULL, holidays=None), 2026) is None


def test_statuses_cover_the_calendars_goals_are_timed_in() -> None:
    config = load_config(CONFIG)
    statuses = decree_statuses(config, [2027, 2026, 2027])
    assert [(s.calendar, s.year) for s in statuses] == [("default", 2026), ("default", 2027)]
    notes = calendar_notes(decree_statuses(config, [2099]))
    assert notes["holidays_version"] == HOLIDAYS_VERSION
    assert notes["decrees"] == [
        {"calendar": "default", "year": 2099, "known": False, "source": None, "cuti_bersama": 0}
    ]
    assert len(notes["unknown"]) == 1


def test_local_years_span_every_year_between() -> None:
    config = load_config(CONFIG)
    zone = config.report_zone
    first = parse_rfc3339("2026-12-31T23:30:00+07:00")
    last = parse_rfc3339("2028-01-01T00:30:00+07:00")
    assert list(local_years([last, first], zone)) == [2026, 2027, 2028]
    assert list(local_years([], zone)) == []


def test_a_fingerprint_changes_with_a_configured_date_and_names_it() -> None:
    before = Calendars({"default": FULL}).fingerprint("default")
    amended = replace(FULL, extra_holidays=frozenset({date(2025, 8, 19)}))
    after = Calendars({"default": amended}).fingerprint("default")
    assert before.digest != after.digest
    assert Calendars({"default": FULL}).fingerprint("default").digest == before.digest
    changes = changed_dates(before, after, range(2020, 2099))
    assert [(c.day, c.working_before, c.working_after) for c in changes] == [
        (date(2025, 8, 19), True, False)
    ]
    assert changed_dates(before, after, range(2026, 2099)) == []


def test_a_fingerprint_round_trips_through_its_stored_text() -> None:
    spec = replace(FULL, extra_working_days=frozenset({date(2026, 3, 7)}))
    print_ = Calendars({"default": spec}).fingerprint("default")
    again = type(print_).from_json("default", print_.to_json())
    assert again == print_ and again.digest == print_.digest
    assert again.working(date(2026, 3, 7))  # a Saturday opened by the configuration
    assert not again.working(date(2026, 3, 20))  # cuti bersama
    assert again.office_hours == ("08:00", "16:00")


def test_the_data_release_is_dropped_from_the_fingerprint() -> None:
    # The same dates from another release must not look like a change.
    a = Calendars({"default": FULL}).fingerprint("default")
    assert HOLIDAYS_VERSION not in a.to_json()


def test_decree_years_are_read_and_checked() -> None:
    sla = (CONFIG / "sla.toml").read_text()
    import tomllib

    data = tomllib.loads(sla)
    data["calendars"]["default"]["decree_years"] = [2027, 2099]
    parsed = parse_sla(data, source="sla.toml")
    assert parsed.calendars["default"].decree_years == frozenset({2027, 2099})
    for bad, problem in (
        ("2027", "must be a list of years"),
        (["2027"], "must be a list of years"),
        ([1999], "calendars cover the years 2000-2100"),
    ):
        data["calendars"]["default"]["decree_years"] = bad
        with pytest.raises(ConfigError, match=problem) as caught:
            parse_sla(data, source="sla.toml")
        assert "[calendars.default]" in str(caught.value)
