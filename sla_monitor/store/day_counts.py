"""The goals counted by local day, kept as goals change, so a report adds up its days
instead of counting every goal version of its period (docs/reports.md#how-fast).

`goal_day_counts` holds, per (local day, channel, branch, goal), the parts of the goals as
they are now (their current versions) given by domain.report.day_counts, in the zone named by
the evaluator row's `day_counts_zone`. The invariant, kept inside every writer's transaction:

    goal_day_counts == the sum of day_counts over the current goal versions

A rewrite of a claim's goals (store.goal_rows) takes away the parts of its old goals and
adds those of its new ones (`Changes`); `rebuild` counts them all anew, when the counts
were never built or were kept in another zone than the configured report zone (`ensure`).

A report at `as_of` needs the goals as they were then, not as they are now. The versions
valid at as_of are the current versions that began by then, and the superseded versions
that were still valid then; so the kept counts are corrected by the versions that changed
after as_of (`corrections`), one range of ix_goal_versions_changed: few for a recent as_of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Engine,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlmodel import Session

from sla_monitor.domain.goals import COUNTED_PHASES, GoalRecord, Phase
from sla_monitor.domain.report import WindowCount, day_counts
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store import evaluator
from sla_monitor.store.bulk import add_to_values
from sla_monitor.store.db import session_scope
from sla_monitor.store.report_reads import narrowed_to
from sla_monitor.store.rules import window_conditions
from sla_monitor.store.tables import CHANGED_AT, DAY_COUNTS, EVALUATOR, GOALS, VERSIONS

GroupKey = tuple[str, str, str]  # channel, branch, goal
DayKey = tuple[date, str, str, str]  # day, channel, branch, goal
COUNTS = ("closed", "met", "new_breaches", "closed_late")  # WindowCount.values()


def parts(record: GoalRecord, zone: ZoneInfo) -> list[tuple[date, WindowCount]]:
    """A goal record's parts by day: none unless a version of it is kept (COUNTED_PHASES)."""
    if record.phase not in COUNTED_PHASES:
        return []
    stopped_at = record.ended_at if record.phase is Phase.STOPPED else None
    return day_counts(due_at=record.due_at, stopped_at=stopped_at, zone=zone)


@dataclass
class Changes:
    """The changes to the day counts of the goals rewritten in one transaction; None zone:
    the counts are not kept (yet), and nothing is changed."""

    zone: ZoneInfo | None
    deltas: dict[DayKey, list[int]] = field(default_factory=dict)

    def replace(
        self, channel: str, branch: str, old: GoalRecord | None, new: GoalRecord | None
    ) -> None:
        if self.zone is None:
            return
        for record, sign in ((old, -1), (new, 1)):
            if record is None:
                continue
            for day, count in parts(record, self.zone):
                totals = self.deltas.setdefault((day, channel, branch, record.goal_id), [0] * 4)
                for i, value in enumerate(count.values()):
                    totals[i] += sign * value


def apply(session: Session, changes: Changes) -> None:
    """Add the changes to the counts (one upsert), leaving out groups that did not change."""
    rows = [_row(key, values) for key, values in sorted(changes.deltas.items()) if any(values)]
    add_to_values(session, DAY_COUNTS, COUNTS, rows)


def kept_zone(session: Session) -> str | None:
    """The zone the counts are kept in; None: not built."""
    e = EVALUATOR.c
    query = select(e.day_counts_zone).where(e.name == evaluator.LEASE)
    return session.execute(query).scalar()


def ensure(db: Engine, zone: str) -> bool:
    """Build the counts if they are not kept in `zone`; True if it did. One read when they
    are: called before every recomputation of stale claims."""
    with session_scope(db) as session:
        if kept_zone(session) == zone:
            return False
    with session_scope(db) as session:
        # Exclusively: no rewrite changes goals (or the counts) while they are counted.
        evaluator.hold_for_evaluation(session)
        if kept_zone(session) == zone:  # built meanwhile by another process
            return False
        rebuild(session, ZoneInfo(zone))
    return True


def rebuild(session: Session, zone: ZoneInfo) -> None:
    """Count every goal anew, in `zone`, in the caller's transaction (which holds the
    evaluator row exclusively)."""
    g = GOALS.c
    changes = Changes(zone)
    query = select(
        g.channel, g.branch_code, g.goal_id, g.phase, g.ended_at, g.due_at
    ).execution_options(yield_per=10_000)
    for channel, branch, goal_id, phase, ended_at, due_at in session.execute(query):
        record = GoalRecord(goal_id, Phase(phase), None, ended_at, due_at, None, 0, 0)
        changes.replace(channel, branch, None, record)
    session.execute(delete(DAY_COUNTS))
    rows = [_row(key, values) for key, values in sorted(changes.deltas.items())]
    if rows:
        session.execute(insert(DAY_COUNTS), rows)
    e = EVALUATOR.c
    session.execute(
        update(EVALUATOR).where(e.name == evaluator.LEASE).values(day_counts_zone=zone.key)
    )


def forget(session: Session) -> None:
    """Mark the counts as not kept: reports count versions until they are rebuilt."""
    e = EVALUATOR.c
    session.execute(update(EVALUATOR).where(e.name == evaluator.LEASE).values(day_counts_zone=None))


def read(
    session: Session,
    first: date,
    last: date,
    *,
    channels: Sequence[str] | None = None,
    branches: Sequence[str] | None = None,
) -> dict[GroupKey, WindowCount]:
    """The kept counts of the days [first, last], by (channel, branch, goal)."""
    d = DAY_COUNTS.c
    query = (
        select(d.channel, d.branch_code, d.goal_id, *(func.sum(d[n]) for n in COUNTS))
        .where(d.day >= first, d.day <= last)
        .group_by(d.channel, d.branch_code, d.goal_id)
    )
    query = narrowed_to(query, channels, branches, d)
    return {
        (ch, br, goal): WindowCount(*(int(v) for v in values))
        for ch, br, goal, *values in session.execute(query)
    }


def changed_after(session: Session, as_of: Instant, *, at_most: int) -> int:
    """How many versions changed after `as_of` (began, for a current one; ended, for one
    superseded), counting no further than `at_most`: what `corrections` would read."""
    inner = select(literal(1)).where(as_of < CHANGED_AT).limit(at_most).subquery()
    return int(session.execute(select(func.count()).select_from(inner)).scalar_one())


def corrections(
    session: Session,
    window: tuple[Instant, Instant],
    as_of: Instant,
    *,
    channels: Sequence[str] | None = None,
    branches: Sequence[str] | None = None,
) -> dict[GroupKey, WindowCount]:
    """What to add to the kept counts of the whole days `window` (ended by `as_of`) to count
    the goals as they were at `as_of`: minus the current versions that began after it, plus
    the superseded versions valid at it. Both changed after as_of: one index range."""
    v = VERSIONS.c
    # The window has ended by as_of, so the rules need no as_of of their own (its end will do)
    # and count a version exactly as its parts by day do (domain.report.day_counts).
    w = window_conditions(v, window[0], window[1], window[1])
    # Taken away: current versions that began after as_of; added: superseded versions valid
    # at it. In the sums, not in the WHERE clause, which is the one range of the index: an OR
    # there would let a planner read the window's indexes instead.
    sign = case(
        (and_(v.valid_to.is_(None), v.valid_from > as_of), -1),
        (and_(v.valid_from <= as_of, v.valid_to > as_of), 1),
        else_=0,
    )
    query = (
        select(
            v.channel,
            v.branch_code,
            v.goal_id,
            *(
                func.sum(case((cond, sign), else_=0))
                for cond in (w.closed, w.met, w.newly_breached, w.closed_late)
            ),
        )
        .where(as_of < CHANGED_AT)
        .group_by(v.channel, v.branch_code, v.goal_id)
    )
    query = narrowed_to(query, channels, branches, v)
    return {
        (ch, br, goal): WindowCount(*(int(n) for n in values))
        for ch, br, goal, *values in session.execute(query)
    }


def _row(key: DayKey, values: list[int]) -> dict[str, object]:
    day, channel, branch, goal = key
    row: dict[str, object] = {"day": day, "channel": channel, "branch_code": branch}
    return {**row, "goal_id": goal, **dict(zip(COUNTS, values, strict=True))}
