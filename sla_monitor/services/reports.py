"""The daily report, read from the goal versions valid at its `as_of` (docs/rules.md#reports)."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlmodel import Session

from sla_monitor.domain.goals import Phase
from sla_monitor.domain.report import GoalFact, Report, build_report
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant, local_instant
from sla_monitor.store.queries import open_status_counts, window_goals


def report_window(sla: SlaTimer, day: date) -> tuple[Instant, Instant]:
    zone = sla.config.report_zone
    return local_instant(day, time(0), zone), local_instant(day + timedelta(days=1), time(0), zone)


def default_report_as_of(sla: SlaTimer, day: date, now: Instant) -> Instant:
    """The end of the day, or now if that is still ahead (docs/rules.md#reports)."""
    return min(report_window(sla, day)[1], now)


def daily_report(
    *,
    session: Session,
    sla: SlaTimer,
    day: date,
    as_of: Instant,
    channel: str | None = None,
    branch_code: str | None = None,
) -> Report:
    window = report_window(sla, day)
    # Every goal as it was at as_of is stored (the goal version valid then): the report
    # counts them in SQL and reads one by one only the breaches it lists, whatever the day.
    counts, listed = window_goals(
        session=session,
        window_start=window[0],
        window_end=window[1],
        as_of=as_of,
        channel=channel,
        branch_code=branch_code,
    )
    facts = [
        GoalFact(
            goal.claim_id,
            goal.channel,
            goal.branch_code,
            goal.record.goal_id,
            goal.record.status_at(as_of),
            goal.record.due_at,
            goal.record.ended_at if goal.record.phase is Phase.STOPPED else None,
            sla.config.branches[goal.branch_code].zone,
            counted=False,
        )
        for goal in listed
    ]
    return build_report(
        day=day,
        timezone=sla.config.report_timezone,
        window=window,
        as_of=as_of,
        facts=facts,
        rows=summary_rows(sla, channel),
        open_counts=open_status_counts(
            session=session, as_of=as_of, channel=channel, branch_code=branch_code
        ),
        window_counts=counts,
    )


def summary_rows(sla: SlaTimer, channel: str | None) -> list[tuple[str, str]]:
    return [(c, g) for c, g in sla.config.channel_goals() if channel in (None, c)]
