"""How a report reads a month at national scale (bench/README.md): its counts from the kept
day counts or from the window indexes alone, its breaches with their claim's policy in the
same rows, the first of them before the rest, and the backlog from the open versions' index,
never by reading every version stored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.services.backlog import BacklogQuery, backlog
from sla_monitor.services.demo import demo_events
from sla_monitor.services.reports import Period, period_report, report_window
from sla_monitor.store.db import session_scope
from sla_monitor.store.report_reads import window_breaches, window_counts
from sla_monitor.store.tables import CLAIMS

from .helpers import store

LATER = parse_rfc3339("2026-04-10T00:00:00Z")


@pytest.fixture
def demo_store(db: Engine, sla: SlaTimer) -> Engine:
    events = demo_events(config=sla.config, month=date(2026, 3, 1), per_day=12, seed=5, now=LATER)
    store(db, sla, *events, now=LATER)
    return db


@contextmanager
def statements(db: Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        seen.append((sql, params))

    event.listen(db, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db, "before_cursor_execute", record)


def plans(db: Engine, seen: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """Each SELECT on goal_versions and SQLite's plan of it, one line."""
    found = []
    with db.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for sql, params in seen:
            if sql.lstrip().startswith("SELECT") and "goal_versions" in sql:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                found.append((sql, " | ".join(row[3] for row in cursor.fetchall())))
    return found


def test_listed_breaches_carry_their_claims_policy(demo_store: Engine, sla: SlaTimer) -> None:
    window = report_window(sla, date(2026, 3, 1), date(2026, 3, 31))
    with session_scope(demo_store) as session:
        listed = window_breaches(
            session=session, window_start=window[0], window_end=window[1], as_of=LATER
        )
        policies = dict(session.execute(select(CLAIMS.c.claim_id, CLAIMS.c.policy_id)).all())
    assert listed
    assert all(goal.policy_id == policies[goal.claim_id] for goal in listed)
    assert len({(g.claim_id, g.record.goal_id) for g in listed}) == len(listed)  # once each


def test_a_month_is_read_from_index_ranges_alone(
    demo_store: Engine, sla: SlaTimer, db_url: str
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the plans checked are SQLite's (PostgreSQL's depend on its statistics)")
    window = report_window(sla, date(2026, 3, 1), date(2026, 3, 31))
    with statements(demo_store) as seen, session_scope(demo_store) as session:
        span = {"window_start": window[0], "window_end": window[1], "as_of": LATER}
        window_counts(session=session, **span)
        window_breaches(session=session, **span)
        rows = sum(
            1
            for _ in backlog(
                session=session, sla=sla, query=BacklogQuery(status="open"), as_of=LATER
            )
        )
    assert rows
    found = plans(demo_store, seen)
    assert len(found) == 5  # two counts, two halves of the list, the backlog
    for sql, plan in found:
        assert "SCAN goal_versions" not in plan, (sql, plan)
        assert "MULTI-INDEX OR" not in plan, (sql, plan)
    counts = [plan for sql, plan in found if "sum(" in sql]
    assert len(counts) == 2
    assert all("COVERING INDEX ix_goal_versions_" in plan for plan in counts), counts


def test_a_month_from_kept_counts_reads_no_range_of_its_versions(
    demo_store: Engine, sla: SlaTimer, db_url: str
) -> None:
    """Its counts are added up from the day counts, corrected by the versions changed after
    its as_of (one range of their index); its first breaches are found from the index of
    goals closed late and due_at's index read in order; none scans goal_versions."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the plans checked are SQLite's (PostgreSQL's depend on its statistics)")
    march = Period(date(2026, 3, 1), date(2026, 3, 31), "branch")
    end = report_window(sla, march.first, march.last)[1]
    with statements(demo_store) as seen, session_scope(demo_store) as session:
        period_report(session=session, sla=sla, period=march, as_of=end, breach_limit=50)
    assert any("FROM goal_day_counts" in sql for sql, _ in seen)
    found = plans(demo_store, seen)
    for sql, plan in found:
        assert "SCAN goal_versions" not in plan, (sql, plan)
    used = " ".join(plan for _sql, plan in found)
    for index in ("ix_goal_versions_changed", "ix_goal_versions_closed_late"):
        assert index in used, used
