"""The kept day counts (store.day_counts) give every report exactly what counting the goal
versions gives, whatever its period, as_of, grouping and filters; they follow every rewrite
of goals, and are rebuilt when the report zone changes (both databases)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.render.documents import report_json
from sla_monitor.services.recompute import recompute_stale
from sla_monitor.services.reports import Filters, Period, period_report, report_window
from sla_monitor.store import day_counts
from sla_monitor.store.db import session_scope
from sla_monitor.store.tables import DAY_COUNTS

from .helpers import ev, store, submitted
from .test_report_equivalence import LATER, demo_month
from .test_report_plans import statements

__all__ = ["demo_month"]  # the fixture, used by name
DAY = 86_400_000_000


def kept_rows(db: Engine) -> list[tuple[Any, ...]]:
    d = DAY_COUNTS.c
    with session_scope(db) as session:
        query = select(
            d.day, d.channel, d.branch_code, d.goal_id, *(d[n] for n in day_counts.COUNTS)
        )
        return sorted(row for row in session.execute(query) if any(row[4:]))


def rebuilt_rows(db: Engine, sla: SlaTimer) -> list[tuple[Any, ...]]:
    with session_scope(db) as session:
        day_counts.rebuild(session, sla.config.report_zone)
        d = DAY_COUNTS.c
        query = select(
            d.day, d.channel, d.branch_code, d.goal_id, *(d[n] for n in day_counts.COUNTS)
        )
        rows = sorted(session.execute(query))
        session.rollback()
    return rows


def both_ways(db: Engine, sla: SlaTimer, period: Period, as_of: int, limit: int | None = None):  # type: ignore[no-untyped-def]
    """The report from the kept counts, and from the goal versions alone (counts not kept),
    as JSON; asserts the first read the kept counts."""
    with statements(db) as seen, session_scope(db) as session:
        kept = period_report(
            session=session, sla=sla, period=period, as_of=as_of, breach_limit=limit
        )
    used = any("goal_day_counts" in sql for sql, _params in seen)
    with session_scope(db) as session:
        zone = day_counts.kept_zone(session)
        day_counts.forget(session)
        counted = period_report(
            session=session, sla=sla, period=period, as_of=as_of, breach_limit=limit
        )
        session.rollback()
    assert zone == sla.config.report_timezone
    return kept, counted, used


def test_reports_from_kept_counts_equal_reports_from_versions(
    demo_month: Engine, sla: SlaTimer
) -> None:
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    cases = []
    for by in ("channel", "branch", "region"):
        month = dataclasses.replace(march, by=by)
        end = report_window(sla, month.first, month.last)[1]
        # After the month; at its end; in it (today's part counted from versions); long
        # after (most versions changed since: counted from versions).
        for as_of in (end + 3 * DAY, end, end - 10 * DAY - 7 * 3_600_000_000, LATER):
            cases.append((month, as_of))
    week = Period(date(2026, 3, 9), date(2026, 3, 15), "branch", Filters(branches=("JKT", "DPS")))
    cases.append((week, report_window(sla, week.first, week.last)[1] + DAY))
    online = Period(date(2026, 3, 1), date(2026, 3, 31), "channel", Filters(channels=("online",)))
    cases.append((online, report_window(sla, online.first, online.last)[1]))
    read_kept = 0
    for period, as_of in cases:
        kept, counted, used = both_ways(demo_month, sla, period, as_of)
        assert report_json(kept, sla.config) == report_json(counted, sla.config), (period, as_of)
        read_kept += used
    assert read_kept >= len(cases) // 2, "most of these reports should add up kept counts"
    total = sum(r["closed"] for r in report_json(kept, sla.config)["summary"])
    assert total > 50, "the demo month should give the comparison something to compare"


def test_the_first_breaches_are_the_head_of_the_whole_list(
    demo_month: Engine, sla: SlaTimer
) -> None:
    march = Period(date(2026, 3, 1), date(2026, 3, 31), "branch")
    end = report_window(sla, march.first, march.last)[1]
    for as_of in (end, end + 3 * DAY, end - 10 * DAY):
        with session_scope(demo_month) as session:
            whole = period_report(session=session, sla=sla, period=march, as_of=as_of)
            for limit in (1, 7, 10_000):
                head = period_report(
                    session=session, sla=sla, period=march, as_of=as_of, breach_limit=limit
                )
                assert head.breach_count == len(whole.breaches) > 10
                assert head.breaches == whole.breaches[:limit]
                assert head.summary == whole.summary


def test_kept_counts_follow_every_rewrite(demo_month: Engine, sla: SlaTimer) -> None:
    before = kept_rows(demo_month)
    assert before == rebuilt_rows(demo_month, sla)
    # A late event changes a claim's past: reopened documents, paid late, a cancellation.
    store(
        demo_month,
        sla,
        ev("R1", "STUCK", "paid", "2026-03-20T10:00:00+07:00"),
        ev("R2", "PAUSED", "cancelled", "2026-03-11T10:00:00+07:00"),
        submitted("N1", "NEW", "2026-03-16T08:00:00+07:00", branch="DPS"),
        ev("N2", "NEW", "documents_completed", "2026-03-16T09:00:00+07:00"),
        now=LATER,
    )
    after = kept_rows(demo_month)
    assert after != before
    assert after == rebuilt_rows(demo_month, sla)


def test_a_new_report_zone_rebuilds_the_counts(
    demo_month: Engine, sla: SlaTimer, config: SlaConfig
) -> None:
    makassar = SlaTimer(dataclasses.replace(config, report_timezone="Asia/Makassar"))
    march = Period(date(2026, 3, 1), date(2026, 3, 31), "branch")
    as_of = report_window(makassar, march.first, march.last)[1] + DAY
    # Kept in Jakarta's days: not read for a report in Makassar's.
    kept, counted, used = None, None, False
    with statements(demo_month) as seen, session_scope(demo_month) as session:
        counted = period_report(session=session, sla=makassar, period=march, as_of=as_of)
    assert not any("FROM goal_day_counts" in sql for sql, _ in seen)
    recompute_stale(db=demo_month, sla=makassar, now=LATER)
    kept, _direct, used = both_ways(demo_month, makassar, march, as_of)
    assert used
    assert report_json(kept, makassar.config) == report_json(counted, makassar.config)
    assert kept_rows(demo_month) == rebuilt_rows(demo_month, makassar)


@pytest.mark.parametrize("days", [0, 1, 40])
def test_a_report_whose_days_have_not_ended_counts_versions(
    demo_month: Engine, sla: SlaTimer, days: int
) -> None:
    """As of the middle of the period's first day no day of it has ended: nothing is kept
    for it, and the whole window is counted from versions."""
    first = date(2026, 3, 10)
    period = Period(first, first + timedelta(days=days))
    as_of = report_window(sla, first)[0] + 5 * 3_600_000_000
    kept, counted, _used = both_ways(demo_month, sla, period, as_of)
    assert report_json(kept, sla.config) == report_json(counted, sla.config)
