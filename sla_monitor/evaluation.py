"""The periodic evaluation: what time alone changes, and the metrics snapshot (SPEC §8).

Events change goals when they arrive (store.ingest). Between events only time moves a goal,
on_track -> at_risk -> breached, at instants already materialised (`at_risk_at`, `due_at`),
so an evaluation reads indexed columns: it records the breaches whose deadline has passed
and counts the open goals by status into a small snapshot that every replica serves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, case, delete, func, insert, select, update
from sqlmodel import Session, SQLModel

from .clock import Phase
from .recording import BREACHES
from .store import counters
from .store.db import session_scope
from .store.tables import OPEN_PHASES, EvaluatorRow, GoalRow, OpenCountRow
from .timeutil import Instant

GOALS = SQLModel.metadata.tables[GoalRow.__tablename__]
OPEN_COUNTS = SQLModel.metadata.tables[OpenCountRow.__tablename__]
EVALUATOR = SQLModel.metadata.tables[EvaluatorRow.__tablename__]
LEASE = "evaluation"


@dataclass(frozen=True)
class Snapshot:
    """Everything /metrics shows about SLAs, read in one go from the database."""

    open_goals: dict[tuple[str, str, str, str], int] = field(default_factory=dict)
    counters: Counter[counters.CounterKey] = field(default_factory=Counter)
    evaluated_at: Instant | None = None
    duration_us: int | None = None
    loaded: bool = False  # False until read from the database: nothing to expose yet


@dataclass(frozen=True)
class Evaluation:
    breaches_recorded: int
    open_goals: int


def evaluate(*, db: Engine, now: Instant, clock: Callable[[], Instant] | None = None) -> Evaluation:
    """Record passed deadlines and rebuild the open-goal counts, in one transaction."""
    with session_scope(db) as session:
        recorded = _record_breaches(session, now)
        counts = _open_counts(session, now)
        session.execute(delete(OPEN_COUNTS))
        if counts:
            session.execute(
                insert(OPEN_COUNTS),
                [
                    {"channel": c, "goal": g, "branch": b, "status": s, "count": n}
                    for (c, g, b, s), n in sorted(counts.items())
                ],
            )
        done = {
            "last_evaluated_at": now,
            "last_duration_us": None if clock is None else clock() - now,
        }
        stamped = session.execute(update(EVALUATOR).where(EVALUATOR.c.name == LEASE).values(**done))
        if cast(CursorResult[Any], stamped).rowcount == 0:  # no lease row yet
            session.execute(insert(EVALUATOR).values(name=LEASE, **done))
    return Evaluation(recorded, sum(counts.values()))


def _record_breaches(session: Session, now: Instant) -> int:
    """Stamp every open goal whose deadline has passed unrecorded, and count each once.

    One set-based UPDATE that returns what it stamped: across a deadline midnight that is
    tens of thousands of goals, and a statement per goal would take seconds.
    """
    g = GOALS.c
    stamped = session.execute(
        update(GOALS)
        # Open is said as "neither stopped nor cancelled" (a goal not started has no due_at):
        # a planner cannot seek an index on NOT IN, so it takes the partial index of
        # unrecorded breaches instead of reading every open goal past its deadline by phase.
        .where(
            g.breach_recorded_at.is_(None),
            g.due_at < now,
            g.phase.not_in([Phase.STOPPED.value, Phase.CANCELLED.value]),
        )
        .values(breach_recorded_at=now)
        .returning(g.channel, g.goal_id, g.branch_code)
    ).all()
    increments: Counter[counters.CounterKey] = Counter(
        (BREACHES, channel, goal, branch, "") for channel, goal, branch in stamped
    )
    counters.add(session=session, increments=increments)
    return len(stamped)


def _open_counts(session: Session, now: Instant) -> Counter[tuple[str, str, str, str]]:
    """Open goals by (channel, goal, branch, status) at `now`, by one aggregate that reads
    only the covering index of open goals (ix_claim_goals_open), group by group in its order.

    A goal's status is the first that holds of: breached (due_at < now), paused, at_risk
    (at_risk_at <= now), on_track; each SUM counts one of them (a NULL comparison is false).
    """
    g = GOALS.c
    breached = g.due_at < now
    paused = g.phase == Phase.PAUSED.value
    counted = {
        "breached": func.sum(case((breached, 1), else_=0)),
        "paused": func.sum(case((breached, 0), (paused, 1), else_=0)),
        "at_risk": func.sum(case((breached, 0), (paused, 0), (g.at_risk_at <= now, 1), else_=0)),
    }
    # OPEN_PHASES is literal: a planner picks a partial index only for a query that states
    # the index's condition itself, which a bound parameter does not.
    query = (
        select(g.channel, g.goal_id, g.branch_code, func.count(), *counted.values())
        .where(OPEN_PHASES)
        .group_by(g.channel, g.goal_id, g.branch_code)
    )
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for channel, goal, branch, total, *by_status in session.execute(query):
        for status, n in zip(counted, by_status, strict=True):
            if n:
                counts[(channel, goal, branch, status)] = int(n)
        if on_track := int(total) - sum(int(n) for n in by_status):
            counts[(channel, goal, branch, "on_track")] = on_track
    return counts


def load_snapshot(*, db: Engine) -> Snapshot:
    with session_scope(db) as session:
        rows = session.execute(select(OPEN_COUNTS)).mappings()
        open_goals = {(r["channel"], r["goal"], r["branch"], r["status"]): r["count"] for r in rows}
        values = counters.read(session=session)
        state = session.execute(select(EVALUATOR).where(EVALUATOR.c.name == LEASE)).first()
    return Snapshot(
        open_goals=open_goals,
        counters=values,
        evaluated_at=state.last_evaluated_at if state else None,
        duration_us=state.last_duration_us if state else None,
        loaded=True,
    )
