"""The SQL form of the rules (store.rules) agrees with their one definition in the domain.

Random goals are stored and counted by the queries an evaluation and a report run, on both
databases, and compared with the domain's own answers for the same goals. Instants are
drawn from a few hours so that ties (a deadline exactly at the instant) are common.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert

from sla_monitor.domain.goals import GoalRecord, Phase, Status
from sla_monitor.domain.report import Window, closed_in_window, newly_breached
from sla_monitor.store import open_counts
from sla_monitor.store.db import session_scope
from sla_monitor.store.report_reads import (
    closed_late_and_due,
    open_status_counts,
    window_breaches,
    window_counts,
)
from sla_monitor.store.tables import GOALS, VERSIONS

HOUR = 3600 * 1_000_000
BASE = 1_780_000_000 * 1_000_000  # in 2026
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
instants = st.integers(-4, 4).map(lambda k: BASE + k * HOUR)
maybe = st.none() | instants


@st.composite
def goal_records(draw: st.DrawFn, phases: tuple[Phase, ...]) -> GoalRecord:
    phase = draw(st.sampled_from(phases))
    started = draw(instants)
    ended = draw(instants) if phase is Phase.STOPPED else None
    # Every stopped or running goal has a deadline; a paused one only once its target passed.
    due = draw(maybe) if phase is Phase.PAUSED else draw(instants)
    at_risk = draw(maybe) if phase is Phase.RUNNING else None
    return GoalRecord("g", phase, started, ended, due, at_risk, 0, 5 * HOUR)


def rows(records: list[GoalRecord], branches: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "claim_id": f"C{i}",
            "goal_id": r.goal_id,
            "channel": "online",
            "branch_code": branch,
            "phase": r.phase.value,
            "started_at": r.started_at,
            "ended_at": r.ended_at,
            "due_at": r.due_at,
            "at_risk_at": r.at_risk_at,
            "elapsed_us": r.elapsed,
            "target_us": r.target,
        }
        for i, (r, branch) in enumerate(zip(records, branches, strict=True))
    ]


OPEN = (Phase.RUNNING, Phase.PAUSED)
ANY_COUNTED = (Phase.RUNNING, Phase.PAUSED, Phase.STOPPED)


@SETTINGS
@given(
    goals=st.lists(
        st.tuples(goal_records(OPEN), st.sampled_from(["JKT", "DPS"])), min_size=1, max_size=25
    ),
    instant=instants,
)
def test_open_goals_are_counted_by_their_domain_status(
    db: Engine, goals: list[tuple[GoalRecord, str]], instant: int
) -> None:
    records, branches = [g for g, _ in goals], [b for _, b in goals]
    expected = Counter(
        ("online", "g", branch, record.status_at(instant).value) for record, branch in goals
    )
    assert all(open_counts.status_at(r, instant) == r.status_at(instant).value for r in records)
    with session_scope(db) as session:
        session.execute(delete(GOALS))
        session.execute(
            insert(GOALS), [{**row, "policy_id": "p"} for row in rows(records, branches)]
        )
        assert open_counts.recount(session, instant) == expected
        session.rollback()


@SETTINGS
@given(
    versions=st.lists(goal_records(ANY_COUNTED), min_size=1, max_size=25),
    start=instants,
    length=st.integers(1, 4),
    as_of=instants,
)
def test_a_report_counts_and_lists_as_the_domain_rules_say(
    db: Engine, versions: list[GoalRecord], start: int, length: int, as_of: int
) -> None:
    window = Window(start, start + length * HOUR, as_of)
    closed = met = late = closed_late = 0
    listed = set()
    open_by_status: Counter[tuple[str, str, str, str]] = Counter()
    for i, record in enumerate(versions):
        status = record.status_at(as_of)
        stopped_at = record.ended_at if record.phase is Phase.STOPPED else None
        here = closed_in_window(window, stopped_at=stopped_at)
        breached_late = newly_breached(
            window, due_at=record.due_at, stopped_at=stopped_at, status=status
        )
        closed += here
        met += here and status is Status.MET
        closed_late += here and status is Status.BREACHED
        late += breached_late
        if (here and status is Status.BREACHED) or breached_late:
            listed.add(f"C{i}")
        if record.phase in OPEN:
            open_by_status[("online", "JKT", "g", status.value)] += 1
    with session_scope(db) as session:
        session.execute(delete(VERSIONS))
        session.execute(
            insert(VERSIONS),
            [
                {**row, "valid_from": 0, "valid_to": None}
                for row in rows(versions, ["JKT"] * len(versions))
            ],
        )
        span = {"window_start": window.start, "window_end": window.end, "as_of": as_of}
        counts = window_counts(session=session, **span)
        goals = window_breaches(session=session, **span)
        first = window_breaches(session=session, first=2, **span)
        both = closed_late_and_due(session=session, **span)
        by_status = open_status_counts(session=session, as_of=as_of)
        session.rollback()
    found = counts.get(("online", "JKT", "g"))
    got = found.values() if found else (0, 0, 0, 0)
    assert got == (closed, met, late, closed_late)
    assert {g.claim_id for g in goals} == listed
    # The count of the list from the counts, and its first breaches in the report's order.
    assert closed_late + late - both == len(listed)
    order = sorted(goals, key=lambda g: (g.record.due_at or 0, g.claim_id, g.record.goal_id))
    assert [g.claim_id for g in first] == [g.claim_id for g in order[:2]]
    assert by_status == dict(open_by_status)
