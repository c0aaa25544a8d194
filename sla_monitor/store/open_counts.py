"""Open goals by status, kept current as goals change rather than counted anew each time.

`open_goal_counts` holds how many open goals had each (channel, goal, branch, status) at
one instant, `counted_at` in the evaluator row. The invariant, which every writer keeps
inside its own transaction:

    open_goal_counts == the statuses at counted_at of the goal rows as they are now

Two things change it:

- a claim's goals are rewritten (store.ingest.recompute_claims): the statuses at counted_at of
  its old goals are taken away and those of its new goals added (`Changes`);
- time passes (evaluation.evaluate): between counted_at and now a goal changes status only
  when its deadline or its at-risk instant lies between the two; two range reads of the
  indexes on those instants find exactly these goals (`advance`), and counted_at becomes now.

So an evaluation costs what changed since the last one, not the number of open goals. The
evaluation holds the evaluator row exclusively and a rewrite holds it shared, so neither
applies its change against an instant the other is moving. A full `recount` rebuilds the
table: when counted_at is unknown or later than now, on a replica's first evaluation as
leader, and then hourly (monitor.Monitor), which also checks that nothing drifted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlmodel import Session

from sla_monitor.domain.goals import OPEN_GOAL_PHASES, GoalRecord, Status
from sla_monitor.domain.recording import CountKey
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store.bulk import add_to_values
from sla_monitor.store.rules import open_status
from sla_monitor.store.tables import GOALS, OPEN_COUNTS, OPEN_PHASES, RUNNING_PHASE


def status_at(record: GoalRecord, instant: Instant) -> str | None:
    """The status an open goal is counted under at `instant`; None for any other goal."""
    return record.status_at(instant).value if record.phase in OPEN_GOAL_PHASES else None


@dataclass
class Changes:
    """The changes to the counts at `counted_at` of goals rewritten in one transaction."""

    counted_at: Instant | None
    deltas: Counter[CountKey] = field(default_factory=Counter)

    def replace(
        self, channel: str, branch: str, old: GoalRecord | None, new: GoalRecord | None
    ) -> None:
        if self.counted_at is None:
            return
        for record, sign in ((old, -1), (new, 1)):
            if record is not None and (status := status_at(record, self.counted_at)):
                self.deltas[(channel, record.goal_id, branch, status)] += sign


def apply(session: Session, deltas: Counter[CountKey]) -> None:
    """Add `deltas` to the counts (an upsert on either database)."""
    rows = [
        {"channel": c, "goal": g, "branch": b, "status": s, "count": n}
        for (c, g, b, s), n in sorted(deltas.items())
        if n
    ]
    add_to_values(session, OPEN_COUNTS, "count", rows)


def advance(session: Session, since: Instant, now: Instant) -> Counter[CountKey]:
    """The changes in status of open goals from `since` to `now` (since <= now), time alone.

    Mirrors GoalRecord.status_at, whose first true case decides: breached (now > due_at),
    paused, at_risk (now >= at_risk_at), on_track. So a goal became breached when
    since <= due_at < now, leaving what it was at `since`; a running goal became at risk when
    since < at_risk_at <= now and it is not breached at now. Each read is a range of one
    partial index that carries every column it counts by.
    """
    g = GOALS.c
    changes: Counter[CountKey] = Counter()
    became_breached = _by_status(session, since, g.due_at >= since, g.due_at < now)
    for (channel, goal, branch, was), n in became_breached.items():
        changes[(channel, goal, branch, was)] -= n
        changes[(channel, goal, branch, Status.BREACHED.value)] += n
    at_risk = (
        select(g.channel, g.goal_id, g.branch_code, func.count())
        .where(
            RUNNING_PHASE,
            g.at_risk_at > since,
            g.at_risk_at <= now,
            or_(g.due_at >= now, g.due_at.is_(None)),
        )
        .group_by(g.channel, g.goal_id, g.branch_code)
    )
    for channel, goal, branch, n in session.execute(at_risk):
        changes[(channel, goal, branch, Status.AT_RISK.value)] += int(n)
        changes[(channel, goal, branch, Status.ON_TRACK.value)] -= int(n)
    return changes


def recount(session: Session, now: Instant) -> Counter[CountKey]:
    """Open goals by status at `now`, counted from every open goal row (one aggregate over
    the partial index of open goals, which carries every column it counts by)."""
    return _by_status(session, now)


def _by_status(
    session: Session, instant: Instant, *where: ColumnElement[bool]
) -> Counter[CountKey]:
    """The open goals that match `where`, by their status at `instant` (store.rules): one
    aggregate. OPEN_PHASES is literal, so that a planner can choose a partial index of open
    goals."""
    g = GOALS.c
    status = open_status(g, instant)
    query = (
        select(g.channel, g.goal_id, g.branch_code, status, func.count())
        .where(OPEN_PHASES, *where)
        .group_by(g.channel, g.goal_id, g.branch_code, status)
    )
    return Counter(
        {
            (channel, goal, branch, state): int(n)
            for channel, goal, branch, state, n in session.execute(query)
        }
    )


def read(session: Session) -> Counter[CountKey]:
    """The counts as stored, without zeros; plain tuples (every replica reads them each tick)."""
    o = OPEN_COUNTS.c
    rows = session.execute(select(o.channel, o.goal, o.branch, o.status, o.count))
    return Counter({(c, g, b, s): int(n) for c, g, b, s, n in rows if n})


def replace_all(session: Session, counts: Counter[CountKey]) -> None:
    session.execute(delete(OPEN_COUNTS))
    apply(session, counts)


def drop_zeros(session: Session) -> None:
    """Groups whose goals all closed: a zero row says no more than a missing one."""
    session.execute(delete(OPEN_COUNTS).where(OPEN_COUNTS.c.count == 0))


def total(session: Session) -> int:
    return int(
        session.execute(select(func.coalesce(func.sum(OPEN_COUNTS.c.count), 0))).scalar_one()
    )
