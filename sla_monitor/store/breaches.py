"""Recording the breaches that time alone made: open goals whose deadline has passed.

An evaluation records each as a row of `goal_breach_records`, inserted, rather than a stamp
on the goal's row: across a deadline midnight that is tens of thousands of goals, and
updating their rows rewrote each in every index of open goals. A rewrite of a claim's goals
folds the records into its goal rows (`recorded_breaches`, `forget_records`), so a breach
is counted once whichever recorded it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import and_, delete, exists, select
from sqlmodel import Session

from sla_monitor.domain.recording import Counted, CounterKey
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store import counters
from sla_monitor.store.bulk import insert_rows
from sla_monitor.store.tables import BREACH_RECORDS, GOALS, UNRECORDED_OPEN
from sla_monitor.store.transactions import chunks, one_of


def record_passed_deadlines(session: Session, now: Instant, since: Instant | None = None) -> int:
    """Record, and count once, every open goal whose deadline passed unrecorded before `now`;
    with `since`, only those whose deadline passed since then (an evaluation's range: a goal
    rewritten after its deadline had its breach recorded by the rewrite). Two set-based
    statements, whatever the number: one read of the partial index of unrecorded open goals
    by deadline, one insert."""
    g, r = GOALS.c, BREACH_RECORDS.c
    recorded = exists().where(and_(r.claim_id == g.claim_id, r.goal_id == g.goal_id))
    query = (
        select(g.claim_id, g.goal_id, g.channel, g.branch_code)
        # The partial index's own condition, literal, so that a planner can choose it.
        .where(UNRECORDED_OPEN, g.due_at < now, ~recorded)
    )
    if since is not None:
        query = query.where(g.due_at >= since)
    passed = session.execute(query).all()
    insert_rows(
        session,
        BREACH_RECORDS,
        [{"claim_id": c, "goal_id": goal, "recorded_at": now} for c, goal, _ch, _b in passed],
    )
    increments: Counter[CounterKey] = Counter(
        (Counted.BREACHES, channel, goal, branch, "") for _c, goal, channel, branch in passed
    )
    counters.add(session=session, increments=increments)
    return len(passed)


def recorded_breaches(session: Session, claim_ids: Sequence[str]) -> dict[tuple[str, str], int]:
    """When an evaluation recorded a breach of these claims' goals, by (claim, goal)."""
    r = BREACH_RECORDS.c
    found: dict[tuple[str, str], int] = {}
    for part in chunks(claim_ids):
        query = select(r.claim_id, r.goal_id, r.recorded_at).where(
            one_of(session, r.claim_id, part)
        )
        found.update({(c, goal): at for c, goal, at in session.execute(query)})
    return found


def forget_records(session: Session, claim_ids: Sequence[str]) -> None:
    """Delete these claims' breach records, folded into their rewritten goal rows."""
    for part in chunks(claim_ids):
        session.execute(
            delete(BREACH_RECORDS).where(one_of(session, BREACH_RECORDS.c.claim_id, part))
        )
