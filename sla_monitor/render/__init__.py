"""Claim views and reports as JSON, CSV and Rich tables (SPEC §6 shapes)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sla_monitor.domain.calendar_data import (
    HOLIDAYS_VERSION,
    CalendarDate,
    DateChange,
    Fingerprint,
    calendar_dates,
    calendar_notes,
    decree_statuses,
    local_years,
)
from sla_monitor.domain.policy import CalendarSpec, SlaConfig
from sla_monitor.domain.report import Report
from sla_monitor.domain.timeutil import format_rfc3339, local_date, seconds
from sla_monitor.services.views import ClaimDetail

BREACH_COLUMNS = (
    "claim_id",
    "channel",
    "branch_code",
    "goal",
    "kind",
    "due_at",
    "stopped_at",
    "overdue_seconds",
)


def claim_json(detail: ClaimDetail, config: SlaConfig) -> dict[str, Any]:
    view = detail.view
    zone = config.branches[view.claim.branch_code].zone

    def stamp(instant: int | None) -> str | None:
        return None if instant is None else format_rfc3339(instant, zone)

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
            }
            for g in view.goals
        ],
        "events": [
            {**e.to_json(), "occurred_at": format_rfc3339(e.occurred_at, zone)}
            for e in detail.events
        ],
        "calendar_data": _claim_calendar_data(detail, config),
    }


def _claim_calendar_data(detail: ClaimDetail, config: SlaConfig) -> dict[str, Any]:
    """The decrees of every year from the claim's submission to its last deadline or as_of,
    for the calendars its goals are timed in."""
    view = detail.view
    policy = next((p for p in config.policies if p.id == view.policy_id), None)
    timed = {g.goal_id for g in view.goals}
    calendars = {
        goal.calendar
        for goal in (policy.goals if policy else ())
        if goal.id in timed and goal.target.uses_calendar
    }
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


def print_calendar_footer(console: Console, notes: dict[str, Any]) -> None:
    """The holidays release and each decree year it spans; a warning for each unknown one."""
    known: dict[str, list[str]] = {}
    for d in notes["decrees"]:
        if d["known"]:
            known.setdefault(str(d["year"]), []).append(d["calendar"])
    listed = "; ".join(f"{year} ({', '.join(cals)})" for year, cals in known.items())
    console.print(
        f"Calendar data: holidays {notes['holidays_version']}; decree on cuti bersama known "
        f"for {listed or 'no year it spans'}",
        highlight=False,
        markup=False,
    )
    for warning in notes["unknown"]:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)


def report_json(report: Report, config: SlaConfig) -> dict[str, Any]:
    return {
        "date": report.day.isoformat(),
        "timezone": report.timezone,
        "as_of": format_rfc3339(report.as_of, config.report_zone),
        "window": {
            "start": format_rfc3339(report.window_start, config.report_zone),
            "end": format_rfc3339(report.window_end, config.report_zone),
        },
        "summary": [
            {
                "channel": r.channel,
                "goal": r.goal,
                "closed": r.closed,
                "met": r.met,
                "breached": r.breached,
                "compliance": None if r.compliance is None else round(r.compliance, 6),
                "new_breaches": r.new_breaches,
                "open_breached": r.open_breached,
                "at_risk": r.at_risk,
            }
            for r in report.summary
        ],
        "breaches": [_breach(b.fact, b.kind, b.overdue) for b in report.breaches],
        "calendar_data": _report_calendar_data(report, config),
    }


def _breach(fact: Any, kind: str, overdue: int) -> dict[str, Any]:
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
    }


def report_csv(report: Report) -> str:
    """The breach list, one row a breach (the summary is in the table and JSON formats)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=BREACH_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for b in report.breaches:
        row = _breach(b.fact, b.kind, b.overdue)
        writer.writerow({k: "" if row[k] is None else row[k] for k in BREACH_COLUMNS})
    return out.getvalue()


def duration(micros: int) -> str:
    """A readable span, e.g. 2d 03h 15m."""
    total = seconds(abs(micros))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3600)
    text = f"{days}d {hours:02d}h {rest // 60:02d}m" if days else f"{hours}h {rest // 60:02d}m"
    return ("-" if micros < 0 else "") + text


def print_report(console: Console, report: Report, config: SlaConfig, *, limit: int = 50) -> None:
    data = report_json(report, config)
    title = f"SLA report {data['date']} ({data['timezone']}), as of {data['as_of']}"
    summary = Table(title=title, title_justify="left")
    for name in (
        "channel",
        "goal",
        "closed",
        "met",
        "breached",
        "compliance",
        "new breaches",
        "open breached",
        "at risk",
    ):
        summary.add_column(name, justify="left" if name in ("channel", "goal") else "right")
    for r in data["summary"]:
        compliance = "-" if r["compliance"] is None else f"{r['compliance']:.1%}"
        summary.add_row(
            r["channel"],
            r["goal"],
            str(r["closed"]),
            str(r["met"]),
            str(r["breached"]),
            compliance,
            str(r["new_breaches"]),
            str(r["open_breached"]),
            str(r["at_risk"]),
        )
    console.print(summary)
    if not report.breaches:
        console.print("No breaches in this window.")
        print_calendar_footer(console, data["calendar_data"])
        return
    breaches = Table(title=f"Breaches ({len(report.breaches)})", title_justify="left")
    for name in ("claim", "channel", "branch", "goal", "kind", "due at", "stopped at", "overdue"):
        breaches.add_column(name)
    for b in report.breaches[:limit]:
        row = _breach(b.fact, b.kind, b.overdue)
        breaches.add_row(
            row["claim_id"],
            row["channel"],
            row["branch_code"],
            row["goal"],
            row["kind"],
            row["due_at"],
            row["stopped_at"] or "-",
            duration(b.overdue),
        )
    console.print(breaches)
    if len(report.breaches) > limit:
        console.print(
            f"... and {len(report.breaches) - limit} more (use --format json or csv for all)"
        )
    print_calendar_footer(console, data["calendar_data"])


def print_claim(console: Console, detail: ClaimDetail, config: SlaConfig) -> None:
    data = claim_json(detail, config)
    branch = config.branches[data["branch_code"]]
    console.print(
        f"[bold]Claim {data['claim_id']}[/bold]  channel {data['channel']}  branch "
        f"{branch.code} ({branch.name}, {branch.timezone})  "
        f"policy {data['policy'] or 'none (untracked)'}"
    )
    console.print(f"submitted {data['submitted_at']}, as of {data['as_of']}")
    goals = Table(title="Goals", title_justify="left")
    for name in ("goal", "status", "started", "stopped", "due", "elapsed", "target"):
        goals.add_column(name)
    for g, state in zip(data["goals"], detail.view.goals, strict=True):
        goals.add_row(
            g["goal"],
            g["status"],
            g["started_at"] or "-",
            g["stopped_at"] or g["cancelled_at"] or "-",
            g["due_at"] or "-",
            duration(state.elapsed),
            duration(state.target),
        )
    console.print(
        goals if data["goals"] else "No goals: the claim was submitted before every policy."
    )
    events = Table(title="Events", title_justify="left")
    for name in ("occurred at", "type", "event id", "details"):
        events.add_column(name)
    for e in data["events"]:
        extra = ", ".join(
            f"{k}={v}"
            for k, v in e.items()
            if k not in ("occurred_at", "type", "event_id", "claim_id")
        )
        events.add_row(e["occurred_at"], e["type"], e["event_id"], extra)
    console.print(events)
    print_calendar_footer(console, data["calendar_data"])


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def print_calendar(
    console: Console, spec: CalendarSpec, year: int, entries: list[CalendarDate]
) -> None:
    """One line a date, in date order: the date, its weekday, its source and its name."""
    days = ", ".join(WEEKDAY_NAMES[d] for d in sorted(spec.weekdays))
    source = spec.holidays
    data = (
        f"holidays {HOLIDAYS_VERSION}: {source.country} ({', '.join(source.categories)})"
        if source
        else "no holiday data"
    )
    console.print(f"Calendar {spec.id!r} {year}: working weekdays {days}; {data}", markup=False)
    width = max((len(e.source_label) for e in entries), default=0)
    for e in entries:
        console.print(
            f"{e.day.isoformat()} {e.day:%a}  {e.source_label:<{width}}  {_name(e)}".rstrip(),
            highlight=False,
            markup=False,
        )
    if not entries:
        console.print(f"no holiday and no extra working day in {year}")


def print_calendar_diff(
    console: Console,
    label: str,
    old: Fingerprint,
    new: Fingerprint,
    changes: list[DateChange],
    spec: CalendarSpec,
    old_spec: CalendarSpec | None,
) -> None:
    """The dates a calendar change moved, each with the source and name it has now (or had)."""
    console.print(
        f"calendar {new.calendar!r}: {label} -> current {new.digest}", markup=False, highlight=False
    )
    if old.weekdays != new.weekdays:
        before = ", ".join(WEEKDAY_NAMES[d] for d in old.weekdays)
        after = ", ".join(WEEKDAY_NAMES[d] for d in new.weekdays)
        console.print(f"  working weekdays: {before} -> {after}", markup=False)
    if old.office_hours != new.office_hours:
        console.print(f"  office hours: {old.office_hours} -> {new.office_hours}", markup=False)
    named: dict[date, CalendarDate] = {}
    for year in sorted({c.day.year for c in changes}):
        for which in (old_spec, spec):  # the current calendar's name wins
            if which is not None:
                named.update({e.day: e for e in calendar_dates(which, year)})
    for c in changes:
        state = f"{_state(c.working_before)} -> {_state(c.working_after)}"
        entry = named.get(c.day)
        why = f"{entry.source_label}  {_name(entry)}" if entry else ""
        console.print(
            f"  {c.day.isoformat()} {c.day:%a}  {state:<17}  {why}".rstrip(),
            markup=False,
            highlight=False,
        )


def _name(entry: CalendarDate) -> str:
    if entry.source == "extra_working_day" and entry.name:
        return f"instead of: {entry.name}"
    return entry.name


def _state(working: bool) -> str:
    return "working" if working else "closed"
