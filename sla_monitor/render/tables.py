"""Claim views and reports as Rich tables for the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.report import Report
from sla_monitor.domain.timeutil import seconds
from sla_monitor.render.documents import breach_row, claim_json, report_json
from sla_monitor.services.claim_view import ClaimDetail


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
        row = breach_row(b.fact, b.kind, b.overdue)
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
