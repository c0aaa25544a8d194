"""The open backlog (docs/reports.md#the-open-backlog): exactly the goals open at as_of with
the status asked, as the claim view replaying each claim's events sees them, most overdue
first."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from sla_monitor.domain.backlog import BacklogItem
from sla_monitor.domain.goals import Status
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant, parse_rfc3339
from sla_monitor.services.backlog import BacklogQuery, backlog
from sla_monitor.services.claim_view import ClaimDetail, claim_detail
from sla_monitor.services.demo import demo_events
from sla_monitor.services.reports import Filters
from sla_monitor.store.db import session_scope
from sla_monitor.store.tables import CLAIMS

from .helpers import store

LATER = parse_rfc3339("2026-04-10T00:00:00Z")
# Inside the demo month (many goals open, at risk and paused) and after it (the open ones
# breached, and versions superseded since).
MOMENTS = ("2026-03-12T09:30:00+07:00", "2026-03-31T23:00:00+07:00", "2026-04-09T12:00:00Z")
OPEN = {Status.ON_TRACK, Status.AT_RISK, Status.PAUSED, Status.BREACHED}


@pytest.fixture
def demo_store(db: Engine, sla: SlaTimer) -> Engine:
    events = demo_events(config=sla.config, month=date(2026, 3, 1), per_day=12, seed=5, now=LATER)
    store(db, sla, *events, now=LATER)
    return db


def replayed(db: Engine, sla: SlaTimer, as_of: Instant) -> dict[tuple[str, str], Status]:
    """Every open goal at as_of and its status, from each claim's events."""
    found = {}
    with session_scope(db) as session:
        claims = session.execute(select(CLAIMS.c.claim_id)).scalars().all()
        for claim_id in claims:
            detail = claim_detail(session=session, sla=sla, claim_id=claim_id, as_of=as_of)
            assert isinstance(detail, ClaimDetail)
            for goal in detail.view.goals:
                if goal.status in OPEN and goal.stopped_at is None:
                    found[(claim_id, goal.goal_id)] = goal.status
    return found


def listed(db: Engine, sla: SlaTimer, as_of: Instant, query: BacklogQuery) -> list[BacklogItem]:
    with session_scope(db) as session:
        return list(backlog(session=session, sla=sla, query=query, as_of=as_of))


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("status", ["breached", "at_risk", "paused", "open"])
def test_the_backlog_is_exactly_the_open_goals_of_the_status(
    demo_store: Engine, sla: SlaTimer, moment: str, status: str
) -> None:
    as_of = parse_rfc3339(moment)
    expected = {
        key for key, state in replayed(demo_store, sla, as_of).items()
        if status == "open" or state.value == status
    }  # fmt: skip
    items = listed(demo_store, sla, as_of, BacklogQuery(status))
    assert {(i.claim_id, i.goal_id) for i in items} == expected
    assert len(items) == len(expected)  # no goal twice
    if status in ("breached", "open") and moment == MOMENTS[2]:
        assert len(expected) >= 10  # the case has something to list
    dues = [i.due_at for i in items]
    known = [d for d in dues if d is not None]
    assert known == sorted(known) and dues == known + [None] * (len(dues) - len(known))


def test_lateness_is_counted_both_ways(demo_store: Engine, sla: SlaTimer) -> None:
    as_of = parse_rfc3339(MOMENTS[1])
    for item in listed(demo_store, sla, as_of, BacklogQuery("open")):
        if item.due_at is None:
            assert item.status is Status.PAUSED and item.overdue is None
            assert item.overdue_working is not None and item.overdue_working < 0
            continue
        assert item.overdue == as_of - item.due_at
        assert item.overdue_working is not None
        # Past the deadline is positive in both clocks, before it negative; never more
        # working time than calendar time.
        assert (item.overdue > 0) == (item.overdue_working > 0) or item.overdue_working == 0
        assert abs(item.overdue_working) <= abs(item.overdue)
        assert (item.status is Status.BREACHED) == (item.overdue > 0)


def test_filters_narrow_the_backlog(demo_store: Engine, sla: SlaTimer) -> None:
    as_of = parse_rfc3339(MOMENTS[2])
    everything = listed(demo_store, sla, as_of, BacklogQuery("open"))
    branch = everything[0].branch_code
    region = sla.config.branches[branch].region
    only_branch = listed(demo_store, sla, as_of, BacklogQuery("open", Filters(branches=(branch,))))
    assert only_branch == [i for i in everything if i.branch_code == branch]
    in_region = listed(demo_store, sla, as_of, BacklogQuery("open", Filters(regions=(region,))))
    assert in_region == [
        i for i in everything if sla.config.branches[i.branch_code].region == region
    ]
    channel = everything[-1].channel
    on_channel = listed(demo_store, sla, as_of, BacklogQuery("open", Filters(channels=(channel,))))
    assert on_channel == [i for i in everything if i.channel == channel]
    assert 0 < len(only_branch) < len(everything)


def test_each_status_has_goals_at_some_moment(demo_store: Engine, sla: SlaTimer) -> None:
    """So that the cases above compare lists, not empty sets."""
    for status in ("breached", "at_risk", "paused"):
        sizes = [
            len(listed(demo_store, sla, parse_rfc3339(m), BacklogQuery(status))) for m in MOMENTS
        ]
        assert max(sizes) >= 3, (status, sizes)
