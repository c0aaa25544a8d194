"""The periodic evaluation: what time alone changes, and the metrics snapshot (SPEC §8).

Events change goals when they arrive (store.ingest), and the counts of open goals by status
with them (store.open_counts). Between events only time moves a goal, on_track -> at_risk
-> breached, at instants already materialised (`at_risk_at`, `due_at`), so an evaluation
reads indexed ranges of those instants: it records the breaches whose deadline has passed
and moves the counts from the last evaluation to now, into a small snapshot that every
replica serves.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, insert, select, update
from sqlmodel import Session, SQLModel

from sla_monitor.domain.recording import BREACHES
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store import counters, open_counts
from sla_monitor.store.db import session_scope
from sla_monitor.store.tables import UNRECORDED_OPEN, EvaluatorRow, GoalRow, OpenCountRow

GOALS = SQLModel.metadata.tables[GoalRow.__tablename__]
OPEN_COUNTS = SQLModel.metadata.tables[OpenCountRow.__tablename__]
EVALUATOR = SQLModel.metadata.tables[EvaluatorRow.__tablename__]
LEASE = open_counts.LEASE
log = logging.getLogger("sla_monitor.services.evaluate")


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
    recounted: bool = False  # the counts were rebuilt from every open goal
    # With a recount of counts that were kept: the groups where they differed (should be none).
    drift: dict[open_counts.CountKey, tuple[int, int]] = field(default_factory=dict)


def evaluate(
    *,
    db: Engine,
    now: Instant,
    clock: Callable[[], Instant] | None = None,
    recount: bool = False,
) -> Evaluation:
    """Record passed deadlines and bring the open-goal counts to `now`, in one transaction.

    The counts move from the last evaluation by the goals whose instants passed since; they
    are rebuilt from every open goal when asked (`recount`), when there are none yet, or when
    `now` is earlier than the instant they describe. A recount of kept counts also compares
    the two and logs every difference.
    """
    with session_scope(db) as session:
        since = open_counts.hold_for_evaluation(session)
        recorded = _record_breaches(session, now)
        drift: dict[open_counts.CountKey, tuple[int, int]] = {}
        recounting = recount or since is None or now < since
        if recounting:
            counts = open_counts.recount(session, now)
            if since is not None and now >= since:
                kept = open_counts.read(session)
                kept.update(open_counts.advance(session, since, now))
                drift = _differences(kept, counts)
            open_counts.replace_all(session, counts)
        else:
            assert since is not None
            open_counts.apply(session, open_counts.advance(session, since, now))
            open_counts.drop_zeros(session)
        done = {
            "last_evaluated_at": now,
            "last_duration_us": None if clock is None else clock() - now,
            "counted_at": now,
        }
        stamped = session.execute(update(EVALUATOR).where(EVALUATOR.c.name == LEASE).values(**done))
        if cast(CursorResult[Any], stamped).rowcount == 0:  # no evaluator row yet
            session.execute(insert(EVALUATOR).values(name=LEASE, **done))
        total = open_counts.total(session)
    if drift:
        shown = ", ".join(f"{k}: kept {a}, counted {b}" for k, (a, b) in list(drift.items())[:5])
        log.warning(
            "open goal counts had drifted from the goals in %d groups (now rebuilt): %s",
            len(drift),
            shown,
        )
    return Evaluation(recorded, total, recounting, drift)


def _differences(
    kept: Counter[open_counts.CountKey], counted: Counter[open_counts.CountKey]
) -> dict[open_counts.CountKey, tuple[int, int]]:
    return {
        key: (kept[key], counted[key])
        for key in sorted(set(kept) | set(counted))
        if kept[key] != counted[key]
    }


def _record_breaches(session: Session, now: Instant) -> int:
    """Stamp every open goal whose deadline has passed unrecorded, and count each once.

    One set-based UPDATE that returns what it stamped: across a deadline midnight that is
    tens of thousands of goals, and a statement per goal would take seconds.
    """
    g = GOALS.c
    stamped = session.execute(
        update(GOALS)
        # The partial index's own condition, literal, so that a planner can choose it.
        .where(UNRECORDED_OPEN, g.due_at < now)
        .values(breach_recorded_at=now)
        .returning(g.channel, g.goal_id, g.branch_code)
    ).all()
    increments: Counter[counters.CounterKey] = Counter(
        (BREACHES, channel, goal, branch, "") for channel, goal, branch in stamped
    )
    counters.add(session=session, increments=increments)
    return len(stamped)


def load_snapshot(*, db: Engine) -> Snapshot:
    with session_scope(db) as session:
        open_goals = dict(open_counts.read(session))
        values = counters.read(session=session)
        state = session.execute(select(EVALUATOR).where(EVALUATOR.c.name == LEASE)).first()
    return Snapshot(
        open_goals=open_goals,
        counters=values,
        evaluated_at=state.last_evaluated_at if state else None,
        duration_us=state.last_duration_us if state else None,
        loaded=True,
    )
