"""The SLA clock and claim rules (docs/rules.md), checked against hand-computed deadlines.

Every expected value is a literal RFC 3339 string worked out by hand from the rules (docs/rules.md) and
a real calendar; nothing is computed by the code under test. Calendar facts used:

- 2026 Indonesian holidays (holidays.country_holidays("ID", categories=("public",
  "government"), years=2026)): Wed 2026-03-18 .. Tue 2026-03-24 are all closed (Nyepi and its
  cuti bersama 18-19, Idul Fitri cuti bersama 20, 23, 24, Idul Fitri 21-22). November 2026 has
  no holiday; 2026-11-02 is a Monday, 2026-11-07 a Saturday.
- America/New_York: Sun 2026-03-08 is 23 h long (EST -05:00 → EDT -04:00).

Working-day arithmetic: the start day is not counted; each counted working day is 86,400 s;
"5 working days" = 432000 s; default at-risk 0.8 → 345600 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from sla_monitor.domain.calendar import Calendars
from sla_monitor.domain.goals import (
    ClockEvent,
    GoalState,
    Status,
    event_order,
    record,
    state_at,
    trace,
)
from sla_monitor.domain.policy import (
    Branch,
    CalendarSpec,
    Goal,
    HolidaySource,
    Policy,
    SlaConfig,
    parse_target,
)
from sla_monitor.domain.timer import Claim, SlaTimer
from sla_monitor.domain.timeutil import format_rfc3339

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
JAKARTA = "Asia/Jakarta"
MAKASSAR = "Asia/Makassar"
NEW_YORK = "America/New_York"
ALL_CHANNELS = ("online", "offline", "collective")
SECOND = 1_000_000

SPECS = {
    "default": CalendarSpec(
        "default",
        frozenset(range(5)),
        (time(8), time(16)),
        HolidaySource("ID", ("public", "government")),
    ),
    "everyday": CalendarSpec("everyday", frozenset(range(7)), None, None),
}
# Built lazily per (unit, calendar, zone) and cached: shared by every test of the module.
CALENDARS = Calendars(SPECS)


def ts(text: str) -> int:
    """An RFC 3339 literal → microseconds since the epoch (independent of sla_monitor)."""
    return (datetime.fromisoformat(text) - EPOCH) // timedelta(microseconds=1)


def assert_at(actual: int | None, expected: str) -> None:
    """Compare instants; on failure show the actual value in the expected literal's offset."""
    want = datetime.fromisoformat(expected)
    assert actual is not None, f"expected {expected}, got None"
    got = (EPOCH + timedelta(microseconds=actual)).astimezone(want.tzinfo)
    assert got.isoformat() == want.isoformat()


def make_goal(target: str = "5 working days", **overrides: object) -> Goal:
    """The default `payment` goal (docs/configuration.md), with overrides (sets given as any iterable)."""
    fields: dict[str, object] = {
        "id": "payment",
        "channels": ALL_CHANNELS,
        "start": ("documents_completed",),
        "pause": ("documents_incomplete",),
        "resume": ("documents_completed",),
        "stop": ("paid", "rejected"),
        "cancel": ("cancelled",),
        "calendar": "default",
    }
    fields.update(overrides)
    kwargs = {
        k: frozenset(v) if k in Goal.__dataclass_fields__ and isinstance(v, tuple) else v
        for k, v in fields.items()
    }
    return Goal(target=parse_target(target), **kwargs)  # type: ignore[arg-type]


PAYMENT = make_goal()
# A goal with a reset, and a resume distinct from its start.
RESETTABLE = make_goal(
    "3 working days",
    id="resettable",
    resume=("interview_scheduled",),
    reset=("verified",),
)


def events(*pairs: tuple[str, str]) -> list[ClockEvent]:
    return [ClockEvent(f"e{i:02d}-{kind}", kind, ts(at)) for i, (kind, at) in enumerate(pairs)]


def evaluate(goal: Goal, evs: Sequence[ClockEvent], as_of: str, zone: str = JAKARTA) -> GoalState:
    """One goal at `as_of`: events after `as_of` are ignored (docs/rules.md#the-clock-of-a-goal)."""
    at = ts(as_of)
    time_ = CALENDARS.working_time(goal.target.unit, goal.calendar, ZoneInfo(zone))
    return state_at(goal, trace(goal, [e for e in evs if e.occurred_at <= at]), at, time_)


def secs(micros: int) -> int:
    assert micros % SECOND == 0, micros
    return micros // SECOND


# A clock started on Mon 2026-11-02 10:00 WIB, the base of many cases below. Without pauses
# "5 working days" is due at the end of the following Monday (docs/rules.md): day 1 Tue 3, day 2 Wed 4,
# day 3 Thu 5, day 4 Fri 6, day 5 Mon 9 → 2026-11-10T00:00+07:00.
MON_START = ("documents_completed", "2026-11-02T10:00:00+07:00")


# --- start, not started, target sizes --------------------------------------------------


def test_not_started_before_any_start_event() -> None:
    # Only a `submitted` (not in `start`): the goal never started.
    state = evaluate(
        PAYMENT, events(("submitted", "2026-11-02T09:00:00+07:00")), "2026-11-20T00:00:00+07:00"
    )
    assert state.status is Status.NOT_STARTED
    assert state.started_at is None
    assert state.due_at is None
    assert state.elapsed == 0


@pytest.mark.parametrize(
    ("target", "seconds"),
    [
        ("5 working days", 432_000),  # 5 x 24 h (docs/rules.md)
        ("1 working day", 86_400),
        ("8 working hours", 28_800),  # 8 x 3600
        ("24 hours", 86_400),
        ("90 minutes", 5_400),  # 90 x 60
    ],
)
def test_target_working_seconds(target: str, seconds: int) -> None:
    state = evaluate(make_goal(target), events(MON_START), "2026-11-02T10:00:00+07:00")
    assert secs(state.target) == seconds


def test_monday_10_00_is_due_at_the_end_of_the_following_monday() -> None:
    # The example of docs/rules.md (November 2026 has no holiday): → 2026-11-10T00:00+07:00.
    state = evaluate(PAYMENT, events(MON_START), "2026-11-02T12:00:00+07:00")
    assert state.status is Status.ON_TRACK
    assert_at(state.started_at, "2026-11-02T10:00:00+07:00")
    assert_at(state.due_at, "2026-11-10T00:00:00+07:00")
    assert state.elapsed == 0  # the start day is not counted


def test_saturday_start_is_due_at_the_end_of_the_next_friday() -> None:
    # The example of docs/rules.md: start Sat 2026-11-07 10:00; day 1 Mon 9 .. day 5 Fri 13 → 2026-11-14T00:00.
    state = evaluate(
        PAYMENT,
        events(("documents_completed", "2026-11-07T10:00:00+07:00")),
        "2026-11-07T12:00:00+07:00",
    )
    assert_at(state.due_at, "2026-11-14T00:00:00+07:00")


def test_start_at_exactly_midnight_does_not_count_that_day() -> None:
    # Start Mon 2026-11-02 00:00:00 sharp: Monday is still the uncounted start day; day 1 is
    # Tue 3 → same deadline as a 10:00 start, 2026-11-10T00:00+07:00.
    evs = events(("documents_completed", "2026-11-02T00:00:00+07:00"))
    state = evaluate(PAYMENT, evs, "2026-11-02T23:59:59+07:00")
    assert_at(state.due_at, "2026-11-10T00:00:00+07:00")
    assert state.elapsed == 0  # a whole Monday of running time counts for nothing


# --- Idul Fitri 2026 --------------------------------------------------------------------


def test_idul_fitri_2026_from_monday_16_march() -> None:
    # Start Mon 2026-03-16 10:00 WIB. Day 1 Tue 17; Wed 18 .. Tue 24 closed (Nyepi, Idul Fitri
    # and cuti bersama); day 2 Wed 25, day 3 Thu 26, day 4 Fri 27, day 5 Mon 30 → end of Mon 30.
    evs = events(("documents_completed", "2026-03-16T10:00:00+07:00"))
    state = evaluate(PAYMENT, evs, "2026-03-20T12:00:00+07:00")
    assert_at(state.due_at, "2026-03-31T00:00:00+07:00")
    # As of Fri 20 12:00 only Tue 17 has counted: 86400 s.
    assert secs(state.elapsed) == 86_400
    assert state.status is Status.ON_TRACK


def test_idul_fitri_2026_from_tuesday_17_march_paid_in_time() -> None:
    # Start Tue 2026-03-17 09:00 WIB (uncounted). Day 1 Wed 25, day 2 Thu 26, day 3 Fri 27,
    # day 4 Mon 30, day 5 Tue 31 → end of Tue 31 = 2026-04-01T00:00+07:00 (the example of docs/cli.md).
    # Paid Tue 31 16:00: elapsed = 4 whole days + 16 h = 345600 + 57600 = 403200 s.
    evs = events(
        ("documents_completed", "2026-03-17T09:00:00+07:00"),
        ("paid", "2026-03-31T16:00:00+07:00"),
    )
    state = evaluate(PAYMENT, evs, "2026-04-02T00:00:00+07:00")
    assert state.status is Status.MET
    assert_at(state.due_at, "2026-04-01T00:00:00+07:00")
    assert_at(state.stopped_at, "2026-03-31T16:00:00+07:00")
    assert secs(state.elapsed) == 403_200


def test_idul_fitri_2026_unpaid_breaches_after_the_end_of_31_march() -> None:
    evs = events(("documents_completed", "2026-03-17T09:00:00+07:00"))
    assert evaluate(PAYMENT, evs, "2026-03-31T23:59:59+07:00").status is Status.AT_RISK
    state = evaluate(PAYMENT, evs, "2026-04-01T00:00:00.000001+07:00")
    assert state.status is Status.BREACHED


# --- WITA branch whose local date differs from Jakarta's ---------------------------------


def test_wita_start_day_is_the_makassar_date() -> None:
    # 2026-11-23T23:30+07:00 is Tue 2026-11-24 00:30 in Makassar: the uncounted start day is
    # Tue 24 there. Day 1 Wed 25, day 2 Thu 26, day 3 Fri 27, day 4 Mon 30, day 5 Tue Dec 1
    # → end of Tue Dec 1 in Makassar = 2026-12-02T00:00:00+08:00 = 2026-12-01T16:00:00Z.
    evs = events(("documents_completed", "2026-11-23T23:30:00+07:00"))
    state = evaluate(PAYMENT, evs, "2026-11-25T06:00:00+08:00", zone=MAKASSAR)
    assert_at(state.due_at, "2026-12-02T00:00:00+08:00")
    assert_at(state.due_at, "2026-12-01T16:00:00Z")
    assert state.due_at is not None
    assert format_rfc3339(state.due_at, ZoneInfo(MAKASSAR)) == "2026-12-02T00:00:00+08:00"
    # Counting began at Wed 25 00:00 WITA: 6 h by 06:00 WITA.
    assert secs(state.elapsed) == 6 * 3600


def test_same_start_in_jakarta_counts_from_its_own_date() -> None:
    # In Jakarta the same instant is Mon 2026-11-23 23:30: day 1 Tue 24 .. day 5 Mon 30
    # → 2026-12-01T00:00:00+07:00.
    evs = events(("documents_completed", "2026-11-23T23:30:00+07:00"))
    state = evaluate(PAYMENT, evs, "2026-11-24T06:00:00+07:00", zone=JAKARTA)
    assert_at(state.due_at, "2026-12-01T00:00:00+07:00")
    assert secs(state.elapsed) == 6 * 3600


def test_wita_deadline_passes_at_makassar_midnight() -> None:
    # Due 2026-12-01T16:00Z. At 23:30 WIB on Dec 1 (16:30Z) Jakarta's date is still Dec 1, but
    # the Makassar deadline has passed → breached; at exactly 16:00Z it is not yet breached.
    evs = events(("documents_completed", "2026-11-23T23:30:00+07:00"))
    at_due = evaluate(PAYMENT, evs, "2026-12-01T23:00:00+07:00", zone=MAKASSAR)
    assert at_due.status is Status.AT_RISK
    assert secs(at_due.elapsed) == 432_000
    assert (
        evaluate(PAYMENT, evs, "2026-12-01T23:30:00+07:00", zone=MAKASSAR).status is Status.BREACHED
    )


# --- pauses -----------------------------------------------------------------------------


def test_pause_over_friday_and_monday_pushes_the_deadline_by_one_day() -> None:
    # Paused Fri 2026-11-06 12:00 → Mon 9 12:00: covers 12 h of Fri and 12 h of Mon (the
    # weekend is not working time) = 1 working day. Elapsed: Tue, Wed, Thu = 3 days, Fri 0.5
    # → 3.5 at the pause; Mon 12-24 → 4.0; Tue 10 → 5.0 at its end → 2026-11-11T00:00+07:00.
    evs = events(
        MON_START,
        ("documents_incomplete", "2026-11-06T12:00:00+07:00"),
        ("documents_completed", "2026-11-09T12:00:00+07:00"),
    )
    state = evaluate(PAYMENT, evs, "2026-11-09T13:00:00+07:00")
    assert_at(state.due_at, "2026-11-11T00:00:00+07:00")
    # 3.5 days + 1 h = 302400 + 3600 s; below 345600 → on track.
    assert secs(state.elapsed) == 306_000
    assert state.status is Status.ON_TRACK


def test_pause_only_over_a_weekend_changes_nothing_for_working_days() -> None:
    # Paused Sat 2026-11-07 10:00 → Sun 8 18:00: no counted working day is covered, so the
    # deadline stays 2026-11-10T00:00+07:00; by Mon 00:00 Tue-Fri = 4 days = 345600 s.
    evs = events(
        MON_START,
        ("documents_incomplete", "2026-11-07T10:00:00+07:00"),
        ("documents_completed", "2026-11-08T18:00:00+07:00"),
    )
    state = evaluate(PAYMENT, evs, "2026-11-09T00:00:00+07:00")
    assert_at(state.due_at, "2026-11-10T00:00:00+07:00")
    assert secs(state.elapsed) == 345_600
    assert state.status is Status.AT_RISK


def test_pause_on_the_start_day_has_no_effect() -> None:
    # Paused Mon 2026-11-02 11:00 → 20:00, all within the uncounted start day: deadline stays
    # 2026-11-10T00:00+07:00, and by Tue 3 12:00 the elapsed time is 12 h = 43200 s.
    evs = events(
        MON_START,
        ("documents_incomplete", "2026-11-02T11:00:00+07:00"),
        ("documents_completed", "2026-11-02T20:00:00+07:00"),
    )
    state = evaluate(PAYMENT, evs, "2026-11-03T12:00:00+07:00")
    assert_at(state.due_at, "2026-11-10T00:00:00+07:00")
    assert secs(state.elapsed) == 43_200


def test_pause_from_the_start_day_into_day_one_counts_only_the_day_one_part() -> None:
    # Paused Mon 2026-11-02 11:00 → Tue 3 06:00: only Tue 00:00-06:00 (0.25 day) of a counted
    # day is covered. Tue 0.75, Wed 1.75, Thu 2.75, Fri 3.75, Mon 9 4.75, Tue 10 reaches 5.0 at
    # 06:00 → rounded up to the end of Tue 10 → 2026-11-11T00:00+07:00.
    evs = events(
        MON_START,
        ("documents_incomplete", "2026-11-02T11:00:00+07:00"),
        ("documents_completed", "2026-11-03T06:00:00+07:00"),
    )
    state = evaluate(PAYMENT, evs, "2026-11-03T12:00:00+07:00")
    assert_at(state.due_at, "2026-11-11T00:00:00+07:00")
    assert secs(state.elapsed) == 6 * 3600  # Tue 06:00-12:00


def test_partial_day_pause_rounds_the_deadline_up_to_the_end_of_a_later_day() -> None:
    # Paused Wed 2026-11-04 09:00 → 15:00 (6 h = 0.25 of a counted day). Tue 1.0, Wed 1.75,
    # Thu 2.75, Fri 3.75, Mon 9 4.75, Tue 10 reaches 5.0 at 06:00 → due at the end of Tue 10,
    # 2026-11-11T00:00+07:00 (not 2026-11-10T06:00).
    evs = events(
        MON_START,
        ("documents_incomplete", "2026-11-04T09:00:00+07:00"),
        ("documents_completed", "2026-11-04T15:00:00+07:00"),
    )
    reached = evaluate(PAYMENT, evs, "2026-11-10T06:00:00+07:00")
    assert_at(reached.due_at, "2026-11-11T00:00:00+07:00")
    assert secs(reached.elapsed) == 432_000
    assert reached.status is Status.AT_RISK  # target reached but deadline not passed
    later = evaluate(PAYMENT, evs, "2026-11-10T12:00:00+07:00")
    assert secs(later.elapsed) == 432_000 + 6 * 3600
    assert later.status is Status.AT_RISK
    assert evaluate(PAYMENT, evs, "2026-11-11T00:00:00.000001+07:00").status is Status.BREACHED


def test_pause_while_paused_changes_nothing() -> None:
    # Paused Tue 2026-11-03 00:00, a second pause Wed 4 00:00 (no effect), resumed Thu 5 00:00:
    # Tue and Wed (2 days) are paused. Counted: Thu 5, Fri 6, Mon 9, Tue 10, Wed 11
    # → 2026-11-12T00:00+07:00. (Restarting the pause at Wed would give 2026-11-11.)
    evs = events(
        MON_START,
        ("documents_incomplete", "2026-11-03T00:00:00+07:00"),
        ("documents_incomplete", "2026-11-04T00:00:00+07:00"),
        ("documents_completed", "2026-11-05T00:00:00+07:00"),
    )
    state = evaluate(PAYMENT, evs, "2026-11-05T12:00:00+07:00")
    assert_at(state.due_at, "2026-11-12T00:00:00+07:00")
    assert secs(state.elapsed) == 43_200  # Thu 00:00-12:00


def test_resume_while_running_changes_nothing() -> None:
    # A second documents_completed (the start and resume type) on Tue 2026-11-03 12:00 while
    # running: not a restart; started_at and the deadline stay as for Mon 10:00.
    evs = events(MON_START, ("documents_completed", "2026-11-03T12:00:00+07:00"))
    state = evaluate(PAYMENT, evs, "2026-11-04T00:00:00+07:00")
    assert_at(state.started_at, "2026-11-02T10:00:00+07:00")
    assert_at(state.due_at, "2026-11-10T00:00:00+07:00")
    assert secs(state.elapsed) == 86_400  # Tue 3 whole
    # Same with a resume-only type on the resettable goal (3 working days: Tue, Wed, Thu).
    evs = events(MON_START, ("interview_scheduled", "2026-11-03T12:00:00+07:00"))
    state = evaluate(RESETTABLE, evs, "2026-11-04T00:00:00+07:00")
    assert state.status is Status.ON_TRACK
    assert_at(state.due_at, "2026-11-06T00:00:00+07:00")


def test_paused_goal_projects_its_deadline_as_if_resumed_at_as_of() -> None:
    # Paused Wed 2026-11-04 12:00 after Tue 1.0 + Wed 0.5 = 1.5 days (129600 s).
    evs = events(MON_START, ("documents_incomplete", "2026-11-04T12:00:00+07:00"))
    # As of Wed 18:00: resumed there → Wed 1.75, Thu 2.75, Fri 3.75, Mon 9 4.75, Tue 10 5.0 at
    # 06:00 → end of Tue 10 = 2026-11-11T00:00+07:00.
    state = evaluate(PAYMENT, evs, "2026-11-04T18:00:00+07:00")
    assert state.status is Status.PAUSED
    assert_at(state.due_at, "2026-11-11T00:00:00+07:00")
    assert secs(state.elapsed) == 129_600
    # As of Mon 9 12:00: resumed there → Mon 2.0, Tue 3.0, Wed 4.0, Thu 12 5.0 at its end
    # → 2026-11-13T00:00+07:00.
    state = evaluate(PAYMENT, evs, "2026-11-09T12:00:00+07:00")
    assert state.status is Status.PAUSED
    assert_at(state.due_at, "2026-11-13T00:00:00+07:00")
    assert secs(state.elapsed) == 129_600


def test_paused_after_the_deadline_stays_breached() -> None:
    # Due 2026-11-10T00:00+07:00; paused only on Thu 12 10:00, after the deadline: the target
    # was reached before the pause, so the deadline stays and the goal is breached.
    evs = events(MON_START, ("documents_incomplete", "2026-11-12T10:00:00+07:00"))
    state = evaluate(PAYMENT, evs, "2026-11-13T10:00:00+07:00")
    assert state.status is Status.BREACHED
    assert_at(state.due_at, "2026-11-10T00:00:00+07:00")


def test_paused_after_reaching_the_target_breaches_at_the_rounded_deadline() -> None:
    # The partial-pause case (Wed 2026-11-04 09:00-15:00 paused): the target is reached on
    # Tue 10 at 06:00, due at the end of Tue 10. Paused again Tue 10 12:00: the deadline stays
    # 2026-11-11T00:00+07:00 (already reached); paused until then, breached just after.
    evs = events(
        MON_START,
        ("documents_incomplete", "2026-11-04T09:00:00+07:00"),
        ("documents_completed", "2026-11-04T15:00:00+07:00"),
        ("documents_incomplete", "2026-11-10T12:00:00+07:00"),
    )
    state = evaluate(PAYMENT, evs, "2026-11-10T18:00:00+07:00")
    assert state.status is Status.PAUSED
    assert_at(state.due_at, "2026-11-11T00:00:00+07:00")
    assert secs(state.elapsed) == 432_000 + 6 * 3600  # frozen at the pause
    state = evaluate(PAYMENT, evs, "2026-11-11T00:00:00.000001+07:00")
    assert state.status is Status.BREACHED
    assert_at(state.due_at, "2026-11-11T00:00:00+07:00")


def test_stopped_while_paused_counts_as_resumed_at_the_stop() -> None:
    # Paused Wed 2026-11-04 00:00 after Tue (1.0 day); paid Fri 6 12:00 while paused. Resumed
    # at the stop: Fri 12-24 → 1.5, Mon 9 2.5, Tue 10 3.5, Wed 11 4.5, Thu 12 reaches 5.0 at
    # 12:00 → end of Thu 12 = 2026-11-13T00:00+07:00. Met; elapsed = Tue only = 86400 s.
    evs = events(
        MON_START,
        ("documents_incomplete", "2026-11-04T00:00:00+07:00"),
        ("paid", "2026-11-06T12:00:00+07:00"),
    )
    state = evaluate(PAYMENT, evs, "2026-11-20T00:00:00+07:00")
    assert state.status is Status.MET
    assert_at(state.stopped_at, "2026-11-06T12:00:00+07:00")
    assert_at(state.due_at, "2026-11-13T00:00:00+07:00")
    assert secs(state.elapsed) == 86_400


# --- working hours and elapsed hours ---------------------------------------------------


def test_working_hours_friday_14_00_to_monday_14_00() -> None:
    # Office 08:00-16:00: Fri 2026-11-06 14-16 = 2 h, Mon 9 08:00 + 6 h → 2026-11-09T14:00.
    goal = make_goal("8 working hours")
    evs = events(("documents_completed", "2026-11-06T14:00:00+07:00"))
    state = evaluate(goal, evs, "2026-11-07T12:00:00+07:00")
    assert_at(state.due_at, "2026-11-09T14:00:00+07:00")
    assert secs(state.elapsed) == 7200  # 2 of 8 h → on track
    assert state.status is Status.ON_TRACK


def test_working_hours_starting_after_office_hours() -> None:
    # Fri 2026-11-06 17:30: nothing until Mon 9 08:00; + 8 h → 2026-11-09T16:00+07:00.
    goal = make_goal("8 working hours")
    evs = events(("documents_completed", "2026-11-06T17:30:00+07:00"))
    state = evaluate(goal, evs, "2026-11-09T07:00:00+07:00")
    assert_at(state.due_at, "2026-11-09T16:00:00+07:00")
    assert state.elapsed == 0


def test_working_hours_pause_over_a_weekend() -> None:
    # Fri 2026-11-06 09:00 start, paused Fri 15:00 (6 h), resumed Mon 9 10:00: 2 h more → 12:00.
    # Paid Mon 11:00: elapsed 6 h + 1 h = 25200 s, met.
    goal = make_goal("8 working hours")
    start = ("documents_completed", "2026-11-06T09:00:00+07:00")
    pause = ("documents_incomplete", "2026-11-06T15:00:00+07:00")
    resume = ("documents_completed", "2026-11-09T10:00:00+07:00")
    state = evaluate(
        goal,
        events(start, pause, resume, ("paid", "2026-11-09T11:00:00+07:00")),
        "2026-11-10T00:00:00+07:00",
    )
    assert state.status is Status.MET
    assert_at(state.due_at, "2026-11-09T12:00:00+07:00")
    assert secs(state.elapsed) == 25_200
    # Not paid: breached just after Mon 12:00.
    evs = events(start, pause, resume)
    assert evaluate(goal, evs, "2026-11-09T12:00:00+07:00").status is Status.AT_RISK
    assert evaluate(goal, evs, "2026-11-09T12:00:00.000001+07:00").status is Status.BREACHED
    # While still paused, as of Sat 7 12:00 it projects a resume then: Mon 08:00 + 2 h = 10:00.
    paused = evaluate(goal, events(start, pause), "2026-11-07T12:00:00+07:00")
    assert paused.status is Status.PAUSED
    assert_at(paused.due_at, "2026-11-09T10:00:00+07:00")
    assert secs(paused.elapsed) == 21_600
    # As of Mon 9 09:00 still paused: 09:00 + 2 h = 11:00.
    paused = evaluate(goal, events(start, pause), "2026-11-09T09:00:00+07:00")
    assert_at(paused.due_at, "2026-11-09T11:00:00+07:00")


def test_hours_target_ignores_holidays() -> None:
    # "24 hours" from Fri 2026-03-20 10:00 (cuti bersama) → Sat 21 (Idul Fitri) 10:00.
    goal = make_goal("24 hours")
    evs = events(("documents_completed", "2026-03-20T10:00:00+07:00"))
    state = evaluate(goal, evs, "2026-03-20T22:00:00+07:00")
    assert_at(state.due_at, "2026-03-21T10:00:00+07:00")
    assert secs(state.elapsed) == 12 * 3600


def test_minutes_target_counts_across_midnight() -> None:
    # "90 minutes" from Sat 2026-03-21 23:00 → Sun 22 00:30 (no rounding to a day's end).
    goal = make_goal("90 minutes")
    evs = events(("documents_completed", "2026-03-21T23:00:00+07:00"))
    state = evaluate(goal, evs, "2026-03-21T23:30:00+07:00")
    assert_at(state.due_at, "2026-03-22T00:30:00+07:00")
    assert secs(state.elapsed) == 1800


def test_hours_target_with_a_pause() -> None:
    # "24 hours" from 2026-03-20 10:00, paused 12:00-14:00 (2 h) → due Sat 21 12:00.
    goal = make_goal("24 hours")
    evs = events(
        ("documents_completed", "2026-03-20T10:00:00+07:00"),
        ("documents_incomplete", "2026-03-20T12:00:00+07:00"),
        ("documents_completed", "2026-03-20T14:00:00+07:00"),
    )
    state = evaluate(goal, evs, "2026-03-21T00:00:00+07:00")
    assert_at(state.due_at, "2026-03-21T12:00:00+07:00")
    assert secs(state.elapsed) == 12 * 3600  # 10-12 and 14-24


def test_at_risk_threshold_for_an_hours_target() -> None:
    # "24 hours" from 2026-03-20 10:00; 0.8 x 24 h = 19 h 12 min → at risk from Sat 21 05:12.
    goal = make_goal("24 hours")
    evs = events(("documents_completed", "2026-03-20T10:00:00+07:00"))
    before = evaluate(goal, evs, "2026-03-21T05:11:59.999999+07:00")
    assert before.status is Status.ON_TRACK
    at = evaluate(goal, evs, "2026-03-21T05:12:00+07:00")
    assert at.status is Status.AT_RISK
    assert secs(at.elapsed) == 69_120


# --- an event exactly at the deadline ----------------------------------------------------


def test_paid_exactly_at_due_at_is_met() -> None:
    evs = events(MON_START, ("paid", "2026-11-10T00:00:00+07:00"))
    state = evaluate(PAYMENT, evs, "2026-11-12T00:00:00+07:00")
    assert_at(state.due_at, "2026-11-10T00:00:00+07:00")
    assert state.status is Status.MET
    assert secs(state.elapsed) == 432_000


def test_paid_one_microsecond_after_due_at_is_breached() -> None:
    evs = events(MON_START, ("paid", "2026-11-10T00:00:00.000001+07:00"))
    state = evaluate(PAYMENT, evs, "2026-11-12T00:00:00+07:00")
    assert_at(state.due_at, "2026-11-10T00:00:00+07:00")
    assert state.status is Status.BREACHED


def test_status_at_due_at_is_not_breached_and_just_after_is() -> None:
    at_due = evaluate(PAYMENT, events(MON_START), "2026-11-10T00:00:00+07:00")
    assert at_due.status is Status.AT_RISK
    assert secs(at_due.elapsed) == 432_000
    after = evaluate(PAYMENT, events(MON_START), "2026-11-10T00:00:00.000001+07:00")
    assert after.status is Status.BREACHED
    assert_at(after.due_at, "2026-11-10T00:00:00+07:00")


# --- at risk -----------------------------------------------------------------------------


def test_default_at_risk_is_four_of_five_working_days() -> None:
    # 0.8 x 432000 = 345600 s = 4 days: Tue 3 .. Fri 6 complete at 2026-11-07T00:00+07:00.
    assert PAYMENT.at_risk == Fraction(4, 5)
    evs = events(MON_START)
    before = evaluate(PAYMENT, evs, "2026-11-06T23:59:59.999999+07:00")
    assert before.status is Status.ON_TRACK
    at = evaluate(PAYMENT, evs, "2026-11-07T00:00:00+07:00")
    assert at.status is Status.AT_RISK
    assert secs(at.elapsed) == 345_600
    # The weekend adds nothing; still at risk on Sunday.
    sunday = evaluate(PAYMENT, evs, "2026-11-08T12:00:00+07:00")
    assert sunday.status is Status.AT_RISK
    assert secs(sunday.elapsed) == 345_600


def test_custom_at_risk_fraction() -> None:
    # at_risk 0.5 of 5 days = 2.5 days: Tue, Wed, then half of Thu 5 → from Thu 12:00.
    goal = make_goal(at_risk=Fraction(1, 2))
    evs = events(MON_START)
    assert evaluate(goal, evs, "2026-11-05T11:59:59+07:00").status is Status.ON_TRACK
    state = evaluate(goal, evs, "2026-11-05T12:00:00+07:00")
    assert state.status is Status.AT_RISK
    assert secs(state.elapsed) == 216_000


# --- reset -------------------------------------------------------------------------------


def test_reset_restarts_from_zero() -> None:
    # "3 working days" from Mon 2026-11-02 10:00 would be due at the end of Thu 5. A reset on
    # Wed 4 12:00 makes Wed the uncounted start day: Thu 5, Fri 6, Mon 9 → 2026-11-10T00:00.
    evs = events(MON_START, ("verified", "2026-11-04T12:00:00+07:00"))
    before = evaluate(RESETTABLE, evs, "2026-11-04T11:00:00+07:00")
    assert_at(before.due_at, "2026-11-06T00:00:00+07:00")
    state = evaluate(RESETTABLE, evs, "2026-11-05T12:00:00+07:00")
    assert_at(state.started_at, "2026-11-04T12:00:00+07:00")
    assert_at(state.due_at, "2026-11-10T00:00:00+07:00")
    assert secs(state.elapsed) == 43_200  # Thu 00:00-12:00 only; Tue and Wed forgotten
    assert state.status is Status.ON_TRACK


def test_reset_while_paused_runs_again() -> None:
    # Paused Tue 2026-11-03 12:00, reset Wed 4 12:00 (no resume): running from the reset.
    evs = events(
        MON_START,
        ("documents_incomplete", "2026-11-03T12:00:00+07:00"),
        ("verified", "2026-11-04T12:00:00+07:00"),
    )
    state = evaluate(RESETTABLE, evs, "2026-11-05T12:00:00+07:00")
    assert state.status is Status.ON_TRACK
    assert_at(state.due_at, "2026-11-10T00:00:00+07:00")
    assert secs(state.elapsed) == 43_200


def test_reset_before_the_start_changes_nothing() -> None:
    # Reset Sun 2026-11-01, start Mon 2 10:00: "3 working days" → Tue, Wed, Thu → 2026-11-06.
    reset_only = events(("verified", "2026-11-01T10:00:00+07:00"))
    assert (
        evaluate(RESETTABLE, reset_only, "2026-11-02T00:00:00+07:00").status is Status.NOT_STARTED
    )
    evs = events(("verified", "2026-11-01T10:00:00+07:00"), MON_START)
    state = evaluate(RESETTABLE, evs, "2026-11-03T00:00:00+07:00")
    assert_at(state.started_at, "2026-11-02T10:00:00+07:00")
    assert_at(state.due_at, "2026-11-06T00:00:00+07:00")


# --- cancel and stop ---------------------------------------------------------------------


def test_cancel_before_the_start() -> None:
    evs = events(
        ("cancelled", "2026-11-02T09:00:00+07:00"),
        MON_START,
        ("paid", "2026-11-03T10:00:00+07:00"),
    )
    state = evaluate(PAYMENT, evs, "2026-12-01T00:00:00+07:00")
    assert state.status is Status.CANCELLED
    assert state.due_at is None
    assert state.stopped_at is None
    assert_at(state.cancelled_at, "2026-11-02T09:00:00+07:00")


def test_cancel_after_the_start_never_breaches() -> None:
    # Cancelled Wed 2026-11-04 12:00; a later paid changes nothing; long after the would-be
    # deadline (2026-11-10) it is still cancelled with no due_at.
    evs = events(
        MON_START,
        ("cancelled", "2026-11-04T12:00:00+07:00"),
        ("paid", "2026-11-20T10:00:00+07:00"),
    )
    state = evaluate(PAYMENT, evs, "2026-12-01T00:00:00+07:00")
    assert state.status is Status.CANCELLED
    assert state.due_at is None
    assert state.stopped_at is None
    assert_at(state.cancelled_at, "2026-11-04T12:00:00+07:00")


def test_events_after_a_stop_change_nothing() -> None:
    # Paid Fri 2026-11-06 12:00 → met; elapsed Tue-Thu + Fri 12 h = 3.5 days = 302400 s. A
    # later pause, resume, second stop (after the deadline) and cancel change nothing.
    evs = events(
        MON_START,
        ("paid", "2026-11-06T12:00:00+07:00"),
        ("documents_incomplete", "2026-11-09T10:00:00+07:00"),
        ("documents_completed", "2026-11-10T10:00:00+07:00"),
        ("rejected", "2026-11-12T10:00:00+07:00"),
        ("cancelled", "2026-11-13T10:00:00+07:00"),
    )
    state = evaluate(PAYMENT, evs, "2026-12-01T00:00:00+07:00")
    assert state.status is Status.MET
    assert_at(state.stopped_at, "2026-11-06T12:00:00+07:00")
    assert_at(state.due_at, "2026-11-10T00:00:00+07:00")
    assert secs(state.elapsed) == 302_400


def test_a_reset_after_the_stop_changes_nothing() -> None:
    # "3 working days" from Mon 2026-11-02 10:00 → Tue, Wed, Thu → due 2026-11-06T00:00.
    # Paid Thu 5 12:00 → met; a reset on Mon 9 does not restart a stopped clock.
    evs = events(
        MON_START,
        ("paid", "2026-11-05T12:00:00+07:00"),
        ("verified", "2026-11-09T10:00:00+07:00"),
    )
    state = evaluate(RESETTABLE, evs, "2026-12-01T00:00:00+07:00")
    assert state.status is Status.MET
    assert_at(state.started_at, "2026-11-02T10:00:00+07:00")
    assert_at(state.stopped_at, "2026-11-05T12:00:00+07:00")
    assert_at(state.due_at, "2026-11-06T00:00:00+07:00")


# --- order of events ---------------------------------------------------------------------


def test_ties_in_occurred_at_follow_lifecycle_order() -> None:
    # documents_completed (lifecycle 3rd) and paid (7th) at the same instant: start first, then
    # stop → met with zero elapsed, whatever the arrival order and the event_ids ("a" < "z").
    at = ts("2026-11-02T10:00:00+07:00")
    evs = [ClockEvent("a-paid", "paid", at), ClockEvent("z-start", "documents_completed", at)]
    for order in (evs, evs[::-1]):
        state = evaluate(PAYMENT, order, "2026-11-03T00:00:00+07:00")
        assert state.status is Status.MET
        assert_at(state.started_at, "2026-11-02T10:00:00+07:00")
        assert_at(state.stopped_at, "2026-11-02T10:00:00+07:00")
        assert state.elapsed == 0


def test_events_are_taken_in_time_order_whatever_their_arrival() -> None:
    # The pause-over-Friday-and-Monday case, given in reverse: same deadline 2026-11-11.
    evs = events(
        MON_START,
        ("documents_incomplete", "2026-11-06T12:00:00+07:00"),
        ("documents_completed", "2026-11-09T12:00:00+07:00"),
    )
    state = evaluate(PAYMENT, evs[::-1], "2026-11-09T13:00:00+07:00")
    assert_at(state.due_at, "2026-11-11T00:00:00+07:00")


def test_event_id_ties_are_broken_by_code_point() -> None:
    # Same instant and type: by code point "B" (66) < "Z" (90) < "a" (97) < "a10" < "a9" < "é"
    # (233) — not a case-insensitive or natural collation.
    at = ts("2026-11-02T10:00:00+07:00")
    ids = ["é", "a9", "a", "Z", "a10", "B"]
    ordered = sorted((ClockEvent(i, "paid", at) for i in ids), key=event_order)
    assert [e.event_id for e in ordered] == ["B", "Z", "a", "a10", "a9", "é"]


# --- daylight saving time ----------------------------------------------------------------


def test_working_days_across_a_dst_switch() -> None:
    # Every-day calendar in New York. "3 working days" from Sat 2026-03-07 10:00 EST: day 1
    # Sun 8 (23 h long), day 2 Mon 9, day 3 Tue 10 → 2026-03-11T00:00-04:00 (local midnight).
    goal = make_goal("3 working days", calendar="everyday")
    evs = events(("documents_completed", "2026-03-07T10:00:00-05:00"))
    state = evaluate(goal, evs, "2026-03-09T00:00:00-04:00", zone=NEW_YORK)
    assert_at(state.due_at, "2026-03-11T00:00:00-04:00")
    # The 23-hour Sunday is a whole working day: 86400 s.
    assert secs(state.elapsed) == 86_400
    # Mon-Fri calendar in New York: "5 working days" from Fri 2026-03-06 10:00 EST skips the
    # weekend with the switch; Mon 9 .. Fri 13 → 2026-03-14T00:00-04:00.
    state = evaluate(
        PAYMENT,
        events(("documents_completed", "2026-03-06T10:00:00-05:00")),
        "2026-03-07T00:00:00-05:00",
        zone=NEW_YORK,
    )
    assert_at(state.due_at, "2026-03-14T00:00:00-04:00")


# --- the materialised record agrees --------------------------------------------------------


@pytest.mark.parametrize(
    ("goal", "pairs", "as_of"),
    [
        (PAYMENT, [MON_START], "2026-11-07T00:00:00+07:00"),  # at risk
        (PAYMENT, [MON_START], "2026-11-10T00:00:00.000001+07:00"),  # breached
        (PAYMENT, [MON_START, ("paid", "2026-11-10T00:00:00+07:00")], "2026-11-11T00:00:00+07:00"),
        (
            PAYMENT,
            [MON_START, ("documents_incomplete", "2026-11-04T00:00:00+07:00")],
            "2026-11-09T12:00:00+07:00",
        ),
        (
            PAYMENT,
            [MON_START, ("documents_incomplete", "2026-11-12T10:00:00+07:00")],
            "2026-11-13T10:00:00+07:00",
        ),
        (
            PAYMENT,
            [
                MON_START,
                ("documents_incomplete", "2026-11-04T09:00:00+07:00"),
                ("documents_completed", "2026-11-04T15:00:00+07:00"),
                ("documents_incomplete", "2026-11-10T12:00:00+07:00"),
            ],
            "2026-11-11T00:00:00.000001+07:00",
        ),
        (
            RESETTABLE,
            [MON_START, ("verified", "2026-11-04T12:00:00+07:00")],
            "2026-11-05T12:00:00+07:00",
        ),
    ],
)
def test_record_status_matches_the_full_computation(
    goal: Goal, pairs: list[tuple[str, str]], as_of: str
) -> None:
    evs = events(*pairs)
    expected = evaluate(goal, evs, as_of)
    time_ = CALENDARS.working_time(goal.target.unit, goal.calendar, ZoneInfo(JAKARTA))
    rec = record(goal, trace(goal, evs), time_)
    assert rec.status_at(ts(as_of)) is expected.status


# --- engine: policies, channels, as_of ----------------------------------------------------

ENGINE_CONFIG = SlaConfig(
    report_timezone=JAKARTA,
    channels=ALL_CHANNELS,
    calendars=SPECS,
    policies=(
        Policy("sla-2022", date(2022, 7, 7), (make_goal("5 working days"),)),
        Policy(
            "sla-2026",
            date(2026, 1, 1),
            (
                make_goal("3 working days"),
                make_goal(
                    "2 working days",
                    id="interview",
                    channels=("online",),
                    start=("submitted",),
                    pause=(),
                    resume=(),
                    stop=("interview_scheduled",),
                ),
            ),
        ),
    ),
    branches={
        "JKT": Branch("JKT", "Kantor Cabang Jakarta", "DKI Jakarta", JAKARTA),
        "DPS": Branch("DPS", "Kantor Cabang Denpasar", "Bali Nusa Tenggara Papua", MAKASSAR),
    },
)
ENGINE = SlaTimer(ENGINE_CONFIG, CALENDARS)


def claim(submitted: str, channel: str = "online", branch: str = "JKT") -> Claim:
    return Claim("C1", channel, branch, ts(submitted))


def test_claim_submitted_before_the_first_policy_is_untracked() -> None:
    # 2022-07-06T16:59:59Z is 2022-07-06 23:59:59 in Jakarta: before sla-2022 (2022-07-07).
    c = claim("2022-07-06T16:59:59Z")
    view = ENGINE.view(
        c, [ClockEvent("s", "submitted", c.submitted_at)], ts("2022-07-10T00:00:00Z")
    )
    assert view.policy_id is None
    assert view.goals == ()


def test_policy_is_chosen_by_the_submitted_date_in_report_timezone() -> None:
    # 2022-07-06T17:30:00Z is already 2022-07-07 00:30 in Jakarta → sla-2022.
    assert ENGINE.policy_for(claim("2022-07-06T17:30:00Z")).id == "sla-2022"  # type: ignore[union-attr]
    # 2022-07-06T16:30:00Z is Jul 7 00:30 in Makassar but Jul 6 23:30 in Jakarta: the report
    # time zone decides, not the branch's → untracked even for the Denpasar branch.
    assert ENGINE.policy_for(claim("2022-07-06T16:30:00Z", branch="DPS")) is None
    # 2025-12-31T17:30:00Z is 2026-01-01 00:30 in Jakarta → the newest policy, sla-2026.
    assert ENGINE.policy_for(claim("2025-12-31T17:30:00Z")).id == "sla-2026"  # type: ignore[union-attr]
    assert ENGINE.policy_for(claim("2025-12-31T16:59:59Z")).id == "sla-2022"  # type: ignore[union-attr]


def test_goals_are_filtered_by_channel() -> None:
    online = ENGINE.goals_for(claim("2026-11-02T09:00:00+07:00", "online"))[1]
    offline = ENGINE.goals_for(claim("2026-11-02T09:00:00+07:00", "offline"))[1]
    assert [g.id for g in online] == ["payment", "interview"]
    assert [g.id for g in offline] == ["payment"]


def test_view_before_submission_has_every_goal_not_started() -> None:
    # Submitted 2026-11-02 09:00; a documents_completed stamped 07:00 (before it). As of 08:00
    # the claim did not exist yet: every goal not_started, even though 07:00 <= as_of.
    c = claim("2026-11-02T09:00:00+07:00")
    evs = [
        ClockEvent("s", "submitted", c.submitted_at),
        ClockEvent("d", "documents_completed", ts("2026-11-02T07:00:00+07:00")),
    ]
    view = ENGINE.view(c, evs, ts("2026-11-02T08:00:00+07:00"))
    assert view.policy_id == "sla-2026"
    assert [(g.goal_id, g.status) for g in view.goals] == [
        ("payment", Status.NOT_STARTED),
        ("interview", Status.NOT_STARTED),
    ]
    assert all(g.due_at is None for g in view.goals)
    # As of 09:00 both run: payment ("3 working days") Tue 3, Wed 4, Thu 5 → 2026-11-06T00:00;
    # interview ("2 working days") Tue 3, Wed 4 → 2026-11-05T00:00.
    view = ENGINE.view(c, evs, ts("2026-11-02T09:00:00+07:00"))
    assert [g.status for g in view.goals] == [Status.ON_TRACK, Status.ON_TRACK]
    assert_at(view.goals[0].due_at, "2026-11-06T00:00:00+07:00")
    assert_at(view.goals[1].due_at, "2026-11-05T00:00:00+07:00")


def test_view_ignores_events_after_as_of() -> None:
    c = claim("2026-11-02T09:00:00+07:00", "offline")
    evs = [
        ClockEvent("s", "submitted", c.submitted_at),
        ClockEvent("d", "documents_completed", ts("2026-11-02T10:00:00+07:00")),
        ClockEvent("p", "paid", ts("2026-11-03T10:00:00+07:00")),
    ]
    (early,) = ENGINE.view(c, evs, ts("2026-11-02T12:00:00+07:00")).goals
    assert early.status is Status.ON_TRACK
    assert early.stopped_at is None
    # An event at exactly as_of is taken ("at or before as_of").
    (at_paid,) = ENGINE.view(c, evs, ts("2026-11-03T10:00:00+07:00")).goals
    assert at_paid.status is Status.MET
    (late,) = ENGINE.view(c, evs, ts("2026-11-04T00:00:00+07:00")).goals
    assert late.status is Status.MET
    assert_at(late.stopped_at, "2026-11-03T10:00:00+07:00")


def test_engine_uses_the_branch_time_zone() -> None:
    # Same events at a Jakarta and a Denpasar (WITA) branch, "3 working days" (sla-2026).
    # Start 2026-11-23T23:30+07:00: in Jakarta the start day is Mon 23 → Tue 24, Wed 25, Thu 26
    # → 2026-11-27T00:00+07:00; in Makassar it is Tue 24 → Wed 25, Thu 26, Fri 27
    # → 2026-11-28T00:00+08:00.
    def due(branch: str) -> int | None:
        c = claim("2026-11-23T23:00:00+07:00", "offline", branch)
        evs = [
            ClockEvent("s", "submitted", c.submitted_at),
            ClockEvent("d", "documents_completed", ts("2026-11-23T23:30:00+07:00")),
        ]
        return ENGINE.view(c, evs, ts("2026-11-24T12:00:00+07:00")).goals[0].due_at

    assert_at(due("JKT"), "2026-11-27T00:00:00+07:00")
    assert_at(due("DPS"), "2026-11-28T00:00:00+08:00")
