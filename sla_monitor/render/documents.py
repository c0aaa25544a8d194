"""Claim views and reports as JSON documents and CSV (the shapes of docs/cli.md and docs/api.md)."""

from __future__ import annotations

import csv
import io
from typing import Any

from sla_monitor.domain.calendar_data import calendar_notes, decree_statuses, local_years
from sla_monitor.domain.events import Event
from sla_monitor.domain.midnights import DAY_UNITS
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.report import Breach, Report, SummaryRow
from sla_monitor.domain.timeutil import format_rfc3339, local_date, seconds
from sla_monitor.render.cells import safe_cell
from sla_monitor.render.delays import report_delays
from sla_monitor.services.claim_view import ClaimDetail

BREACH_COLUMNS = (
    "claim_id",
    "channel",
    "branch_code",
    "goal",
    "kind",
    "due_at",
    "stopped_at",
    "overdue_seconds",
    "overdue_working_days",
)


def claim_json(detail: ClaimDetail, config: SlaConfig) -> dict[str, Any]:
    """The claim view of docs/api.md: its goals, each with the explanation of its deadline,
    and its events, those after as_of apart in `later_events`."""
    view = detail.view
    zone = config.branches[view.claim.branch_code].zone
    explanations = detail.explanations or (None,) * len(view.goals)

    def stamp(instant: int | None) -> str | None:
        return None if instant is None else format_rfc3339(instant, zone)

    def listed(events: list[Event]) -> list[dict[str, Any]]:
        return [{**e.to_json(), "occurred_at": format_rfc3339(e.occurred_at, zone)} for e in events]

    return {
        "claim_id": view.claim.claim_id,
        "channel": view.claim.channel,
        "branch_code": view.claim.branch_code,
        "timezone": zone.key,
        "submitted_at": stamp(view.claim.submitted_at),
        "policy": view.policy_id,
        "as_of": stamp(view.as_of),
        "goals": [
            {
                "goal": g.goal_id,
                "status": g.status.value,
                "started_at": stamp(g.started_at),
                "stopped_at": stamp(g.stopped_at),
                "cancelled_at": stamp(g.cancelled_at),
                "due_at": stamp(g.due_at),
                "elapsed_working_seconds": seconds(g.elapsed),
                "target_working_seconds": seconds(g.target),
                "explanation": None if e is None else e.to_json(),
            }
            for g, e in zip(view.goals, explanations, strict=True)
        ],
        "events": listed(detail.known_events),
        "later_events": listed(detail.later_events),
        "calendar_data": _claim_calendar_data(detail, config),
    }


def _claim_calendar_data(detail: ClaimDetail, config: SlaConfig) -> dict[str, Any]:
    """The decrees of every year from the claim's submission to its last deadline or as_of,
    for the calendars its goals are timed in."""
    view = detail.view
    goals = [config.goal(view.policy_id, g.goal_id) for g in view.goals]
    calendars = {goal.calendar for goal in goals if goal and goal.target.uses_calendar}
    moments = [view.claim.submitted_at, view.as_of]
    moments += [g.due_at for g in view.goals if g.due_at is not None]
    years = local_years(moments, config.branches[view.claim.branch_code].zone)
    chosen = [c for c in config.calendars_in_use if c in calendars]
    return calendar_notes(decree_statuses(config, years, chosen))


def _report_calendar_data(report: Report, config: SlaConfig) -> dict[str, Any]:
    """The decrees of the report's window, its as_of and the deadlines it lists."""
    zone = config.report_zone
    years = set(local_years([report.window_start, report.window_end - 1, report.as_of], zone))
    years |= {
        local_date(b.fact.due_at, b.fact.zone).year
        for b in report.breaches
        if b.fact.due_at is not None
    }
    return calendar_notes(decree_statuses(config, years))


def report_json(report: Report, config: SlaConfig) -> dict[str, Any]:
    zone = config.report_zone
    single = report.day == report.last_day
    return {
        "date": report.day.isoformat() if single else None,  # a one-day report's day
        "from": report.day.isoformat(),
        "to": report.last_day.isoformat(),
        "by": report.by,
        "filters": {
            key: list(report.filters.get(key, ())) for key in ("channel", "branch", "region")
        },
        "timezone": report.timezone,
        "as_of": format_rfc3339(report.as_of, zone),
        "window": {
            "start": format_rfc3339(report.window_start, zone),
            "end": format_rfc3339(report.window_end, zone),
        },
        "summary": [{**_group(report.by, r, config), **_counts(r)} for r in report.summary],
        "totals": [{"goal": r.goal, **_counts(r)} for r in report.totals],
        "breaches": [breach_row(b) for b in report.breaches],
        "calendar_data": _report_calendar_data(report, config),
        **report_delays(report),  # extended, never renamed: docs/rules.md#reports
    }


def _group(by: str, row: SummaryRow, config: SlaConfig) -> dict[str, Any]:
    """What names a summary row's group: its channel, its branch (code, name, region) or its
    region; then its goal."""
    if by == "channel":
        return {"channel": row.group, "goal": row.goal}
    if by == "region":
        return {"region": row.group, "goal": row.goal}
    branch = config.branches.get(row.group)
    return {
        "branch_code": row.group,
        "branch_name": branch.name if branch else None,
        "region": branch.region if branch else None,
        "goal": row.goal,
    }


def _counts(row: SummaryRow) -> dict[str, Any]:
    return {
        "closed": row.closed,
        "met": row.met,
        "breached": row.breached,
        "compliance": None if row.compliance is None else round(row.compliance, 6),
        "new_breaches": row.new_breaches,
        "open_breached": row.open_breached,
        "at_risk": row.at_risk,
    }


def breach_row(b: Breach) -> dict[str, Any]:
    """One breach; how late it is in calendar seconds and in working days of its calendar."""
    fact, kind, overdue = b.fact, b.kind, b.overdue
    assert fact.due_at is not None  # a breach has passed a deadline
    return {
        "claim_id": fact.claim_id,
        "channel": fact.channel,
        "branch_code": fact.branch_code,
        "goal": fact.goal_id,
        "kind": kind,
        "due_at": format_rfc3339(fact.due_at, fact.zone),
        "stopped_at": None
        if fact.stopped_at is None
        else format_rfc3339(fact.stopped_at, fact.zone),
        "overdue_seconds": seconds(overdue),
        "overdue_working_days": None
        if b.overdue_working is None
        else round(b.overdue_working / DAY_UNITS, 2),
    }


def report_csv(report: Report) -> str:
    """The breach list, one row a breach (the summary is in the table and JSON formats)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=BREACH_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for b in report.breaches:
        row = breach_row(b)
        writer.writerow({k: "" if row[k] is None else safe_cell(row[k]) for k in BREACH_COLUMNS})
    return out.getvalue()
