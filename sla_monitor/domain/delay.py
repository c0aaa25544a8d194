"""The delay before and around the SLA clock (docs/rules.md#the-delay-before-and-around-the-clock).

The payment clock starts only when a claim's documents are complete and pauses while they are
sent back: the participant's wait before that, and during each send-back, is invisible to
the SLA. Pure: a claim's events and the working time of its goal's calendar in → its figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo

from sla_monitor.domain.calendar import Calendars, WorkingTime
from sla_monitor.domain.goals import ClockEvent, Phase, Trace, trace
from sla_monitor.domain.midnights import DAY_UNITS
from sla_monitor.domain.policy import Goal
from sla_monitor.domain.timeutil import Instant

COMPLETED = "documents_completed"
SENT_BACK = "documents_incomplete"
CLOSING = frozenset({"paid", "rejected"})
# Bucket bounds, in working days, of the histograms of the wait and of end-to-end time.
WAIT_BUCKETS = (0.5, 1, 2, 3, 5, 10, 20)
END_TO_END_BUCKETS = (1, 3, 5, 7, 10, 15, 20, 30, 60)


@dataclass(frozen=True)
class ClaimDelay:
    """One claim's delay before and around its clock. Working amounts are microseconds of the
    goal's calendar in the branch's zone, a whole working day counting 86,400 s (DAY_UNITS)."""

    submitted_at: Instant
    first_complete_at: Instant | None  # the first documents_completed
    wait: int | None  # working time from submitted to first_complete_at
    send_backs: int  # documents_incomplete events
    paused: int  # working time the goal's clock spent paused (pauses that ended, or its stop)
    clock: int | None  # working time from the clock's start to its stop; None until it stops
    closed_at: Instant | None  # the first paid or rejected
    end_to_end: int | None  # working time from submitted to closed_at
    end_to_end_calendar: int | None  # plain elapsed time from submitted to closed_at


def delay_goal(goals: Sequence[Goal]) -> Goal | None:
    """The goal whose calendar and clock the delay is measured by: the first that starts when
    documents are complete (payment, in the shipped policy), else the first goal."""
    return next((g for g in goals if COMPLETED in g.start), goals[0] if goals else None)


def delay_time(calendars: Calendars, goal: Goal, zone: ZoneInfo) -> WorkingTime:
    """The working days of the goal's calendar in the branch's zone, or plain time for a
    target of hours or minutes: what delays and lateness are counted in."""
    unit = "working_days" if goal.target.uses_calendar else "hours"
    return calendars.working_time(unit, goal.calendar, zone)


def pauses(tr: Trace) -> list[tuple[Instant, Instant]]:
    """The spans a clock spent paused, from its trace: the gaps between its running spans,
    and a pause its stop ended. A pause still open is not among them (it has no length yet)."""
    runs = list(tr.closed_spans)
    tail: list[tuple[Instant, Instant]] = []
    if tr.running_since is not None:  # running, or stopped while running: the last span began
        runs.append((tr.running_since, tr.running_since))
    elif tr.phase is Phase.STOPPED and tr.paused_since is not None and tr.ended_at is not None:
        tail.append((tr.paused_since, tr.ended_at))
    gaps = [(end, begin) for (_a, end), (begin, _b) in pairwise(runs)]
    return [(a, b) for a, b in gaps + tail if b > a]


def claim_delay(
    submitted_at: Instant, events: Iterable[ClockEvent], goal: Goal, time: WorkingTime
) -> ClaimDelay:
    """The figures of one claim from all its stored events (ClaimDelay); `time` is
    `delay_time` of its goal."""
    events = list(events)
    completed = [e.occurred_at for e in events if e.type == COMPLETED]
    closing = [e.occurred_at for e in events if e.type in CLOSING]
    first = min(completed, default=None)
    closed = min(closing, default=None)
    tr = trace(goal, events)
    clock = None
    if tr.phase is Phase.STOPPED and tr.started_at is not None and tr.ended_at is not None:
        clock = time.measure(tr.started_at, tr.ended_at)
    return ClaimDelay(
        submitted_at=submitted_at,
        first_complete_at=first,
        wait=None if first is None else time.measure(submitted_at, first),
        send_backs=sum(e.type == SENT_BACK for e in events),
        paused=sum(time.measure(a, b) for a, b in pauses(tr)),
        clock=clock,
        closed_at=closed,
        end_to_end=None if closed is None else time.measure(submitted_at, closed),
        end_to_end_calendar=None if closed is None else max(0, closed - submitted_at),
    )


class DelayCounted(StrEnum):
    """The counters of delays kept in the store beside recording.Counted (docs/metrics.md)."""

    WAIT = "delay_wait"  # histogram of the wait: a bucket's count, or "sum"
    END_TO_END = "delay_end_to_end"  # histogram of end-to-end time, likewise
    SENT_BACK = "sent_back"  # documents sent back


def bucket_label(bound: float) -> str:
    return "+Inf" if bound == float("inf") else f"{float(bound)}"


def _observe(name: str, value: int, bounds: Sequence[float]) -> list[tuple[str, str, int]]:
    """One observation: the first bucket it falls in (exposed cumulated), and its sum."""
    days = value / DAY_UNITS
    bound = next((b for b in bounds if days <= b), float("inf"))
    return [(name, bucket_label(bound), 1), (name, "sum", value)]


def delay_increments(old: ClaimDelay | None, new: ClaimDelay) -> list[tuple[str, str, int]]:
    """What the counters gain when a claim's figures are rewritten, as (counter, detail,
    amount): a wait once its first completion is known, an end-to-end time once it is
    closed, and the send-backs not counted before. Counted once, never taken back."""
    out: list[tuple[str, str, int]] = []
    if new.wait is not None and (old is None or old.wait is None):
        out += _observe(DelayCounted.WAIT, new.wait, WAIT_BUCKETS)
    if new.end_to_end is not None and (old is None or old.end_to_end is None):
        out += _observe(DelayCounted.END_TO_END, new.end_to_end, END_TO_END_BUCKETS)
    more = new.send_backs - (old.send_backs if old is not None else 0)
    if more > 0:
        out.append((DelayCounted.SENT_BACK, "", more))
    return out
