"""The trend of a period (services/trend.py): each day's figures are those of that day's own
report, with the same filters, read at the end of the day or the period's as_of."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.services.demo import demo_events
from sla_monitor.services.reports import Filters, Period, period_report, report_window
from sla_monitor.services.trend import daily_trend
from sla_monitor.store.db import session_scope

from .helpers import store

LATER = parse_rfc3339("2026-06-01T00:00:00Z")
FIELDS = ("goal", "closed", "met", "breached", "new_breaches")


@pytest.fixture
def demo_month(db: Engine, sla: SlaTimer) -> Engine:
    store(db, sla, *demo_events(config=sla.config, per_day=8, seed=5, now=LATER), now=LATER)
    return db


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(channels=("online",), regions=("DKI Jakarta", "Jawa Timur"))],
    ids=["everything", "filtered"],
)
def test_each_day_of_the_trend_is_that_days_report(
    demo_month: Engine, sla: SlaTimer, filters: Filters
) -> None:
    # The period runs past its as_of: the days after it are not reached and count nothing.
    period = Period(date(2026, 3, 20), date(2026, 4, 2), by="branch", filters=filters)
    as_of = parse_rfc3339("2026-03-30T14:00:00+07:00")
    with session_scope(demo_month) as session:
        trend = daily_trend(session=session, sla=sla, period=period, as_of=as_of)
        assert [t.day for t in trend] == [
            period.first + timedelta(days=i) for i in range((period.last - period.first).days + 1)
        ]
        for point in trend:
            end = report_window(sla, point.day)[1]
            assert point.as_of == min(end, as_of)
            daily = period_report(
                session=session,
                sla=sla,
                period=Period(point.day, point.day, filters=filters),
                as_of=point.as_of,
            )
            expected = [{f: getattr(r, f) for f in FIELDS} for r in daily.totals]
            assert [{f: getattr(r, f) for f in FIELDS} for r in point.totals] == expected
            assert point.reached == (point.day <= date(2026, 3, 30))
    assert sum(t.overall.closed for t in trend) > 5  # the days have something to count
    assert all(t.overall.closed == 0 for t in trend if not t.reached)
