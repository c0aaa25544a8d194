"""The breach report of a period (docs/rules.md#reports): pure over the goals as they were
at `as_of`, grouped by channel, branch or region."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sla_monitor.domain.calendar import WorkingTime
from sla_monitor.domain.delay_figures import DelayRow
from sla_monitor.domain.goals import Status
from sla_monitor.domain.timeutil import Instant, local_date


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
    # What lateness is counted in: the working days of the goal's calendar in the branch's
    # zone (calendar days for a target of plain hours); None: not given.
    lateness: WorkingTime | None = None


BY = ("channel", "branch", "region")  # what a report's rows can be grouped by


@dataclass(frozen=True)
class Grouping:
    """The group of a goal's row: its channel, its branch, or its branch's region."""

    by: str = "channel"
    region_of: Mapping[str, str] = field(default_factory=dict)  # branch code -> region

    def key(self, channel: str, branch_code: str) -> str:
        if self.by == "channel":
            return channel
        return branch_code if self.by == "branch" else self.region_of.get(branch_code, "-")


@dataclass
class SummaryRow:
    group: str  # a channel, a branch code or a region, as the report is grouped
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

    def add(self, other: SummaryRow) -> None:
        self.closed += other.closed
        self.met += other.met
        self.breached += other.breached
        self.new_breaches += other.new_breaches
        self.open_breached += other.open_breached
        self.at_risk += other.at_risk


@dataclass(frozen=True)
class Breach:
    fact: GoalFact
    kind: str  # "closed_late" | "deadline_passed"
    overdue: int  # microseconds of calendar time
    overdue_working: int | None = None  # of working-day time in `fact.lateness`, when given


@dataclass(frozen=True)
class WindowCount:
    """Goals of one (channel, branch, goal) that closed in the window, met, and fell due in it
    unmet (`closed_in_window`, `newly_breached`)."""

    closed: int = 0
    met: int = 0
    new_breaches: int = 0
    closed_late: int = 0  # of `closed`: after their deadline

    def __add__(self, other: WindowCount) -> WindowCount:
        return WindowCount(*(a + b for a, b in zip(self.values(), other.values(), strict=True)))

    def values(self) -> tuple[int, int, int, int]:
        return (self.closed, self.met, self.new_breaches, self.closed_late)


@dataclass
class Report:
    day: date  # the first day of the window
    last_day: date
    timezone: str
    window_start: Instant
    window_end: Instant
    as_of: Instant
    by: str = "channel"
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    summary: list[SummaryRow] = field(default_factory=list)  # worst compliance first
    totals: list[SummaryRow] = field(default_factory=list)  # one a goal, over every group
    breaches: list[Breach] = field(default_factory=list)
    # How many breaches there are, when `breaches` holds only the first of them.
    breach_total: int | None = None
    # The delay before and around the clock of the claims closed in the window, by group
    # in the order of `summary`'s groups as configured, and over all (domain.delay).
    delays: list[DelayRow] = field(default_factory=list)
    delay_total: DelayRow | None = None

    @property
    def breach_count(self) -> int:
        return len(self.breaches) if self.breach_total is None else self.breach_total


@dataclass(frozen=True)
class Window:
    """A report's window [start, end) and the instant it shows (docs/rules.md#reports)."""

    start: Instant
    end: Instant
    as_of: Instant


def closed_in_window(w: Window, *, stopped_at: Instant | None) -> bool:
    """Closed (stopped, met or breached) in the window, by as_of; cancellations never are."""
    return stopped_at is not None and w.start <= stopped_at < w.end and stopped_at <= w.as_of


def newly_breached(
    w: Window, *, due_at: Instant | None, stopped_at: Instant | None, status: Status
) -> bool:
    """Its deadline fell in the window, before as_of, and it was not stopped by then."""
    return (
        due_at is not None
        and w.start <= due_at < w.end
        and due_at < w.as_of
        and status is not Status.CANCELLED
        and not (stopped_at is not None and stopped_at <= due_at)
    )


def day_counts(
    *, due_at: Instant | None, stopped_at: Instant | None, zone: ZoneInfo
) -> list[tuple[date, WindowCount]]:
    """A goal's part in the report of each local day in `zone`, whatever its as_of provided
    the day has ended by then (docs/reports.md#how-fast): closed, met or late on the day it
    stopped; newly breached on the day its deadline passed, if it was not stopped by then.
    Each is one of the window rules above taken on the day its instant falls in, so the days
    of a period that has ended add up to its report."""
    parts = []
    in_time = stopped_at is not None and due_at is not None and stopped_at <= due_at
    if stopped_at is not None:
        late = due_at is not None and stopped_at > due_at
        parts.append((local_date(stopped_at, zone), WindowCount(1, int(in_time), 0, int(late))))
    if due_at is not None and not in_time:
        parts.append((local_date(due_at, zone), WindowCount(new_breaches=1)))
    return parts


def build_report(
    *,
    day: date,
    timezone: str,
    window: tuple[Instant, Instant],
    as_of: Instant,
    facts: Iterable[GoalFact],
    rows: Sequence[tuple[str, str]],
    open_counts: Mapping[tuple[str, str, str, str], int] | None = None,
    window_counts: Mapping[tuple[str, str, str], WindowCount] | None = None,
    last_day: date | None = None,
    grouping: Grouping | None = None,
    filters: Mapping[str, Sequence[str]] | None = None,
) -> Report:
    """Count the facts and list the breaches among them; `rows` are the (group, goal)
    pairs shown even when all zero.

    Counted elsewhere (in SQL, store.rules), for facts given with `counted=False`:
    `open_counts`, open goals at `as_of` by (channel, branch, goal, status), and
    `window_counts`, by (channel, branch, goal), the goals that closed in the window, met,
    and fell due in it.
    """
    w = Window(window[0], window[1], as_of)
    groups = grouping or Grouping()
    report = Report(
        day, last_day or day, timezone, w.start, w.end, as_of, groups.by, dict(filters or {})
    )
    summary = {key: SummaryRow(*key) for key in rows}

    def row_of(channel: str, branch: str, goal: str) -> SummaryRow:
        key = (groups.key(channel, branch), goal)
        return summary.setdefault(key, SummaryRow(*key))

    for (channel, branch, goal, status), count in (open_counts or {}).items():
        row = row_of(channel, branch, goal)
        row.open_breached += count if status == Status.BREACHED else 0
        row.at_risk += count if status == Status.AT_RISK else 0
    for (channel, branch, goal), counted in (window_counts or {}).items():
        row = row_of(channel, branch, goal)
        row.closed += counted.closed
        row.met += counted.met
        row.breached += counted.closed - counted.met
        row.new_breaches += counted.new_breaches
    for fact in facts:
        breach = _count_fact(row_of(fact.channel, fact.branch_code, fact.goal_id), fact, w)
        if breach is not None:
            report.breaches.append(breach)
    position = {key: i for i, key in enumerate(rows)}
    report.summary = sorted(summary.values(), key=lambda r: _worst_first(position, r))
    report.totals = _totals(report.summary, rows)
    report.breaches.sort(key=lambda b: (b.fact.due_at or 0, b.fact.claim_id, b.fact.goal_id))
    return report


def _worst_first(position: Mapping[tuple[str, str], int], row: SummaryRow) -> tuple[float, ...]:
    """Lowest compliance first, rows with nothing closed last, then in configuration order."""
    compliance = row.compliance
    place = position.get((row.group, row.goal), len(position))
    return (compliance is None, compliance or 0.0, -row.breached, place)


def _totals(summary: list[SummaryRow], rows: Sequence[tuple[str, str]]) -> list[SummaryRow]:
    """One row a goal, over every group, the goals in the order they are configured."""
    totals: dict[str, SummaryRow] = {goal: SummaryRow("", goal) for _group, goal in rows}
    for row in summary:
        totals.setdefault(row.goal, SummaryRow("", row.goal)).add(row)
    return list(totals.values())


def _count_fact(row: SummaryRow, fact: GoalFact, w: Window) -> Breach | None:
    """Count one goal in its row (unless counted in SQL); the breach it is, if any."""
    closed_here = closed_in_window(w, stopped_at=fact.stopped_at)
    late = newly_breached(w, due_at=fact.due_at, stopped_at=fact.stopped_at, status=fact.status)
    if fact.counted:
        if closed_here:
            row.closed += 1
            row.met += fact.status is Status.MET
            row.breached += fact.status is not Status.MET
        row.new_breaches += late
        row.open_breached += fact.status is Status.BREACHED and fact.stopped_at is None
        row.at_risk += fact.status is Status.AT_RISK
    assert fact.due_at is not None or not (closed_here or late)
    if closed_here and fact.status is Status.BREACHED:
        assert fact.stopped_at is not None and fact.due_at is not None
        return _breach(fact, "closed_late", fact.due_at, fact.stopped_at)
    if late:
        assert fact.due_at is not None
        until = fact.stopped_at if fact.stopped_at is not None else w.as_of
        return _breach(fact, "deadline_passed", fact.due_at, until)
    return None


def _breach(fact: GoalFact, kind: str, due_at: Instant, until: Instant) -> Breach:
    working = None if fact.lateness is None else fact.lateness.measure(due_at, until)
    return Breach(fact, kind, until - due_at, working)
