"""Why a deadline falls where it does (docs/explain.md): for one goal of a claim as of an
instant, every local day from the start day to the due day with whether it is a working day
and why, the working time counted on it and its number, and every pause. Pure.

Nothing here counts time by itself: each day's working time is the difference of the goal's
own `elapsed` (goals.state_at) at the day's two ends, and what is still to come before the
deadline is measured by the working time that computed it, so an explanation always adds up
to the `elapsed` and `due_at` the claim view shows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sla_monitor.domain.calendar import WorkingTime
from sla_monitor.domain.day_reasons import day_reason, named_dates
from sla_monitor.domain.goals import (
    NOT_STARTED,
    ClockEvent,
    GoalState,
    Phase,
    event_order,
    prefix_traces,
    state_at,
    trace_ordered,
)
from sla_monitor.domain.midnights import DAY_UNITS
from sla_monitor.domain.policy import CalendarSpec, Goal
from sla_monitor.domain.timer import ClaimView, SlaTimer
from sla_monitor.domain.timeutil import Instant, format_rfc3339, local_date, seconds, start_of_day


@dataclass(frozen=True)
class ExplainedDay:
    """One local day of a goal's timeline."""

    date: date
    working: bool
    reason: str | None  # saturday | sunday | (another weekday) | holiday | extra_holiday
    #                     | extra_working_day; None for a plain working day
    name: str | None  # the holiday's Indonesian name (also of one an extra working day overrules)
    counted: int  # working time counted on this day by as_of, or by the stop (µs)
    ahead: int  # working time the deadline still counts on this day after that (µs)
    number: int | None  # 1..N among the days that count toward the target; None if none does
    paused: bool  # a pause of the clock covers part of this day
    # In working days, a date may hold parts of two (a pause or a late stop splits them):
    # the first it touches; `number` is the last. Equal otherwise.
    first_number: int | None = None
    # Time toward the target by the day's start and end (up to the due day, at most the
    # target: the rest of a deadline's day after the target is reached counts toward nothing).
    toward_start: int = 0
    toward: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "working": self.working,
            "reason": self.reason,
            "name": self.name,
            "counted_seconds": seconds(self.counted),
            "day": self.number,
        }


@dataclass(frozen=True)
class Pause:
    """One pause of the current clock; `resumed_by` is the resume, or the stop that ended it."""

    start: Instant
    end: Instant | None  # None: still paused at as_of
    paused_by: ClockEvent
    resumed_by: ClockEvent | None
    working: int  # working time of the calendar it covered (up to as_of if still paused), µs

    def to_json(self, zone: ZoneInfo) -> dict[str, Any]:
        return {
            "from": format_rfc3339(self.start, zone),
            "to": None if self.end is None else format_rfc3339(self.end, zone),
            "paused_by": self.paused_by.event_id,
            "resumed_by": None if self.resumed_by is None else self.resumed_by.event_id,
            "working_seconds": seconds(self.working),
        }


@dataclass(frozen=True)
class Explanation:
    """One goal's deadline, day by day (docs/explain.md)."""

    goal_id: str
    unit: str  # the target's unit: working_days | working_hours | hours | minutes
    amount: int  # the target in its unit: 5 (working days)
    target: int  # µs of working time
    calendar: str | None  # None for a target of plain hours or minutes
    zone: ZoneInfo
    office_hours: tuple[time, time] | None  # working_hours targets only; closes time(0): 24:00
    started_by: ClockEvent  # the event that started the clock, or the reset that restarted it
    reset: bool
    start_day: date
    start_day_counted: bool  # False for working days: the start-day rule
    end: Instant  # where counting stopped: the stop, or as_of
    stopped: bool
    due_at: Instant
    due_day: date
    projected: bool  # paused: due_at is as if the clock resumed at as_of
    days: tuple[ExplainedDay, ...]
    pauses: tuple[Pause, ...]

    @property
    def elapsed(self) -> int:
        return sum(d.counted for d in self.days)

    def to_json(self) -> dict[str, Any]:
        """The `explanation` of a goal in the claim view (docs/api.md)."""
        return {
            "calendar": self.calendar,
            "timezone": self.zone.key,
            "start_day": self.start_day.isoformat(),
            "due_day": self.due_day.isoformat(),
            "projected": self.projected,
            "days": [d.to_json() for d in self.days],
            "pauses": [p.to_json(self.zone) for p in self.pauses],
        }


def explain(
    timer: SlaTimer, view: ClaimView, events: Iterable[ClockEvent]
) -> tuple[Explanation | None, ...]:
    """The explanation of each goal of `view` (None for a goal without a deadline: not
    started or cancelled), from the claim's stored events."""
    _, goals = timer.goals_for(view.claim)
    listed = [e for e in events if e.occurred_at <= view.as_of]
    return tuple(
        explain_goal(timer, view, goal, state, listed)
        for goal, state in zip(goals, view.goals, strict=True)
    )


@dataclass(frozen=True)
class _Clock:
    """What the events did to the current clock: its start, its pauses, its phase."""

    phase: Phase
    started_by: ClockEvent
    reset: bool
    pauses: tuple[tuple[ClockEvent, ClockEvent | None], ...]


def _clock(goal: Goal, ordered: Sequence[ClockEvent]) -> _Clock | None:
    """Replay the goal's own trace event by event (goals.prefix_traces) to see which event
    started the clock and which paused and resumed it."""
    before = NOT_STARTED
    pauses: list[tuple[ClockEvent, ClockEvent | None]] = []
    started_by: ClockEvent | None = None
    reset = False
    for event, after in zip(ordered, prefix_traces(goal, ordered), strict=True):
        if after.started_at != before.started_at and after.started_at is not None:
            started_by, reset, pauses = event, before.phase is not Phase.NOT_STARTED, []
        elif before.phase is Phase.PAUSED and after.phase is not Phase.PAUSED:
            pauses[-1] = (pauses[-1][0], event)
        if after.phase is Phase.PAUSED and before.phase is not Phase.PAUSED:
            pauses.append((event, None))
        before = after
    return None if started_by is None else _Clock(before.phase, started_by, reset, tuple(pauses))


def explain_goal(
    timer: SlaTimer,
    view: ClaimView,
    goal: Goal,
    state: GoalState,
    events: Iterable[ClockEvent],
) -> Explanation | None:
    """The explanation of one goal whose state in `view` is `state` (docs/explain.md)."""
    if state.due_at is None or state.started_at is None:
        return None
    ordered = sorted(
        (e for e in events if e.type in goal.kinds and e.occurred_at <= view.as_of),
        key=event_order,
    )
    clock = _clock(goal, ordered)
    assert clock is not None  # a goal with a deadline has started
    time_ = timer.working_time(goal, view.claim)
    zone = timer.config.branches[view.claim.branch_code].zone
    spec = timer.config.calendars[goal.calendar] if goal.target.uses_calendar else None
    end = state.stopped_at if state.stopped_at is not None else view.as_of
    count_from = time_.count_from(state.started_at)
    pauses = tuple(
        Pause(
            p.occurred_at,
            None if r is None else r.occurred_at,
            p,
            r,
            time_.measure(max(p.occurred_at, count_from), end if r is None else r.occurred_at),
        )
        for p, r in clock.pauses
    )
    due_day = local_date(state.due_at - 1, zone)  # a deadline at midnight ends the day before
    moments = [e.occurred_at for e in ordered]
    timeline = _Timeline(goal, ordered, moments, state, time_, zone, end, count_from)
    days = timeline.days(spec, timer, due_day, pauses)
    return Explanation(
        goal_id=goal.id,
        unit=goal.target.unit,
        amount=goal.target.amount,
        target=goal.target.micros,
        calendar=goal.calendar if spec else None,
        zone=zone,
        office_hours=spec.office_hours if spec and goal.target.unit == "working_hours" else None,
        started_by=clock.started_by,
        reset=clock.reset,
        start_day=local_date(state.started_at, zone),
        start_day_counted=count_from == state.started_at,
        end=end,
        stopped=state.stopped_at is not None,
        due_at=state.due_at,
        due_day=due_day,
        projected=clock.phase is Phase.PAUSED,
        days=days,
        pauses=pauses,
    )


@dataclass(frozen=True)
class _Timeline:
    goal: Goal
    ordered: Sequence[ClockEvent]
    moments: Sequence[Instant]  # each event's occurred_at, in the same order
    state: GoalState
    time: WorkingTime
    zone: ZoneInfo
    end: Instant
    count_from: Instant

    def elapsed_by(self, instant: Instant) -> int:
        """The goal's elapsed working time as viewed at `instant` (clamped to the clock's
        run): what the claim view would have shown then."""
        assert self.state.started_at is not None
        at = min(max(instant, self.state.started_at), self.end)
        known = self.ordered[: bisect_right(self.moments, at)]
        return state_at(self.goal, trace_ordered(self.goal, known), at, self.time).elapsed

    def ahead(self, begin: Instant, until: Instant) -> int:
        """What the deadline still counts in [begin, until) after the clock's `end`: it runs
        on from there (or, paused, as if resumed at as_of) until `due_at`."""
        assert self.state.due_at is not None
        start = max(begin, self.end, self.count_from)
        return self.time.measure(start, min(until, self.state.due_at))

    def number(self, before: int, total: int, today: int) -> int:
        """The number of the day that brings the counted time to `total`. In working days,
        the day in which that many working days are complete (a day split by a pause is
        one day counted on two dates); otherwise each date that counts is the next day."""
        if self.goal.target.unit == "working_days":
            return -(-total // DAY_UNITS)
        return before + (today > 0)

    def days(
        self, spec: CalendarSpec | None, timer: SlaTimer, due_day: date, pauses: Sequence[Pause]
    ) -> tuple[ExplainedDay, ...]:
        assert self.state.started_at is not None
        first = local_date(self.state.started_at, self.zone)
        last = max(due_day, local_date(max(self.end - 1, self.state.started_at), self.zone))
        fingerprint = None if spec is None else timer.calendars.fingerprint(spec.id)
        named = named_dates(spec, first, last)
        out: list[ExplainedDay] = []
        number, total, toward, day = 0, 0, 0, first
        begin = start_of_day(first, self.zone)
        done = self.elapsed_by(begin)
        while day <= last:
            until = start_of_day(day + timedelta(days=1), self.zone)
            done_by = self.elapsed_by(until)
            counted, ahead = done_by - done, self.ahead(begin, until)
            total += counted + ahead
            # Up to the due day, a deadline rounded to the end of its day counts its last
            # hours too: the target's own time is what numbers the days.
            before = toward
            toward = min(total, self.state.target) if day <= due_day else total
            number = self.number(number, toward, counted + ahead)
            opening = number if self.goal.target.unit != "working_days" else before // DAY_UNITS + 1
            working = fingerprint is None or fingerprint.working(day)
            reason, name = day_reason(spec, day, working, named.get(day))
            paused = any(
                p.start < until and (self.end if p.end is None else p.end) > begin for p in pauses
            )
            numbered = number if counted + ahead > 0 else None
            facts = (day, working, reason, name, counted, ahead, numbered, paused)
            out.append(ExplainedDay(*facts, opening if numbered else None, before, toward))
            day, begin, done = day + timedelta(days=1), until, done_by
        return tuple(out)
