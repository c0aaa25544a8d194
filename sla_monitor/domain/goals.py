"""The SLA clock of one goal (docs/rules.md#the-clock-of-a-goal): one goal, the events of one claim, an `as_of` → the goal's state.

Pure: plain values in, plain values out. Instants are integer microseconds (timeutil).
Read it beside docs/rules.md; the numbered rules are marked where they are applied.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from sla_monitor.domain.calendar import WorkingTime
from sla_monitor.domain.policy import EVENT_TYPES, Goal
from sla_monitor.domain.timeutil import Instant

LIFECYCLE_ORDER = {name: rank for rank, name in enumerate(EVENT_TYPES)}


class Phase(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    CANCELLED = "cancelled"


class Status(StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    PAUSED = "paused"
    BREACHED = "breached"
    MET = "met"
    CANCELLED = "cancelled"


OPEN_GOAL_PHASES = (Phase.RUNNING, Phase.PAUSED)  # the phases of a goal whose clock can still move
# The phases a goal version is kept in, which reports count: a goal not started or
# cancelled counts in none.
COUNTED_PHASES = (Phase.RUNNING, Phase.PAUSED, Phase.STOPPED)


def status_of(
    phase: Phase,
    *,
    as_of: Instant,
    due_at: Instant | None,
    ended_at: Instant | None,
    at_risk: bool,
) -> Status:
    """The status of a goal at `as_of` (docs/rules.md#statuses): the one definition, for a
    goal measured from its events (`state_at`) and for a stored record (`GoalRecord`).

    `at_risk` says whether a running goal's elapsed working time has reached its at-risk
    fraction. An open goal without a deadline yet (paused before reaching its target) is
    not breached; the first true case decides, as in the SQL of store.rules.open_status.
    """
    if phase is Phase.NOT_STARTED:
        return Status.NOT_STARTED
    if phase is Phase.CANCELLED:
        return Status.CANCELLED
    if phase is Phase.STOPPED:
        assert ended_at is not None and due_at is not None
        return Status.BREACHED if ended_at > due_at else Status.MET
    if due_at is not None and as_of > due_at:
        return Status.BREACHED
    if phase is Phase.PAUSED:
        return Status.PAUSED
    return Status.AT_RISK if at_risk else Status.ON_TRACK


@dataclass(frozen=True, slots=True)  # an import keeps a million of them
class ClockEvent:
    event_id: str
    type: str
    occurred_at: Instant


def event_order(event: ClockEvent) -> tuple[int, int, str]:
    """Time, then lifecycle order, then event_id by code point (docs/rules.md#the-clock-of-a-goal)."""
    return (event.occurred_at, LIFECYCLE_ORDER[event.type], event.event_id)


@dataclass(frozen=True)
class Trace:
    """What the events did to one goal's clock, before any time is measured."""

    phase: Phase
    started_at: Instant | None = None
    ended_at: Instant | None = None  # the stop or the cancel
    closed_spans: tuple[tuple[Instant, Instant], ...] = ()  # running spans that ended
    running_since: Instant | None = None  # start of the current span, if running or stopped running
    paused_since: Instant | None = None


NOT_STARTED = Trace(Phase.NOT_STARTED)  # the trace of no events


def trace(goal: Goal, events: Iterable[ClockEvent]) -> Trace:
    """Apply rules 1-6 to events already filtered to `occurred_at <= as_of`."""
    return trace_ordered(goal, sorted((e for e in events if e.type in goal.kinds), key=event_order))


def trace_ordered(goal: Goal, ordered: Iterable[ClockEvent]) -> Trace:
    """`trace` of events already in `event_order`."""
    last = deque(prefix_traces(goal, ordered), maxlen=1)
    return last[0] if last else NOT_STARTED


def prefix_traces(goal: Goal, ordered: Iterable[ClockEvent]) -> Iterator[Trace]:
    """The trace after each event of `ordered` (in `event_order`): the k-th is the trace of
    the first k+1 events. One pass, where a claim's versions need the trace of every prefix.
    """
    phase = Phase.NOT_STARTED
    started_at: Instant | None = None
    spans: list[tuple[Instant, Instant]] = []
    running_since: Instant | None = None
    paused_since: Instant | None = None
    events = iter(ordered)
    for event in events:
        kind, at = event.type, event.occurred_at
        final: Trace | None = None
        if kind in goal.cancel:  # rule 5, before or after the start
            final = Trace(Phase.CANCELLED, started_at, at, tuple(spans))
        elif phase is Phase.NOT_STARTED:
            if kind in goal.start:  # rule 1
                phase, started_at, running_since = Phase.RUNNING, at, at
            # rule 3: a reset before the start changes nothing
        elif kind in goal.reset:  # rule 3: from zero, running even if paused
            phase, started_at, running_since, paused_since = Phase.RUNNING, at, at, None
            spans = []
        elif kind in goal.stop:  # rule 4
            if phase is Phase.RUNNING:
                final = Trace(Phase.STOPPED, started_at, at, tuple(spans), running_since)
            else:  # stopped while paused: counts as resumed at its stop, so nothing more is added
                final = Trace(Phase.STOPPED, started_at, at, tuple(spans), None, paused_since)
        elif kind in goal.pause and phase is Phase.RUNNING:  # rule 2
            assert running_since is not None
            spans.append((running_since, at))
            phase, running_since, paused_since = Phase.PAUSED, None, at
        elif kind in goal.resume and phase is Phase.PAUSED:
            phase, running_since, paused_since = Phase.RUNNING, at, None
        if final is not None:  # rule 6: a stopped or cancelled clock ignores later events
            yield final
            for _ in events:
                yield final
            return
        yield Trace(phase, started_at, None, tuple(spans), running_since, paused_since)


@dataclass(frozen=True)
class GoalState:
    """A goal as of an instant: the fields of the claim view (docs/cli.md, `claim`)."""

    goal_id: str
    status: Status
    started_at: Instant | None
    stopped_at: Instant | None
    cancelled_at: Instant | None
    due_at: Instant | None
    elapsed: int
    target: int


def _counted(
    spans: Iterable[tuple[Instant, Instant]], count_from: Instant
) -> list[tuple[Instant, Instant]]:
    return [(max(a, count_from), b) for a, b in spans if b > max(a, count_from)]


def _reach(
    amount: int,
    spans: list[tuple[Instant, Instant]],
    then_from: Instant,
    time: WorkingTime,
) -> Instant:
    """When `amount` of working time is reached along `spans`, then running on from `then_from`."""
    done = 0
    for a, b in spans:
        measured = time.measure(a, b)
        if done + measured >= amount:
            return time.advance(a, amount - done)
        done += measured
    return time.advance(then_from, amount - done)


def state_at(goal: Goal, tr: Trace, as_of: Instant, time: WorkingTime) -> GoalState:
    """Measure a trace (of the events up to `as_of`) at `as_of`."""
    target = goal.target.micros
    if tr.phase is Phase.NOT_STARTED:
        return GoalState(goal.id, Status.NOT_STARTED, None, None, None, None, 0, target)
    if tr.phase is Phase.CANCELLED:
        return GoalState(
            goal.id, Status.CANCELLED, tr.started_at, None, tr.ended_at, None, 0, target
        )
    assert tr.started_at is not None
    count_from = time.count_from(tr.started_at)
    spans = list(tr.closed_spans)
    if tr.phase is Phase.STOPPED:
        assert tr.ended_at is not None
        if tr.running_since is not None:
            spans.append((tr.running_since, tr.ended_at))
        resume_point = tr.running_since if tr.running_since is not None else tr.ended_at
    elif tr.phase is Phase.RUNNING:
        assert tr.running_since is not None
        spans.append((tr.running_since, max(as_of, tr.running_since)))
        resume_point = tr.running_since
    else:  # paused: projected as if it resumed at as_of
        resume_point = max(as_of, tr.paused_since or as_of)
    elapsed = sum(time.measure(a, b) for a, b in _counted(spans, count_from))
    due = _due(goal, tr.closed_spans, resume_point, count_from, time)
    status = status_of(
        tr.phase,
        as_of=as_of,
        due_at=due,
        ended_at=tr.ended_at,
        at_risk=elapsed >= goal.at_risk_micros,
    )
    stopped_at = tr.ended_at if tr.phase is Phase.STOPPED else None
    return GoalState(goal.id, status, tr.started_at, stopped_at, None, due, elapsed, target)


def _due(
    goal: Goal,
    closed_spans: Iterable[tuple[Instant, Instant]],
    resume_point: Instant,
    count_from: Instant,
    time: WorkingTime,
) -> Instant:
    spans = _counted(closed_spans, count_from)
    reached = _reach(goal.target.micros, spans, max(resume_point, count_from), time)
    return time.deadline(reached)


@dataclass(frozen=True)
class GoalRecord:
    """A goal's state after all its claim's events, valid for any `as_of` at or after the
    claim's last event. This is what the store keeps, so that queries can tell a
    goal's status from indexed columns without replaying events.
    """

    goal_id: str
    phase: Phase
    started_at: Instant | None
    ended_at: Instant | None
    due_at: Instant | None  # paused: only once the target has already been reached
    at_risk_at: Instant | None  # running: when elapsed reaches the at-risk fraction
    elapsed: int  # frozen working time for paused and stopped goals
    target: int

    def status_at(self, as_of: Instant) -> Status:
        at_risk = self.at_risk_at is not None and as_of >= self.at_risk_at
        return status_of(
            self.phase, as_of=as_of, due_at=self.due_at, ended_at=self.ended_at, at_risk=at_risk
        )


def record(goal: Goal, tr: Trace, time: WorkingTime) -> GoalRecord:
    """The stored form of a trace of all of a claim's events."""
    target = goal.target.micros
    started, ended = tr.started_at, tr.ended_at
    if tr.phase in (Phase.NOT_STARTED, Phase.CANCELLED):
        return GoalRecord(goal.id, tr.phase, started, ended, None, None, 0, target)
    assert started is not None
    count_from = time.count_from(started)
    spans = _counted(tr.closed_spans, count_from)
    frozen = sum(time.measure(a, b) for a, b in spans)
    if tr.phase is Phase.RUNNING:
        assert tr.running_since is not None
        resume = max(tr.running_since, count_from)
        due = time.deadline(_reach(target, spans, resume, time))
        at_risk_at = _reach(goal.at_risk_micros, spans, resume, time)
        return GoalRecord(goal.id, tr.phase, started, None, due, at_risk_at, frozen, target)
    if tr.phase is Phase.PAUSED:
        # Paused: the projected deadline moves with as_of, so only a passed one is stored.
        passed = (
            time.deadline(_reach(target, spans, count_from, time)) if frozen >= target else None
        )
        return GoalRecord(goal.id, tr.phase, started, None, passed, None, frozen, target)
    state = state_at(goal, tr, ended or 0, time)
    return GoalRecord(goal.id, tr.phase, started, ended, state.due_at, None, state.elapsed, target)
