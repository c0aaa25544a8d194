"""The indexed report equals a brute-force replay of every claim, for any day and as_of."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from sla_monitor.domain.delay_figures import ClosedDelay
from sla_monitor.domain.delay_groups import delay_rows
from sla_monitor.domain.report import GoalFact, build_report
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import format_rfc3339, local_date, parse_rfc3339
from sla_monitor.render.documents import report_json
from sla_monitor.services.demo import demo_events
from sla_monitor.services.recompute import recompute_stale
from sla_monitor.services.reports import (
    daily_report,
    grouping,
    lateness_time,
    report_window,
    summary_rows,
)
from sla_monitor.store.db import session_scope
from sla_monitor.store.delays import delay_of
from sla_monitor.store.goal_rows import claim_of
from sla_monitor.store.queries import histories
from sla_monitor.store.tables import ClaimRow, EventRow, GoalRow, GoalVersionRow

from .helpers import ev, put, store, submitted

LATER = parse_rfc3339("2026-06-01T00:00:00Z")
PAUSE_AT_RISK = "2026-03-09T10:00:00+07:00"


def brute_force(db: Engine, sla: SlaTimer, day: date, as_of: int) -> dict[str, object]:
    with session_scope(db) as session:
        claims = [claim_of(row) for row in session.execute(select(ClaimRow)).scalars()]
        events = histories(session=session, claim_ids=[c.claim_id for c in claims])
    facts = []
    for claim in claims:
        view = sla.view(claim, events[claim.claim_id], as_of)
        zone = sla.config.branches[claim.branch_code].zone
        for g in view.goals:
            facts.append(
                GoalFact(claim.claim_id, claim.channel, claim.branch_code, g.goal_id, g.status,
                         g.due_at, g.stopped_at, zone,
                         lateness=lateness_time(sla, view.policy_id, g.goal_id, claim.branch_code))
            )  # fmt: skip
    window = report_window(sla, day)
    report = build_report(
        day=day,
        timezone=sla.config.report_timezone,
        window=window,
        as_of=as_of,
        facts=facts,
        rows=summary_rows(sla, None),
    )
    # The delay before and around the clock, from every claim's events (not the stored rows).
    closed = []
    for claim in claims:
        d = delay_of(sla, claim, events[claim.claim_id])
        if d is None or d.closed_at is None:
            continue
        if window[0] <= d.closed_at < window[1] and d.closed_at <= as_of:
            closed.append(
                ClosedDelay(claim.channel, claim.branch_code, d.wait, d.send_backs, d.paused,
                            d.clock, d.end_to_end, d.end_to_end_calendar)
            )  # fmt: skip
    groups = list(dict.fromkeys(group for group, _goal in summary_rows(sla, None)))
    report.delays, report.delay_total = delay_rows(
        closed, grouping(sla.config, "channel").key, groups
    )
    return report_json(report, sla.config)


def checked_report(db: Engine, sla: SlaTimer, day: date, as_of: int) -> dict[str, Any]:
    """The indexed report's JSON, after asserting it equals the brute-force replay."""
    with session_scope(db) as session:
        fast = report_json(daily_report(session=session, sla=sla, day=day, as_of=as_of), sla.config)
    assert fast == brute_force(db, sla, day, as_of), (day, as_of)
    return fast


@pytest.fixture
def demo_month(db: Engine, sla: SlaTimer) -> Engine:
    raws = demo_events(config=sla.config, per_day=20, seed=7, now=LATER)
    # Never paid, no event after its completion: due at the end of Mon 16 March, open
    # and breached in every later window (the case counted by SQL, not replayed).
    raws += [
        submitted("X1", "STUCK", "2026-03-09T08:00:00+07:00"),
        ev("X2", "STUCK", "documents_completed", "2026-03-09T09:00:00+07:00"),
        # At risk from Sat 7 March, paused at PAUSE_AT_RISK, resumed and paid the next day:
        # as of the pause it is paused, and not also at risk as the version it ended says.
        submitted("P1", "PAUSED", "2026-03-02T08:00:00+07:00"),
        ev("P2", "PAUSED", "documents_completed", "2026-03-02T09:00:00+07:00"),
        ev("P3", "PAUSED", "documents_incomplete", PAUSE_AT_RISK),
        ev("P4", "PAUSED", "documents_completed", "2026-03-10T09:00:00+07:00"),
        ev("P5", "PAUSED", "paid", "2026-03-10T11:00:00+07:00"),
    ]
    for start in range(0, len(raws), 2000):
        put(db, sla, raws[start : start + 2000], LATER)
    recompute_stale(db=db, sla=sla, now=LATER)
    # Paid at exactly its deadline: met, and no new breach (a deadline passes only after it).
    store(db, sla, submitted("Q1", "EXACT", "2026-03-03T08:00:00+07:00"), now=LATER)
    store(db, sla, ev("Q2", "EXACT", "documents_completed", "2026-03-03T09:00:00+07:00"), now=LATER)
    with session_scope(db) as session:
        due = session.execute(
            select(GoalRow.due_at).where(GoalRow.claim_id == "EXACT")
        ).scalar_one()
    store(db, sla, ev("Q3", "EXACT", "paid", format_rfc3339(due)), now=LATER)
    return db


def test_indexed_report_equals_brute_force(demo_month: Engine, sla: SlaTimer) -> None:
    checked = 0
    for day in (date(2026, 3, 2), date(2026, 3, 17), date(2026, 3, 25), date(2026, 4, 2)):
        start, end = report_window(sla, day)
        for as_of in (start + 9 * 3_600_000_000, end, end + 3 * 86_400_000_000):
            fast = checked_report(demo_month, sla, day, as_of)
            checked += sum(r["closed"] + r["open_breached"] + r["at_risk"] for r in fast["summary"])
    assert checked > 100, "the demo month should give the comparison something to compare"


def test_a_report_as_of_an_events_instant_includes_that_event(
    demo_month: Engine, sla: SlaTimer
) -> None:
    """At exactly an event's time the view includes it (occurred_at <= as_of): the goal
    version it starts is read, and the one it ended is not read as well.
    """
    day = date(2026, 3, 17)
    start, end = report_window(sla, day)
    with session_scope(demo_month) as session:
        moments = sorted(
            {
                row.occurred_at
                for row in session.execute(
                    select(EventRow.occurred_at).where(
                        EventRow.occurred_at >= start,  # type: ignore[operator]
                        EventRow.occurred_at < end,  # type: ignore[operator]
                        EventRow.type.in_(["paid", "documents_incomplete"]),  # type: ignore[attr-defined]
                    )
                )
            }
        )
    assert len(moments) >= 10, "the day should hold payments and pauses to stop at"
    cases = [(day, as_of) for as_of in moments[:: max(1, len(moments) // 12)]]
    cases.append((date(2026, 3, 9), parse_rfc3339(PAUSE_AT_RISK)))
    for day, as_of in cases:
        checked_report(demo_month, sla, day, as_of)


def test_a_report_as_of_the_event_that_ends_a_breached_version_lists_it_once(
    demo_month: Engine, sla: SlaTimer
) -> None:
    """A version is valid up to, not at, its valid_to: as of the payment of a goal already
    past its deadline, the report reads the stopped version alone, not the late running one
    beside it (which would list the breach twice)."""
    cases = []
    with session_scope(demo_month) as session:
        for day in (date(2026, 3, d) for d in range(2, 31)):
            start, end = report_window(sla, day)
            v = GoalVersionRow
            ended = session.execute(
                select(v.valid_to).where(
                    v.phase == "running",  # type: ignore[arg-type]
                    v.due_at >= start,  # type: ignore[operator]
                    v.due_at < v.valid_to,  # type: ignore[operator]
                    v.valid_to <= end,  # type: ignore[operator]
                )
            ).scalars()
            cases += [(day, as_of) for as_of in sorted(set(ended))[:3]]
    assert len(cases) >= 4, "the demo month should pay or pause some goals late"
    for day, as_of in cases:
        checked_report(demo_month, sla, day, as_of)


def test_a_goal_paid_at_exactly_its_deadline_is_met_and_no_breach(
    demo_month: Engine, sla: SlaTimer
) -> None:
    with session_scope(demo_month) as session:
        due = session.execute(
            select(GoalRow.due_at).where(GoalRow.claim_id == "EXACT")  # type: ignore[arg-type]
        ).scalar_one()
    zone = ZoneInfo(sla.config.report_timezone)
    day = local_date(due, zone)  # the day whose window holds the deadline (and the payment)
    start, end = report_window(sla, day)
    assert start <= due < end
    for as_of in (due, end, end + 86_400_000_000):
        fast = checked_report(demo_month, sla, day, as_of)
        assert not any(b["claim_id"] == "EXACT" for b in fast["breaches"])
        assert sum(row["met"] for row in fast["summary"]) >= 1
