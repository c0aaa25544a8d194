"""Stored claims do not depend on how their events arrived (hypothesis, both databases)."""

from __future__ import annotations

import itertools
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import format_rfc3339, parse_rfc3339
from sla_monitor.services.claim_view import ClaimDetail, claim_detail
from sla_monitor.store.db import session_scope
from sla_monitor.store.tables import GoalRow

from .helpers import NOW, ev, store, submitted
from .test_day_counts import kept_rows, rebuilt_rows

BASE = parse_rfc3339("2026-09-01T08:00:00+07:00")
HOUR = 3_600_000_000
TYPES = [
    "documents_completed",
    "documents_incomplete",
    "interview_scheduled",
    "paid",
    "rejected",
    "cancelled",
]
claim_numbers = itertools.count()

history = st.lists(
    st.tuples(st.sampled_from(TYPES), st.integers(1, 24 * 30)), min_size=1, max_size=8
)


def events_of(claim_id: str, steps: list[tuple[str, int]]) -> list[dict[str, Any]]:
    stamp = format_rfc3339(BASE)
    out = [submitted(f"{claim_id}-0", claim_id, stamp, branch="DPS")]
    for n, (kind, hours) in enumerate(steps, start=1):
        out.append(ev(f"{claim_id}-{n}", claim_id, kind, format_rfc3339(BASE + hours * HOUR)))
    return out


def snapshot(db: Engine, sla: SlaTimer, claim_id: str) -> tuple[object, ...]:
    with session_scope(db) as session:
        rows = session.execute(select(GoalRow).where(GoalRow.claim_id == claim_id)).scalars().all()  # type: ignore[arg-type]
        detail = claim_detail(session=session, sla=sla, claim_id=claim_id, as_of=NOW)
    assert isinstance(detail, ClaimDetail)
    goals = [
        (r.goal_id, r.phase, r.started_at, r.ended_at, r.due_at, r.at_risk_at, r.elapsed_us)
        for r in rows
    ]
    return tuple(goals), detail.view.goals


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=history, seed=st.integers(0, 2**32))
def test_any_arrival_order_and_duplicate_delivery_give_the_same_claim(
    db: Engine, sla: SlaTimer, steps: list[tuple[str, int]], seed: int
) -> None:
    n = next(claim_numbers)
    in_order, shuffled = f"A{n}", f"B{n}"
    store(db, sla, *events_of(in_order, steps))
    deliveries = events_of(shuffled, steps)
    deliveries += random.Random(seed).sample(deliveries, k=min(3, len(deliveries)))  # repeats
    random.Random(seed).shuffle(deliveries)
    duplicates = 0
    for event in deliveries:  # one event a batch: every intermediate state is materialised
        result = store(db, sla, event)
        assert result.rejected == []
        duplicates += result.duplicates
    assert duplicates == len(deliveries) - len(steps) - 1
    assert snapshot(db, sla, in_order) == snapshot(db, sla, shuffled)
    # Every rewrite on the way kept the day counts equal to counting the goals anew.
    assert kept_rows(db) == rebuilt_rows(db, sla)
