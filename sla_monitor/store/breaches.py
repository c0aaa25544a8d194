"""Recording the breaches that time alone made: open goals whose deadline has passed."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import update
from sqlmodel import Session

from sla_monitor.domain.recording import Counted, CounterKey
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store import counters
from sla_monitor.store.tables import GOALS, UNRECORDED_OPEN


def record_passed_deadlines(session: Session, now: Instant) -> int:
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
    increments: Counter[CounterKey] = Counter(
        (Counted.BREACHES, channel, goal, branch, "") for channel, goal, branch in stamped
    )
    counters.add(session=session, increments=increments)
    return len(stamped)
