"""Working calendars (SPEC §2, §3 "Calendars"), checked against hand-computed dates.

Every expected value is a literal worked out by hand from the SPEC and a real calendar
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

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla_monitor.calendar import Calendars, WorkingTime, holidays_of, working_dates
from sla_monitor.config import CalendarSpec, HolidaySource

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
JAKARTA = ZoneInfo("Asia/Jakarta")
NEW_YORK = ZoneInfo("America/New_York")
ID_HOLIDAYS = HolidaySource("ID", ("public", "government"))
MON_FRI = frozenset(range(5))
HOUR = 3600 * 1_000_000
DAY = 24 * HOUR

SPECS = {
    # The SPEC §5 default: mon-fri, office 08:00-16:00, ID public + government holidays.
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


def test_holidays_of_lists_extra_holidays_and_drops_extra_working_days() -> None:
    # 2026-03-04 is an extra holiday; 2026-03-05 and 2026-03-19 are extra working days, so
    # they are not holidays; 2026-03-18 (Nyepi cuti bersama) still is.
    named = holidays_of(SPECS["custom"], 2026)
    assert date(2026, 3, 4) in named
    assert date(2026, 3, 18) in named
    assert date(2026, 3, 5) not in named
    assert date(2026, 3, 19) not in named


# --- working days ------------------------------------------------------------------------


def test_working_days_idul_fitri_from_monday_16_march(calendars: Calendars) -> None:
    # Start Mon 2026-03-16 10:00 WIB (not counted). Day 1 Tue 17; 18-24 closed;
    # day 2 Wed 25, day 3 Thu 26, day 4 Fri 27, day 5 Mon 30 → end of Mon 30.
    wd = calendars.working_time("working_days", "default", JAKARTA)
    assert_at(due(wd, "2026-03-16T10:00:00+07:00", 5 * DAY), "2026-03-31T00:00:00+07:00")


def test_working_days_idul_fitri_from_tuesday_17_march(calendars: Calendars) -> None:
    # Start Tue 2026-03-17 09:00 WIB (not counted). 18-24 closed; day 1 Wed 25 .. day 3
    # Fri 27, day 4 Mon 30, day 5 Tue 31 → end of Tue 31 (the SPEC §6 example due_at).
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
