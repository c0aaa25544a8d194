"""The explanation of a deadline (docs/explain.md), checked against timelines worked out by hand.

Calendar facts used (`sla-monitor calendar --year 2026`): 16 Feb cuti bersama and 17 Feb
Imlek; 18 Mar cuti bersama Nyepi, 19 Mar Nyepi, 20 Mar cuti bersama Idul Fitri, 21-22 Mar Idul
Fitri, 23-24 Mar cuti bersama Idul Fitri. February 2026 has no other holiday. Each counted
working day is 86,400 s; the start day of a `working days` target is never counted.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sla_monitor.domain.calendar import Calendars
from sla_monitor.domain.explanation import Explanation, explain
from sla_monitor.domain.goals import ClockEvent
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
from sla_monitor.domain.timeutil import format_rfc3339, parse_rfc3339

DAY = 86_400
SPEC = CalendarSpec(
    "default",
    frozenset(range(5)),
    (time(8), time(16)),
    HolidaySource("ID", ("public", "government")),
)
CONFIGURED = CalendarSpec(
    "configured",
    frozenset(range(5)),
    None,
    HolidaySource("ID", ("public", "government")),
    extra_holidays=frozenset({date(2026, 2, 5)}),
    extra_working_days=frozenset({date(2026, 2, 7), date(2026, 2, 17)}),
)
CALENDARS = Calendars({"default": SPEC, "configured": CONFIGURED})
BRANCHES = {
    "JKT": Branch("JKT", "Jakarta", "DKI Jakarta", "Asia/Jakarta"),
    "DPS": Branch("DPS", "Denpasar", "Bali", "Asia/Makassar"),
}


def goal(target: str = "5 working days", calendar: str = "default", **sets: Any) -> Goal:
    return Goal(
        id="payment",
        channels=frozenset({"online"}),
        start=frozenset({"documents_completed"}),
        pause=frozenset({"documents_incomplete"}),
        resume=frozenset({"documents_completed"}),
        stop=frozenset({"paid", "rejected"}),
        cancel=frozenset({"cancelled"}),
        target=parse_target(target),
        calendar=calendar,
        **{k: frozenset(v) for k, v in sets.items()},
    )


def explained(
    g: Goal, as_of: str, *history: tuple[str, str], branch: str = "JKT"
) -> tuple[Explanation | None, Any]:
    """The explanation of goal `g` for a claim with these (type, occurred_at) events, and the
    goal's state in the same view."""
    config = SlaConfig(
        report_timezone="Asia/Jakarta",
        channels=("online",),
        calendars={"default": SPEC, "configured": CONFIGURED},
        policies=(Policy("p", date(2022, 7, 7), (g,)),),
        branches=BRANCHES,
    )
    timer = SlaTimer(config, CALENDARS)
    events = [ClockEvent(f"E{i}", kind, parse_rfc3339(at)) for i, (kind, at) in enumerate(history)]
    claim = Claim("C1", "online", branch, events[0].occurred_at)
    view = timer.view(claim, events, parse_rfc3339(as_of))
    (explanation,) = explain(timer, view, events)
    return explanation, view.goals[0]


def table(e: Explanation) -> list[tuple[str, bool, str | None, str | None, int, int | None]]:
    return [
        (d["date"][5:], d["working"], d["reason"], d["name"], d["counted_seconds"], d["day"])
        for d in e.to_json()["days"]
    ]


def test_idul_fitri_2026_with_its_cuti_bersama() -> None:
    # docs/rules.md's JHT-LEBARAN: started Mon 16 Mar 10:00, viewed Fri 27 Mar 12:00.
    e, state = explained(
        goal(),
        "2026-03-27T12:00:00+07:00",
        ("submitted", "2026-03-16T09:00:00+07:00"),
        ("documents_completed", "2026-03-16T10:00:00+07:00"),
    )
    assert e is not None
    assert table(e) == [
        ("03-16", True, None, None, 0, None),  # the start day
        ("03-17", True, None, None, DAY, 1),
        ("03-18", False, "holiday", "Cuti Bersama Hari Suci Nyepi", 0, None),
        ("03-19", False, "holiday", "Hari Suci Nyepi", 0, None),
        ("03-20", False, "holiday", "Cuti Bersama Hari Raya Idul Fitri", 0, None),
        ("03-21", False, "holiday", "Hari Raya Idul Fitri", 0, None),
        ("03-22", False, "holiday", "Hari kedua dari Hari Raya Idul Fitri", 0, None),
        ("03-23", False, "holiday", "Cuti Bersama Hari Raya Idul Fitri", 0, None),
        ("03-24", False, "holiday", "Cuti Bersama Hari Raya Idul Fitri", 0, None),
        ("03-25", True, None, None, DAY, 2),
        ("03-26", True, None, None, DAY, 3),
        ("03-27", True, None, None, DAY // 2, 4),  # counted until as_of, 12:00
        ("03-28", False, "saturday", None, 0, None),
        ("03-29", False, "sunday", None, 0, None),
        ("03-30", True, None, None, 0, 5),  # still to come: the due day
    ]
    data = e.to_json()
    assert {k: data[k] for k in ("calendar", "timezone", "start_day", "due_day", "projected")} == {
        "calendar": "default",
        "timezone": "Asia/Jakarta",
        "start_day": "2026-03-16",
        "due_day": "2026-03-30",
        "projected": False,
    }
    assert data["pauses"] == [] and not e.start_day_counted and e.office_hours is None
    assert e.days[-1].ahead == DAY * 1_000_000 and e.days[-2].ahead == 0
    assert format_rfc3339(e.due_at, e.zone) == "2026-03-31T00:00:00+07:00"
    assert e.due_at == state.due_at and e.elapsed == state.elapsed == 3.5 * DAY * 1_000_000


def test_a_wita_branch_counts_its_own_local_days() -> None:
    # 23:30 in Jakarta on Mon 2 Feb is 00:30 on Tue 3 Feb in Makassar: in the DPS branch the
    # start day is Tuesday, so Wed 4, Thu 5, Fri 6, Mon 9, Tue 10 count: due at the end of
    # Tue 10 Feb WITA, 2026-02-11T00:00:00+08:00.
    e, state = explained(
        goal(),
        "2026-02-05T12:00:00+08:00",
        ("submitted", "2026-02-02T22:00:00+07:00"),
        ("documents_completed", "2026-02-02T23:30:00+07:00"),
        branch="DPS",
    )
    assert e is not None and e.zone.key == "Asia/Makassar"
    assert e.start_day == date(2026, 2, 3) and e.due_day == date(2026, 2, 10)
    assert format_rfc3339(e.due_at, e.zone) == "2026-02-11T00:00:00+08:00"
    assert [(d.date.day, d.counted // 1_000_000, d.number) for d in e.days] == [
        (3, 0, None),
        (4, DAY, 1),
        (5, DAY // 2, 2),
        (6, 0, 3),
        (7, 0, None),
        (8, 0, None),
        (9, 0, 4),
        (10, 0, 5),
    ]
    assert e.elapsed == state.elapsed


def test_a_pause_over_a_weekend_costs_only_its_working_days() -> None:
    # Started Mon 2 Feb 10:00; paused Fri 6 12:00, resumed Mon 9 12:00: half of Friday and half
    # of Monday are lost (86,400 s of working time), Saturday and Sunday cost nothing. Days 1-3
    # Tue-Thu, day 4 half on Fri and half on Mon, day 5 Tue 10 reaches the target at its end.
    e, state = explained(
        goal(),
        "2026-02-10T18:00:00+07:00",
        ("submitted", "2026-02-02T09:00:00+07:00"),
        ("documents_completed", "2026-02-02T10:00:00+07:00"),
        ("documents_incomplete", "2026-02-06T12:00:00+07:00"),
        ("documents_completed", "2026-02-09T12:00:00+07:00"),
    )
    assert e is not None
    assert table(e) == [
        ("02-02", True, None, None, 0, None),
        ("02-03", True, None, None, DAY, 1),
        ("02-04", True, None, None, DAY, 2),
        ("02-05", True, None, None, DAY, 3),
        ("02-06", True, None, None, DAY // 2, 4),
        ("02-07", False, "saturday", None, 0, None),
        ("02-08", False, "sunday", None, 0, None),
        ("02-09", True, None, None, DAY // 2, 4),
        ("02-10", True, None, None, 64_800, 5),  # until as_of, 18:00
    ]
    assert [d.paused for d in e.days] == [False] * 4 + [True] * 4 + [False]
    assert e.to_json()["pauses"] == [
        {
            "from": "2026-02-06T12:00:00+07:00",
            "to": "2026-02-09T12:00:00+07:00",
            "paused_by": "E2",
            "resumed_by": "E3",
            "working_seconds": DAY,
        }
    ]
    assert format_rfc3339(state.due_at, e.zone) == "2026-02-11T00:00:00+07:00"
    assert e.due_day == date(2026, 2, 10) and e.elapsed == state.elapsed


def test_a_start_at_exactly_midnight_leaves_its_whole_day_uncounted() -> None:
    e, state = explained(
        goal(),
        "2026-02-03T06:00:00+07:00",
        ("submitted", "2026-02-01T10:00:00+07:00"),
        ("documents_completed", "2026-02-02T00:00:00+07:00"),
    )
    assert e is not None and e.start_day == date(2026, 2, 2) and not e.start_day_counted
    assert [(d.date.day, d.counted // 1_000_000, d.number) for d in e.days[:3]] == [
        (2, 0, None),
        (3, 6 * 3600, 1),
        (4, 0, 2),
    ]
    assert e.due_day == date(2026, 2, 9)
    assert format_rfc3339(e.due_at, e.zone) == "2026-02-10T00:00:00+07:00"
    assert e.elapsed == state.elapsed == 6 * 3600 * 1_000_000


def test_a_working_hours_goal_counts_office_hours_from_its_start_day() -> None:
    # docs/rules.md: "8 working hours" from Fri 13 Feb 15:00 with office hours 08:00-16:00:
    # 1 h on Friday, nothing on Mon 16 (cuti bersama) and Tue 17 (Imlek), 7 h on Wed 18: due
    # at 15:00 that day. Viewed at Wed 18 12:00: 4 h of Wednesday counted, 3 h to come.
    e, state = explained(
        goal("8 working hours"),
        "2026-02-18T12:00:00+07:00",
        ("submitted", "2026-02-13T14:00:00+07:00"),
        ("documents_completed", "2026-02-13T15:00:00+07:00"),
    )
    assert e is not None and e.start_day_counted and e.office_hours == (time(8), time(16))
    assert table(e) == [
        ("02-13", True, None, None, 3600, 1),
        ("02-14", False, "saturday", None, 0, None),
        ("02-15", False, "sunday", None, 0, None),
        ("02-16", False, "holiday", "Cuti Bersama Tahun Baru Imlek", 0, None),
        ("02-17", False, "holiday", "Tahun Baru Imlek", 0, None),
        ("02-18", True, None, None, 4 * 3600, 2),
    ]
    assert e.days[-1].ahead == 3 * 3600 * 1_000_000
    assert format_rfc3339(e.due_at, e.zone) == "2026-02-18T15:00:00+07:00"
    assert e.elapsed == state.elapsed


def test_a_reset_starts_a_new_clock_and_forgets_the_old_pauses() -> None:
    # A goal reset by `verified`: started Mon 2 Feb 10:00, paused Tue 3 12:00, reset Wed 4
    # 14:00. Wednesday is the new start day; Thu 5, Fri 6, Mon 9, Tue 10, Wed 11 count.
    e, state = explained(
        goal(reset=("verified",)),
        "2026-02-05T12:00:00+07:00",
        ("submitted", "2026-02-02T09:00:00+07:00"),
        ("documents_completed", "2026-02-02T10:00:00+07:00"),
        ("documents_incomplete", "2026-02-03T12:00:00+07:00"),
        ("verified", "2026-02-04T14:00:00+07:00"),
    )
    assert e is not None and e.reset and e.started_by.event_id == "E3"
    assert e.start_day == date(2026, 2, 4) and e.pauses == ()
    assert e.days[0].date == date(2026, 2, 4) and e.days[0].number is None
    assert format_rfc3339(e.due_at, e.zone) == "2026-02-12T00:00:00+07:00"
    assert e.elapsed == state.elapsed == DAY // 2 * 1_000_000


def test_a_paused_goal_is_due_as_if_it_resumed_at_as_of() -> None:
    # docs/rules.md's JHT-PAUSED: paused Wed 4 Feb 00:00 after one counted day, viewed Sat 7
    # 12:00: four more days from Monday 9, due at the end of Thu 12 (projected).
    e, _state = explained(
        goal(),
        "2026-02-07T12:00:00+07:00",
        ("submitted", "2026-02-02T09:00:00+07:00"),
        ("documents_completed", "2026-02-02T10:00:00+07:00"),
        ("documents_incomplete", "2026-02-04T00:00:00+07:00"),
    )
    assert e is not None and e.projected and e.due_day == date(2026, 2, 12)
    assert [d.number for d in e.days] == [None, 1, None, None, None, None, None, 2, 3, 4, 5]
    (pause,) = e.to_json()["pauses"]
    assert pause["to"] is None and pause["resumed_by"] is None
    assert pause["working_seconds"] == 3 * DAY  # Wed, Thu, Fri, up to as_of


def test_stopped_while_paused_counts_as_resumed_at_the_stop() -> None:
    # docs/rules.md's JHT-REJECTED: paused Wed 4 Feb 00:00, rejected Fri 6 12:00: met, due
    # 13 Feb 00:00 as if the clock ran on from the rejection; the pause ends with it.
    e, state = explained(
        goal(),
        "2026-02-20T00:00:00+07:00",
        ("submitted", "2026-02-02T09:00:00+07:00"),
        ("documents_completed", "2026-02-02T10:00:00+07:00"),
        ("documents_incomplete", "2026-02-04T00:00:00+07:00"),
        ("rejected", "2026-02-06T12:00:00+07:00"),
    )
    assert e is not None and e.stopped and not e.projected
    assert state.status.value == "met" and e.due_day == date(2026, 2, 12)
    assert e.days[-1].date == date(2026, 2, 12)  # the due day is after the stop day
    # Half of day 2 on Fri 6 after the stop, so Mon 9 to Thu 12 each hold parts of two days.
    assert [d.number for d in e.days] == [None, 1, None, None, 2, None, None, 3, 4, 5, 5]
    assert [d.first_number for d in e.days][-4:] == [2, 3, 4, 5]
    assert e.days[-1].toward == 5 * DAY * 1_000_000
    assert e.to_json()["pauses"][0]["resumed_by"] == "E3"
    assert e.elapsed == state.elapsed == DAY * 1_000_000


def test_the_configuration_s_extra_holidays_and_working_days() -> None:
    # Calendar `configured`: Thu 5 Feb an extra holiday, Sat 7 Feb and Tue 17 Feb (Imlek)
    # extra working days. From Mon 2 Feb 10:00: Tue 3, Wed 4, Fri 6, Sat 7, Mon 9.
    e, _state = explained(
        goal(calendar="configured"),
        "2026-02-03T12:00:00+07:00",
        ("submitted", "2026-02-02T09:00:00+07:00"),
        ("documents_completed", "2026-02-02T10:00:00+07:00"),
    )
    assert e is not None
    assert [(d.date.day, d.reason, d.number) for d in e.days] == [
        (2, None, None),
        (3, None, 1),
        (4, None, 2),
        (5, "extra_holiday", None),
        (6, None, 3),
        (7, "extra_working_day", 4),
        (8, "sunday", None),
        (9, None, 5),
    ]
    e, _state = explained(
        goal("1 working day", calendar="configured"),
        "2026-02-16T12:00:00+07:00",
        ("submitted", "2026-02-16T09:00:00+07:00"),
        ("documents_completed", "2026-02-16T10:00:00+07:00"),
    )
    assert e is not None
    assert e.days[-1].to_json() == {
        "date": "2026-02-17",
        "working": True,
        "reason": "extra_working_day",
        "name": "Tahun Baru Imlek",  # the holiday it overrules
        "counted_seconds": 0,
        "day": 1,
    }


def test_goals_without_a_deadline_have_no_explanation() -> None:
    not_started, _ = explained(
        goal(), "2026-02-05T00:00:00+07:00", ("submitted", "2026-02-02T09:00:00+07:00")
    )
    cancelled, _ = explained(
        goal(),
        "2026-02-05T00:00:00+07:00",
        ("submitted", "2026-02-02T09:00:00+07:00"),
        ("documents_completed", "2026-02-02T10:00:00+07:00"),
        ("cancelled", "2026-02-03T10:00:00+07:00"),
    )
    assert not_started is None and cancelled is None


def test_a_plain_hours_goal_has_no_calendar_and_every_day_counts() -> None:
    e, state = explained(
        goal("36 hours"),
        "2026-02-07T18:00:00+07:00",
        ("submitted", "2026-02-06T09:00:00+07:00"),
        ("documents_completed", "2026-02-06T12:00:00+07:00"),
    )
    assert e is not None and e.calendar is None and e.to_json()["calendar"] is None
    assert table(e) == [
        ("02-06", True, None, None, 12 * 3600, 1),
        ("02-07", True, None, None, 18 * 3600, 2),
    ]
    assert e.days[-1].ahead == 6 * 3600 * 1_000_000
    assert format_rfc3339(e.due_at, e.zone) == "2026-02-08T00:00:00+07:00"
    assert e.due_day == date(2026, 2, 7) and e.elapsed == state.elapsed
