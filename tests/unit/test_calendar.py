"""Working calendars (docs/rules.md#working-days, #targets-and-deadlines), checked against hand-computed dates.

Every expected value is a literal worked out by hand from the rules (docs/rules.md) and a real calendar
(2026 Indonesian holidays from `holidays.country_holidays("ID", categories=("public",
"government"), years=2026)`):

    2026-03-18 Wed  Nyepi cuti bersama     2026-03-19 Thu  Nyepi
    2026-03-20 Fri  Idul Fitri cuti bersama
    2026-03-21 Sat  Idul Fitri             2026-03-22 Sun  Idul Fitri, 2nd day
    2026-03-23 Mon  Idul Fitri cuti bersama 2026-03-24 Tue  Idul Fitri cuti bersama
    (no Indonesian holiday in November 2026, none 2026-03-02..03-17 or 03-25..04-02)

America/New_York: DST starts Sun 2026-03-08 (23 h day), ends Sun 2026-11-01 (25 h day).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla_monitor.domain.calendar import (
    DAY_UNITS,
    FIRST_YEAR,
    LAST_YEAR,
    CalendarRangeError,
    Calendars,
    IntervalTime,
    WorkingDays,
    WorkingTime,
    midnights,
    working_dates,
)
from sla_monitor.domain.policy import CalendarSpec, HolidaySource
from sla_monitor.domain.timeutil import next_midnight, start_of_day

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
JAKARTA = ZoneInfo("Asia/Jakarta")
NEW_YORK = ZoneInfo("America/New_York")
ID_HOLIDAYS = HolidaySource("ID", ("public", "government"))
MON_FRI = frozenset(range(5))
HOUR = 3600 * 1_000_000
DAY = 24 * HOUR

SPECS = {
    # The default calendar (docs/configuration.md): mon-fri, office 08:00-16:00, ID public + government holidays.
    "default": CalendarSpec("default", MON_FRI, (time(8), time(16)), ID_HOLIDAYS),
    # No office_hours: the whole day counts.
    "whole_day": CalendarSpec("whole_day", MON_FRI, None, ID_HOLIDAYS),
    # Every day of the week, no holidays (to have working days that are 23 h / 25 h long).
    "everyday": CalendarSpec("everyday", frozenset(range(7)), None, None),
    # Configuration overrides.
    "custom": CalendarSpec(
        "custom",
        MON_FRI,
        None,
        ID_HOLIDAYS,
        extra_holidays=frozenset({date(2026, 3, 4), date(2026, 3, 5)}),
        extra_working_days=frozenset({date(2026, 3, 5), date(2026, 3, 7), date(2026, 3, 19)}),
    ),
}


@pytest.fixture(scope="module")
def calendars() -> Calendars:
    # Built lazily per (unit, calendar, zone) and cached for the whole module.
    return Calendars(SPECS)


def ts(text: str) -> int:
    """An RFC 3339 literal → microseconds since the epoch (independent of sla_monitor)."""
    return (datetime.fromisoformat(text) - EPOCH) // timedelta(microseconds=1)


def assert_at(actual: int, expected: str) -> None:
    """Compare instants; on failure show the actual value in the expected literal's offset."""
    want = datetime.fromisoformat(expected)
    got = (EPOCH + timedelta(microseconds=actual)).astimezone(want.tzinfo)
    assert got.isoformat() == want.isoformat()


def due(time_: WorkingTime, start: str, amount: int) -> int:
    """The deadline of a clock started at `start`, never paused, with a target of `amount`."""
    return time_.deadline(time_.advance(time_.count_from(ts(start)), amount))


# --- which dates are working dates -------------------------------------------------------


def test_default_calendar_closes_idul_fitri_2026_cuti_bersama() -> None:
    # By hand from the 2026 list above: Mon 16 and Tue 17 work; Wed 18 .. Tue 24 are holidays,
    # cuti bersama or the weekend; Wed 25 .. Fri 27, Mon 30, Tue 31 work.
    days = [d for d in working_dates(SPECS["default"], 2026, 2026) if date(2026, 3, 16) <= d]
    assert [d for d in days if d <= date(2026, 3, 31)] == [
        date(2026, 3, 16),
        date(2026, 3, 17),
        date(2026, 3, 25),
        date(2026, 3, 26),
        date(2026, 3, 27),
        date(2026, 3, 30),
        date(2026, 3, 31),
    ]


def test_extra_working_days_win_over_extra_holidays_weekends_and_holidays() -> None:
    # custom: Wed 4 is an extra holiday (closed); Thu 5 is both an extra holiday and an extra
    # working day (working: extra_working_days wins); Sat 7 is an extra working day (working);
    # Sun 8 stays closed; Wed 18 (Nyepi cuti bersama) closed; Thu 19 (Nyepi) is an extra
    # working day (working); Fri 20 (Idul Fitri cuti bersama) closed.
    days = [
        d
        for d in working_dates(SPECS["custom"], 2026, 2026)
        if date(2026, 3, 1) <= d <= date(2026, 3, 20)
    ]
    assert days == [
        date(2026, 3, 2),
        date(2026, 3, 3),
        date(2026, 3, 5),
        date(2026, 3, 6),
        date(2026, 3, 7),
        date(2026, 3, 9),
        date(2026, 3, 10),
        date(2026, 3, 11),
        date(2026, 3, 12),
        date(2026, 3, 13),
        date(2026, 3, 16),
        date(2026, 3, 17),
        date(2026, 3, 19),
    ]


def test_extra_holiday_closes_a_weekday_and_extra_working_day_opens_a_saturday(
    calendars: Calendars,
) -> None:
    wd = calendars.working_time("working_days", "custom", JAKARTA)
    # Wed 2026-03-04 is an extra holiday: no working time in it.
    assert wd.measure(ts("2026-03-04T00:00:00+07:00"), ts("2026-03-05T00:00:00+07:00")) == 0
    # Thu 2026-03-05 (extra holiday AND extra working day) counts as a whole working day.
    assert wd.measure(ts("2026-03-05T00:00:00+07:00"), ts("2026-03-06T00:00:00+07:00")) == DAY
    # Sat 2026-03-07 (extra working day) counts; Sun 2026-03-08 does not.
    assert wd.measure(ts("2026-03-07T00:00:00+07:00"), ts("2026-03-08T00:00:00+07:00")) == DAY
    assert wd.measure(ts("2026-03-08T00:00:00+07:00"), ts("2026-03-09T00:00:00+07:00")) == 0


def test_custom_calendar_deadline_uses_the_overrides(calendars: Calendars) -> None:
    # "3 working days" from Tue 2026-03-03 10:00 WIB (start day not counted):
    # Wed 4 closed (extra holiday), day 1 Thu 5 (extra working day wins), day 2 Fri 6,
    # day 3 Sat 7 (extra working day) → end of Sat 7 = 2026-03-08T00:00+07:00.
    # (Without overrides it would be 2026-03-07; if the holiday won, 2026-03-10.)
    wd = calendars.working_time("working_days", "custom", JAKARTA)
    assert_at(due(wd, "2026-03-03T10:00:00+07:00", 3 * DAY), "2026-03-08T00:00:00+07:00")


# --- working days ------------------------------------------------------------------------


def test_working_days_idul_fitri_from_monday_16_march(calendars: Calendars) -> None:
    # Start Mon 2026-03-16 10:00 WIB (not counted). Day 1 Tue 17; 18-24 closed;
    # day 2 Wed 25, day 3 Thu 26, day 4 Fri 27, day 5 Mon 30 → end of Mon 30.
    wd = calendars.working_time("working_days", "default", JAKARTA)
    assert_at(due(wd, "2026-03-16T10:00:00+07:00", 5 * DAY), "2026-03-31T00:00:00+07:00")


def test_working_days_idul_fitri_from_tuesday_17_march(calendars: Calendars) -> None:
    # Start Tue 2026-03-17 09:00 WIB (not counted). 18-24 closed; day 1 Wed 25 .. day 3
    # Fri 27, day 4 Mon 30, day 5 Tue 31 → end of Tue 31 (the example due_at of docs/cli.md).
    wd = calendars.working_time("working_days", "default", JAKARTA)
    assert_at(due(wd, "2026-03-17T09:00:00+07:00", 5 * DAY), "2026-04-01T00:00:00+07:00")
    # The whole closed stretch Wed 18 00:00 .. Wed 25 00:00 holds no working time.
    assert wd.measure(ts("2026-03-18T00:00:00+07:00"), ts("2026-03-25T00:00:00+07:00")) == 0


def test_working_day_is_86400_s_on_a_23_hour_dst_day(calendars: Calendars) -> None:
    # New York, Sun 2026-03-08 runs 00:00-05:00 .. 00:00-04:00: 23 real hours, one working day.
    wd = calendars.working_time("working_days", "everyday", NEW_YORK)
    assert wd.measure(ts("2026-03-08T00:00:00-05:00"), ts("2026-03-09T00:00:00-04:00")) == DAY
    # "1 working days" from Sat 2026-03-07 10:00 EST: day 1 is Sun 8 → its end, local midnight
    # in EDT: 2026-03-09T00:00-04:00.
    assert_at(due(wd, "2026-03-07T10:00:00-05:00", 1 * DAY), "2026-03-09T00:00:00-04:00")
    # "3 working days" from the same start: Sun 8, Mon 9, Tue 10 → 2026-03-11T00:00-04:00.
    assert_at(due(wd, "2026-03-07T10:00:00-05:00", 3 * DAY), "2026-03-11T00:00:00-04:00")


def test_working_day_is_86400_s_on_a_25_hour_dst_day(calendars: Calendars) -> None:
    # New York, Sun 2026-11-01 runs 00:00-04:00 .. 00:00-05:00: 25 real hours, one working day.
    wd = calendars.working_time("working_days", "everyday", NEW_YORK)
    assert wd.measure(ts("2026-11-01T00:00:00-04:00"), ts("2026-11-02T00:00:00-05:00")) == DAY
    # "1 working days" from Sat 2026-10-31 10:00 EDT → end of Sun 1 = 2026-11-02T00:00-05:00.
    assert_at(due(wd, "2026-10-31T10:00:00-04:00", 1 * DAY), "2026-11-02T00:00:00-05:00")


def test_mon_fri_working_days_across_the_dst_switch(calendars: Calendars) -> None:
    # Mon-Fri calendar in New York: "1 working days" from Fri 2026-03-06 10:00 EST; the
    # weekend (with the switch) is skipped; day 1 is Mon 9 → 2026-03-10T00:00-04:00 (04:00Z).
    wd = calendars.working_time("working_days", "whole_day", NEW_YORK)
    assert_at(due(wd, "2026-03-06T10:00:00-05:00", 1 * DAY), "2026-03-10T04:00:00Z")


# --- working hours -----------------------------------------------------------------------


def test_working_hours_friday_afternoon_to_monday(calendars: Calendars) -> None:
    # Office 08:00-16:00. Fri 2026-11-06 14:00-16:00 = 2 h; Mon 9 08:00 + 6 h = 14:00.
    wh = calendars.working_time("working_hours", "default", JAKARTA)
    assert_at(due(wh, "2026-11-06T14:00:00+07:00", 8 * HOUR), "2026-11-09T14:00:00+07:00")
    assert wh.measure(ts("2026-11-06T14:00:00+07:00"), ts("2026-11-09T14:00:00+07:00")) == 8 * HOUR


def test_working_hours_starting_outside_office_hours(calendars: Calendars) -> None:
    wh = calendars.working_time("working_hours", "default", JAKARTA)
    # Fri 2026-11-06 17:30 (after closing): Mon 9 08:00 + 8 h = 16:00 (reached at closing).
    assert_at(due(wh, "2026-11-06T17:30:00+07:00", 8 * HOUR), "2026-11-09T16:00:00+07:00")
    # Sun 2026-11-08 21:00: Mon 9 08:00 + 3 h = 11:00.
    assert_at(due(wh, "2026-11-08T21:00:00+07:00", 3 * HOUR), "2026-11-09T11:00:00+07:00")
    # Mon 2026-11-09 06:00 (before opening): 08:00 + 2 h = 10:00.
    assert_at(due(wh, "2026-11-09T06:00:00+07:00", 2 * HOUR), "2026-11-09T10:00:00+07:00")
    # Nothing counts between Fri 16:00 and Mon 08:00.
    assert wh.measure(ts("2026-11-06T16:00:00+07:00"), ts("2026-11-09T08:00:00+07:00")) == 0


def test_working_hours_skip_idul_fitri(calendars: Calendars) -> None:
    # Tue 2026-03-17 12:00-16:00 = 4 h; 18-24 closed; Wed 25 08:00 + 4 h = 12:00.
    wh = calendars.working_time("working_hours", "default", JAKARTA)
    assert_at(due(wh, "2026-03-17T12:00:00+07:00", 8 * HOUR), "2026-03-25T12:00:00+07:00")


def test_office_hours_absent_means_the_whole_day(calendars: Calendars) -> None:
    # whole_day calendar: Fri 2026-11-06 20:00-24:00 = 4 h; weekend closed; Mon 9 00:00 + 4 h.
    wh = calendars.working_time("working_hours", "whole_day", JAKARTA)
    assert_at(due(wh, "2026-11-06T20:00:00+07:00", 8 * HOUR), "2026-11-09T04:00:00+07:00")
    assert wh.measure(ts("2026-11-06T20:00:00+07:00"), ts("2026-11-09T04:00:00+07:00")) == 8 * HOUR
    # A whole Tuesday is 24 working hours.
    assert wh.measure(ts("2026-11-10T00:00:00+07:00"), ts("2026-11-11T00:00:00+07:00")) == DAY


# --- hours and minutes -------------------------------------------------------------------


def test_hours_and_minutes_count_every_instant(calendars: Calendars) -> None:
    # 24x7: Fri 2026-03-20 (cuti bersama) 10:00 + 24 h = Sat 21 (Idul Fitri) 10:00.
    el = calendars.working_time("hours", "default", JAKARTA)
    assert_at(due(el, "2026-03-20T10:00:00+07:00", 24 * HOUR), "2026-03-21T10:00:00+07:00")
    # 2026-03-21 23:00 + 90 min = 2026-03-22 00:30 (no rounding to midnight).
    el = calendars.working_time("minutes", "default", JAKARTA)
    assert_at(
        due(el, "2026-03-21T23:00:00+07:00", 90 * 60 * 1_000_000), "2026-03-22T00:30:00+07:00"
    )
    # A whole holiday weekend is fully elapsed time: Sat 21 00:00 .. Mon 23 00:00 = 48 h.
    assert el.measure(ts("2026-03-21T00:00:00+07:00"), ts("2026-03-23T00:00:00+07:00")) == 48 * HOUR


# --- the midnight table and working-day arithmetic, against straightforward references -----
#
# WorkingDays answers from a table of local midnights and integer arithmetic; these check it
# against timeutil.next_midnight, a day-by-day walk and the generic IntervalTime, in zones
# without DST, with DST (America/New_York), with DST starting AT midnight (the day begins at
# 01:00: America/Santiago, America/Havana, Asia/Beirut) and with the wall clock falling back
# across midnight (America/St_Johns until 2011, Antarctica/Casey in 2010).

MIDNIGHT_GAP = [ZoneInfo("America/Santiago"), ZoneInfo("America/Havana"), ZoneInfo("Asia/Beirut")]
FALL_BACK = [ZoneInfo("America/St_Johns"), ZoneInfo("Antarctica/Casey")]
INDONESIA = [JAKARTA, ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")]
ZONES = [*INDONESIA, NEW_YORK, *MIDNIGHT_GAP, *FALL_BACK]
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def local_midnight(day: date, zone: ZoneInfo) -> int:
    """The first instant of a local date (a midnight skipped by DST maps forward), by datetime."""
    return (datetime.combine(day, time(0), tzinfo=zone) - EPOCH) // timedelta(microseconds=1)


def wall(instant: int, zone: ZoneInfo) -> datetime:
    return (EPOCH + timedelta(microseconds=instant)).astimezone(zone)


@cache
def working_set(calendar_id: str) -> frozenset[date]:
    return frozenset(working_dates(SPECS[calendar_id], FIRST_YEAR, LAST_YEAR))


def walked_due(start: int, zone: ZoneInfo, days: int, calendar_id: str) -> int:
    """docs/rules.md#targets-and-deadlines read literally: the end of the Nth working day after the start's local date."""
    day, counted = wall(start, zone).date(), 0
    while counted < days:
        day += timedelta(days=1)
        counted += day in working_set(calendar_id)
    return local_midnight(day + timedelta(days=1), zone)


zones = st.sampled_from(ZONES)


@st.composite
def near_midnights(draw: st.DrawFn, days: st.SearchStrategy[date]) -> tuple[ZoneInfo, int]:
    """A zone and an instant exactly at, 1 µs before or 1 µs after one of its midnights."""
    zone = draw(zones)
    return zone, local_midnight(draw(days), zone) + draw(st.sampled_from([-1, 0, 1]))


@st.composite
def instants(draw: st.DrawFn, last: date = LAST_DAY) -> tuple[ZoneInfo, int]:
    """A zone and an instant: anywhere in 2000-2100, or at or next to a local midnight."""
    days = st.dates(FIRST_DAY, last)
    if draw(st.booleans()):
        return draw(near_midnights(days))
    high = local_midnight(last, JAKARTA)
    return draw(zones), draw(st.integers(local_midnight(FIRST_DAY, JAKARTA), high))


@pytest.mark.parametrize("zone", MIDNIGHT_GAP, ids=str)
def test_these_zones_really_have_no_midnight_on_some_day(zone: ZoneInfo) -> None:
    # DST starts at 00:00 there: that day's first instant shows 01:00 on the wall clock.
    days = [date(2024, 1, 1) + timedelta(days=k) for k in range(366)]
    gaps = [d for d in days if wall(local_midnight(d, zone), zone).time() != time(0)]
    assert gaps and all(wall(local_midnight(d, zone), zone).time() == time(1) for d in gaps)


@pytest.mark.parametrize("zone", FALL_BACK, ids=str)
def test_these_zones_really_fall_back_across_midnight(zone: ZoneInfo) -> None:
    # A day longer than 24 h whose wall clock, after its midnight, shows the day before again.
    long_days = [(a, b) for a, b in pairwise(midnights(zone).instants) if b - a > DAY]
    assert any(wall(b - DAY - 1, zone).date() < wall(a, zone).date() for a, b in long_days)


@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_midnight_table_is_start_of_day_of_every_date(zone: ZoneInfo) -> None:
    table = midnights(zone)
    first = date.fromordinal(table.first)
    assert first < FIRST_DAY - timedelta(days=7) and len(table.instants) > (LAST_DAY - first).days
    assert table.instants == [
        start_of_day(first + timedelta(days=k), zone) for k in range(len(table.instants))
    ]
    assert midnights(zone) is table  # built once per zone


@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_count_from_is_next_midnight_around_every_dst_change(zone: ZoneInfo) -> None:
    # Every day that is not 24 h long and the days either side, every 10 minutes; their
    # midnights, the ends of the spans where the clock falls back, and every midnight of
    # 2024-2027, 1 µs either side.
    wd = WorkingDays([], zone)
    table = midnights(zone)
    days = table.instants
    edges = [b for b in table.bounds if FIRST_DAY.year <= wall(b, zone).year <= LAST_DAY.year]
    edges += [local_midnight(date(2024, 1, 1) + timedelta(days=k), zone) for k in range(1461)]
    grid: list[int] = []
    for k in range(1, len(days) - 2):
        if days[k + 1] - days[k] != DAY:
            edges += days[k - 1 : k + 3]
            grid += range(days[k - 1], days[k + 2], 10 * 60 * 1_000_000)
    probes = grid + [e + d for e in edges for d in (-1, 0, 1)]
    if zone not in INDONESIA:
        assert len(probes) > 1000  # the zone does have DST days
    assert [wd.count_from(s) for s in probes] == [next_midnight(s, zone) for s in probes]


@settings(max_examples=400, deadline=None)
@given(instants())
def test_count_from_is_next_midnight(case: tuple[ZoneInfo, int]) -> None:
    zone, instant = case
    assert WorkingDays([], zone).count_from(instant) == next_midnight(instant, zone)


@settings(max_examples=400, deadline=None)
@given(
    instants(last=LAST_DAY - timedelta(days=60)),
    st.integers(1, 30),
    st.sampled_from(["default", "everyday"]),
)
def test_whole_working_days_due_where_a_day_by_day_walk_says(
    calendars: Calendars, case: tuple[ZoneInfo, int], days: int, calendar_id: str
) -> None:
    # "everyday" makes DST days working days; "default" has the Indonesian holidays.
    zone, instant = case
    wd = calendars.working_time("working_days", calendar_id, zone)
    due = wd.deadline(wd.advance(wd.count_from(instant), days * DAY_UNITS))
    assert due == walked_due(instant, zone, days, calendar_id)


@settings(max_examples=400, deadline=None)
@given(
    instants(),
    st.one_of(st.integers(0, 40 * DAY), st.integers(0, 40).map(lambda n: n * DAY)),
    st.integers(-DAY, 40 * DAY),
    st.sampled_from(["default", "everyday"]),
)
def test_working_days_arithmetic_equals_the_generic_interval_formula(
    calendars: Calendars, case: tuple[ZoneInfo, int], amount: int, length: int, calendar_id: str
) -> None:
    # The same intervals through IntervalTime's proportional formula and plain searches.
    zone, start = case
    wd = calendars.working_time("working_days", calendar_id, zone)
    assert isinstance(wd, WorkingDays)
    generic = generic_of(calendar_id, zone)
    end = start + length
    assert outcome(wd.advance, start, amount) == outcome(generic.advance, start, amount)
    assert outcome(wd.measure, start, end) == outcome(generic.measure, start, end)
    for reached in (start, outcome(generic.advance, start, amount)):
        if isinstance(reached, int):
            i = bisect_left(generic.ends, reached)
            assert wd.deadline(reached) == (generic.ends[i] if i < len(generic.ends) else reached)


def outcome(method: Callable[[int, int], int], *args: int) -> int | str:
    """A result, or the message of the CalendarRangeError raised instead."""
    try:
        return method(*args)
    except CalendarRangeError as exc:
        return str(exc)


@cache
def generic_of(calendar_id: str, zone: ZoneInfo) -> IntervalTime:
    wd = Calendars(SPECS).working_time("working_days", calendar_id, zone)
    assert isinstance(wd, WorkingDays)
    return IntervalTime(zip(wd.starts, wd.ends, strict=True), units_each=DAY_UNITS)


def test_part_of_a_23_hour_dst_day_counts_in_proportion(calendars: Calendars) -> None:
    # New York, Sun 2026-03-08 is 23 real hours and one working day: half of it (11.5 h
    # real) is half a working day, and half a working day from its start ends 11.5 h in.
    wd = calendars.working_time("working_days", "everyday", NEW_YORK)
    sunday = ts("2026-03-08T00:00:00-05:00")
    assert wd.measure(sunday, sunday + 23 * HOUR // 2) == DAY // 2
    assert_at(wd.advance(sunday, DAY // 2), "2026-03-08T12:30:00-04:00")
    assert_at(wd.deadline(wd.advance(sunday, DAY // 2)), "2026-03-09T00:00:00-04:00")


def test_skipped_midnight_starts_the_day_at_one_o_clock(calendars: Calendars) -> None:
    # Santiago, Sun 2024-09-08: 00:00 -04:00 does not exist, the day starts at 01:00 -03:00.
    wd = calendars.working_time("working_days", "everyday", ZoneInfo("America/Santiago"))
    assert_at(wd.count_from(ts("2024-09-07T23:59:59.999999-04:00")), "2024-09-08T01:00:00-03:00")
    assert_at(wd.count_from(ts("2024-09-08T01:00:00-03:00")), "2024-09-09T00:00:00-03:00")
    # "1 working days" from Sat 7 10:00: day 1 is Sun 8 (23 h) → its end, Mon 9 00:00.
    assert_at(due(wd, "2024-09-07T10:00:00-04:00", DAY), "2024-09-09T00:00:00-03:00")


def test_count_from_where_the_clock_falls_back_across_midnight() -> None:
    # St John's, 2000-10-29 00:01 NDT → 2000-10-28 23:01 NST: the wall shows Sat 28 again,
    # and next_midnight of 23:30 (the second time) is Sun 29 00:00 NDT, which has passed.
    wd = WorkingDays([], ZoneInfo("America/St_Johns"))
    again = ts("2000-10-28T23:30:00-03:30")
    assert_at(wd.count_from(again), "2000-10-29T00:00:00-02:30")
    assert_at(wd.count_from(ts("2000-10-29T00:00:00-03:30")), "2000-10-30T00:00:00-03:30")


@pytest.mark.parametrize("zone", [JAKARTA, NEW_YORK, ZoneInfo("Asia/Beirut")], ids=str)
def test_instants_outside_the_calendars_raise(calendars: Calendars, zone: ZoneInfo) -> None:
    wd = calendars.working_time("working_days", "default", zone)
    table = midnights(zone).instants
    for outside in (table[0] - 1, table[-1], table[-1] + DAY, ts("1970-01-01T00:00:00Z")):
        with pytest.raises(CalendarRangeError, match="calendars cover 2000-2100"):
            wd.count_from(outside)
    assert wd.count_from(table[0]) == table[1]
    assert wd.count_from(table[-1] - 1) == table[-1]
    # The table reaches a little beyond the years; past them advance refuses, as before.
    for start in ("1999-06-01T10:00:00+07:00", "2101-01-01T12:00:00Z"):
        with pytest.raises(CalendarRangeError, match="calendars cover 2000-2100"):
            due(wd, start, 5 * DAY)
    with pytest.raises(CalendarRangeError, match="after the calendars' last year 2100"):
        due(wd, "2100-12-28T10:00:00+07:00", 5 * DAY)
    for start, end in (
        (ts("2100-12-01T00:00:00Z"), table[-1]),
        (table[0], ts("2000-02-01T00:00Z")),
    ):
        with pytest.raises(CalendarRangeError, match="calendars cover 2000-2100"):
            wd.measure(start, end)
    with pytest.raises(CalendarRangeError):
        WorkingDays([date(1990, 1, 1)], zone)


def test_whole_day_working_hours_are_the_days_from_midnight_to_midnight(
    calendars: Calendars,
) -> None:
    santiago = ZoneInfo("America/Santiago")
    wh = calendars.working_time("working_hours", "whole_day", santiago)
    assert isinstance(wh, IntervalTime)
    days = working_dates(SPECS["whole_day"], FIRST_YEAR, LAST_YEAR)
    assert list(zip(wh.starts, wh.ends, strict=True)) == [
        (start_of_day(d, santiago), start_of_day(d + timedelta(days=1), santiago)) for d in days
    ]
    assert wh.units == [b - a for a, b in zip(wh.starts, wh.ends, strict=True)]
