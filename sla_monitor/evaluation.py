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

from sqlalchemy import CursorResult, Engine, bindparam, case, delete, func, insert, select, update
from sqlmodel import Session, SQLModel

from .clock import Phase
from .recording import BREACHES
from .store import counters
from .store.db import session_scope
from .store.tables import EvaluatorRow, GoalRow, OpenCountRow
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
    g = GOALS.c
    open_phases = [Phase.RUNNING.value, Phase.PAUSED.value]
    passed = (
        select(g.claim_id, g.goal_id, g.channel, g.branch_code)
        .where(g.breach_recorded_at.is_(None), g.due_at < now, g.phase.in_(open_phases))
        .order_by(g.claim_id, g.goal_id)
    )
    rows = session.execute(passed).all()
    if not rows:
        return 0
    increments: Counter[counters.CounterKey] = Counter()
    for row in rows:
        increments[(BREACHES, row.channel, row.goal_id, row.branch_code, "")] += 1
    session.execute(
        update(GOALS)
        .where(g.claim_id == bindparam("key_claim"), g.goal_id == bindparam("key_goal"))
        .values(breach_recorded_at=now),
        [{"key_claim": r.claim_id, "key_goal": r.goal_id} for r in rows],
    )
    counters.add(session=session, increments=increments)
    return len(rows)


def _open_counts(session: Session, now: Instant) -> Counter[tuple[str, str, str, str]]:
    """Open goals by (channel, goal, branch, status) at `now`, by one indexed aggregate."""
    g = GOALS.c
    status = case(
        (g.due_at < now, "breached"),
        (g.phase == Phase.PAUSED.value, "paused"),
        (g.at_risk_at <= now, "at_risk"),
        else_="on_track",
    ).label("status")
    query = (
        select(g.channel, g.goal_id, g.branch_code, status, func.count())
        .where(g.phase.in_([Phase.RUNNING.value, Phase.PAUSED.value]))
        .group_by(g.channel, g.goal_id, g.branch_code, status)
    )
    return Counter({(c, goal, b, s): n for c, goal, b, s, n in session.execute(query)})


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
