"""The reads of a report: goals as they were at an as-of, counted or listed over a window,
and open goals by status. Every goal's record at any as-of is a stored goal version
(`valid_at`), so a report reads index ranges of versions and never replays events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, case, func, or_, select, type_coerce
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlmodel import Session

from sla_monitor.domain.goals import GoalRecord, Phase
from sla_monitor.domain.report import WindowCount
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store.instants import UtcInstant
from sla_monitor.store.queries import RECORD_COLUMNS
from sla_monitor.store.rules import open_status, window_conditions
from sla_monitor.store.tables import CLAIMS, CLOSED_LATE, OPEN_PHASES, VERSIONS


@dataclass(frozen=True)
class ReportGoal:
    """A goal as it was at a report's `as_of`, with its claim's channel, branch and policy."""

    claim_id: str
    channel: str
    branch_code: str
    record: GoalRecord
    policy_id: str | None = None  # None: its claim is not stored
    valid_from: Instant | None = None  # of the version read


def valid_at(as_of: Instant) -> ColumnElement[bool]:
    """The goal versions valid at `as_of`: one a goal, the goal's record as of then (docs/rules.md#the-clock-of-a-goal:
    a view ignores later events). A goal not started or cancelled then has none."""
    v = VERSIONS.c
    return and_(v.valid_from <= as_of, or_(v.valid_to.is_(None), v.valid_to > as_of))


def narrowed_to(
    query: Select[Any],
    channels: Sequence[str] | None,
    branches: Sequence[str] | None,
    columns: ReadOnlyColumnCollection[str, Any] = VERSIONS.c,
) -> Select[Any]:
    """`query` narrowed to these channels or branches when given: on goal versions, or on
    the table of `columns` (one with channel and branch_code)."""
    if channels is not None:
        query = query.where(columns.channel.in_(channels))
    if branches is not None:
        query = query.where(columns.branch_code.in_(branches))
    return query


def closed_or_due_goals(
    *,
    session: Session,
    window_start: Instant,
    window_end: Instant,
    as_of: Instant,
    channels: Sequence[str] | None = None,
    branches: Sequence[str] | None = None,
) -> list[tuple[str, str]]:
    """(claim, goal) of every goal, as it was at as_of, stopped in the window or due in it;
    cancelled goals aside (docs/explain.md#an-evidence-pack)."""
    v = VERSIONS.c
    w = window_conditions(v, window_start, window_end, as_of)
    due = and_(v.due_at >= window_start, v.due_at < window_end, v.phase != Phase.CANCELLED.value)
    query = select(v.claim_id, v.goal_id).where(or_(w.closed, due), valid_at(as_of))
    return [(str(c), str(g)) for c, g in session.execute(narrowed_to(query, channels, branches))]


def window_counts(
    *,
    session: Session,
    window_start: Instant,
    window_end: Instant,
    as_of: Instant,
    channels: Sequence[str] | None = None,
    branches: Sequence[str] | None = None,
) -> dict[tuple[str, str, str], WindowCount]:
    """The goals, as they were at `as_of`, that closed in the window (met, or late) or fell
    due in it unmet, counted in SQL by (channel, branch, goal). Open goals are counted by
    `open_status_counts`; a report of whole days that have ended adds up the kept day counts
    instead (store.day_counts).

    Each count reads one range of one index: the goals closed in the window from ended_at's,
    those due in it from due_at's, both covering what is counted, so no table row is read.
    """
    v = VERSIONS.c
    w = window_conditions(VERSIONS.c, window_start, window_end, as_of)
    counts: dict[tuple[str, str, str], WindowCount] = {}
    closed = (
        select(
            v.channel,
            v.branch_code,
            v.goal_id,
            *(func.sum(case((cond, 1), else_=0)) for cond in (w.closed, w.met, w.closed_late)),
        )
        .where(w.ended_in_window, valid_at(as_of))
        .group_by(v.channel, v.branch_code, v.goal_id)
    )
    for ch, branch, goal, n_closed, n_met, n_late in session.execute(
        narrowed_to(closed, channels, branches)
    ):
        counts[(ch, branch, goal)] = WindowCount(int(n_closed), int(n_met), 0, int(n_late))
    due = (
        select(v.channel, v.branch_code, v.goal_id, func.sum(case((w.newly_breached, 1), else_=0)))
        .where(w.due_in_window, valid_at(as_of))
        .group_by(v.channel, v.branch_code, v.goal_id)
    )
    for ch, branch, goal, n_due in session.execute(narrowed_to(due, channels, branches)):
        before = counts.get((ch, branch, goal), WindowCount())
        counts[(ch, branch, goal)] = replace(before, new_breaches=int(n_due))
    return counts


def window_breaches(
    *,
    session: Session,
    window_start: Instant,
    window_end: Instant,
    as_of: Instant,
    channels: Sequence[str] | None = None,
    branches: Sequence[str] | None = None,
    first: int | None = None,
) -> list[ReportGoal]:
    """The breaches a report lists, as they were at `as_of`: closed late in the window, or
    past a deadline in it; all of them, or the `first` in the report's order (by deadline,
    claim and goal), found before any other is read.

    Each half reads one index range: the goals closed late from their partial index by
    ended_at, the others from due_at's (read in due_at order when only the first are asked
    for). A breach in both ranges is listed from the first.
    """
    v = VERSIONS.c
    w = window_conditions(VERSIONS.c, window_start, window_end, as_of)
    halves = (
        and_(CLOSED_LATE, w.ended_in_window, valid_at(as_of), w.closed),
        and_(w.due_in_window, valid_at(as_of), w.newly_breached, w.not_closed_late),
    )
    if first is None:
        return _report_goals(
            session, [narrowed_to(select(), channels, branches).where(h) for h in halves]
        )
    order = (v.due_at, v.claim_id, v.goal_id)
    keys = []
    for where in halves:
        query = select(*order, v.valid_from).where(where).order_by(*order).limit(first)
        keys += list(session.execute(narrowed_to(query, channels, branches)))
    keys.sort(key=lambda row: (row[0], row[1], row[2]))
    chosen = {(claim, goal, valid_from) for _due, claim, goal, valid_from in keys[:first]}
    # Read by claim (the primary key's first column), then the versions chosen among theirs.
    claims = sorted({claim for claim, _goal, _from in chosen})
    found = _report_goals(session, [select().where(v.claim_id.in_(claims))]) if claims else []
    first_ones = [g for g in found if (g.claim_id, g.record.goal_id, g.valid_from) in chosen]
    return sorted(first_ones, key=lambda g: (g.record.due_at or 0, g.claim_id, g.record.goal_id))


def closed_late_and_due(
    *,
    session: Session,
    window_start: Instant,
    window_end: Instant,
    as_of: Instant,
    channels: Sequence[str] | None = None,
    branches: Sequence[str] | None = None,
) -> int:
    """The breaches in both halves of a report's list: closed late in the window after a
    deadline in it (from the partial index of goals closed late)."""
    w = window_conditions(VERSIONS.c, window_start, window_end, as_of)
    query = select(func.count()).where(
        CLOSED_LATE, w.ended_in_window, valid_at(as_of), w.closed, w.newly_breached
    )
    return int(session.execute(narrowed_to(query, channels, branches)).scalar_one())


def _report_goals(session: Session, queries: Sequence[Select[Any]]) -> list[ReportGoal]:
    """The goal versions the queries' conditions select (empty selects of VERSIONS), each
    with its claim's policy."""
    v, c = VERSIONS.c, CLAIMS.c
    # The instants as the driver gives them, each distinct one converted once: a month's
    # breaches share a few thousand deadlines.
    instant = _converter(session)
    raw = [type_coerce(v[n], String) if n in INSTANT_COLUMNS else v[n] for n in RECORD_COLUMNS]
    valid_from = type_coerce(v.valid_from, String)
    columns = (v.claim_id, v.channel, v.branch_code, c.policy_id, valid_from, *raw)
    listed: list[ReportGoal] = []
    for conditions in queries:
        query = (
            conditions.add_columns(*columns)
            .select_from(VERSIONS)
            .outerjoin(CLAIMS, c.claim_id == v.claim_id)
        )
        # On the connection: plain columns need none of the ORM's result processing.
        for row in session.connection().execute(query):
            goal_id, phase, started, ended, due, at_risk, elapsed, target = row[5:]
            record = GoalRecord(
                goal_id,
                Phase(phase),
                instant(started),
                instant(ended),
                instant(due),
                instant(at_risk),
                elapsed,
                target,
            )
            listed.append(ReportGoal(row[0], row[1], row[2], record, row[3], instant(row[4])))
    return listed


INSTANT_COLUMNS = frozenset({"started_at", "ended_at", "due_at", "at_risk_at"})


def _converter(session: Session) -> Callable[[Any], Instant | None]:
    """The Instant of a driver's value of an instant column (UtcInstant's conversion), each
    distinct value converted once."""
    dialect, kind = session.connection().dialect, UtcInstant()
    seen: dict[Any, Instant | None] = {None: None}

    def convert(value: Any) -> Instant | None:
        try:
            return seen[value]
        except KeyError:
            found = seen[value] = kind.process_result_value(value, dialect)
            return found

    return convert


def open_status_counts(
    *,
    session: Session,
    as_of: Instant,
    channels: Sequence[str] | None = None,
    branches: Sequence[str] | None = None,
) -> dict[tuple[str, str, str, str], int]:
    """Open goals at `as_of` by (channel, branch, goal, status).

    Each goal's record at `as_of` is its version valid then (`valid_at`), so its status is
    a comparison of `as_of` with the stored instants. The open versions are read from one
    partial covering index ordered by valid_to, in two ranges: the versions still current
    (valid_to NULL: the open goals now) and those superseded after `as_of` (few for a recent
    day). No query reads the closed goals of the years stored.
    """
    v = VERSIONS.c
    status = open_status(v, as_of)
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for current in (v.valid_to.is_(None), v.valid_to > as_of):
        query = (
            select(v.channel, v.branch_code, v.goal_id, status, func.count())
            .where(OPEN_PHASES, current, v.valid_from <= as_of)
            .group_by(v.channel, v.branch_code, v.goal_id, status)
        )
        for ch, branch, goal, state, n in session.execute(narrowed_to(query, channels, branches)):
            counts[(ch, branch, goal, state)] += int(n)
    return dict(counts)
