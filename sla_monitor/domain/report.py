"""The daily breach report of SPEC §6: pure over the goals as they were at `as_of`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sla_monitor.domain.goals import Status
from sla_monitor.domain.timeutil import Instant


@dataclass(frozen=True)
class GoalFact:
    """One goal of one claim, as it was at the report's `as_of`."""

    claim_id: str
    channel: str
    branch_code: str
    goal_id: str
    status: Status
    due_at: Instant | None
    stopped_at: Instant | None
    zone: ZoneInfo  # the branch's, for friendly timestamps
    # False when it is listed only: counted already in `open_counts` and `window_counts`.
    counted: bool = True


@dataclass
class SummaryRow:
    channel: str
    goal: str
    closed: int = 0
    met: int = 0
    breached: int = 0
    new_breaches: int = 0
    open_breached: int = 0
    at_risk: int = 0

    @property
    def compliance(self) -> float | None:
        return None if self.closed == 0 else self.met / self.closed


@dataclass(frozen=True)
class Breach:
    fact: GoalFact
    kind: str  # "closed_late" | "deadline_passed"
    overdue: int  # microseconds


@dataclass(frozen=True)
class WindowCount:
    """Goals of one (channel, goal) that closed in the window, met, and fell due in it."""

    closed: int = 0
    met: int = 0
    new_breaches: int = 0


@dataclass
class Report:
    day: date
    timezone: str
    window_start: Instant
    window_end: Instant
    as_of: Instant
    summary: list[SummaryRow] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)


def build_report(
    *,
    day: date,
    timezone: str,
    window: tuple[Instant, Instant],
    as_of: Instant,
    facts: Iterable[GoalFact],
    rows: Sequence[tuple[str, str]],
    open_counts: Mapping[tuple[str, str, str], int] | None = None,
    window_counts: Mapping[tuple[str, str], WindowCount] | None = None,
) -> Report:
    """Count the facts and list the breaches among them; `rows` are the (channel, goal)
    pairs shown even when all zero.

    Counted elsewhere (in SQL), for facts given with `counted=False`: `open_counts`, open
    goals at `as_of` by (channel, goal, status), and `window_counts`, by (channel, goal),
    the goals that closed in the window, met, and fell due in it, as counted below.
    """
    start, end = window
    report = Report(day, timezone, start, end, as_of)
    summary = {key: SummaryRow(*key) for key in rows}
    for (channel, goal, status), count in (open_counts or {}).items():
        row = summary.setdefault((channel, goal), SummaryRow(channel, goal))
        if status == Status.BREACHED:
            row.open_breached += count
        elif status == Status.AT_RISK:
            row.at_risk += count
    for (channel, goal), counted in (window_counts or {}).items():
        row = summary.setdefault((channel, goal), SummaryRow(channel, goal))
        row.closed += counted.closed
        row.met += counted.met
        row.breached += counted.closed - counted.met
        row.new_breaches += counted.new_breaches
    for fact in facts:
        row = summary.setdefault(
            (fact.channel, fact.goal_id), SummaryRow(fact.channel, fact.goal_id)
        )
        closed_here = (
            fact.stopped_at is not None
            and start <= fact.stopped_at < end
            and fact.stopped_at <= as_of
        )
        if closed_here and fact.counted:
            row.closed += 1
            if fact.status is Status.MET:
                row.met += 1
            else:
                row.breached += 1
        newly_breached = (
            fact.due_at is not None
            and start <= fact.due_at < end
            and fact.due_at < as_of
            and fact.status is not Status.CANCELLED
            and not (fact.stopped_at is not None and fact.stopped_at <= fact.due_at)
        )
        if newly_breached and fact.counted:
            row.new_breaches += 1
        if fact.counted and fact.status is Status.BREACHED and fact.stopped_at is None:
            row.open_breached += 1
        if fact.counted and fact.status is Status.AT_RISK:
            row.at_risk += 1
        assert fact.due_at is not None or not (closed_here or newly_breached)
        if closed_here and fact.status is Status.BREACHED:
            assert fact.stopped_at is not None and fact.due_at is not None
            report.breaches.append(Breach(fact, "closed_late", fact.stopped_at - fact.due_at))
        elif newly_breached:
            assert fact.due_at is not None
            until = fact.stopped_at if fact.stopped_at is not None else as_of
            report.breaches.append(Breach(fact, "deadline_passed", until - fact.due_at))
    report.summary = sorted(summary.values(), key=lambda r: (_position(rows, r), r.channel, r.goal))
    report.breaches.sort(key=lambda b: (b.fact.due_at or 0, b.fact.claim_id, b.fact.goal_id))
    return report


def _position(rows: Sequence[tuple[str, str]], row: SummaryRow) -> int:
    key = (row.channel, row.goal)
    return rows.index(key) if key in rows else len(rows)
