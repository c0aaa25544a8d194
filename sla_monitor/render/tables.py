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


GROUP_COLUMNS = {
    "channel": ("channel",),
    "branch": ("branch", "name", "region"),
    "region": ("region",),
}
COUNT_COLUMNS = (
    "closed",
    "met",
    "breached",
    "compliance",
    "new breaches",
    "open breached",
    "at risk",
)


def report_title(data: dict[str, Any]) -> str:
    """What the report covers: its dates, its grouping, every filter applied, its as_of."""
    dates = data["from"] if data["from"] == data["to"] else f"{data['from']} to {data['to']}"
    filters = "; ".join(
        f"{name} {', '.join(values)}" for name, values in data["filters"].items() if values
    )
    scope = f"only {filters}" if filters else "all channels and branches"
    return (
        f"SLA report {dates} ({data['timezone']}), by {data['by']}, {scope}; as of {data['as_of']}"
    )


def print_report(console: Console, report: Report, config: SlaConfig, *, limit: int = 50) -> None:
    data = report_json(report, config)
    summary = Table(title=escape(report_title(data)), title_justify="left")
    group_columns = GROUP_COLUMNS[report.by]
    for name in (*group_columns, "goal", *COUNT_COLUMNS):
        summary.add_column(name, justify="right" if name in COUNT_COLUMNS else "left")
    for r in data["summary"]:
        summary.add_row(*_group_cells(report.by, r), r["goal"], *_count_cells(r))
    for t in data["totals"]:
        summary.add_row("total", *[""] * (len(group_columns) - 1), t["goal"], *_count_cells(t))
    console.print(summary)
    if report.breaches:
        _print_breaches(console, report, limit)
    else:
        still_open = sum(t["open_breached"] for t in data["totals"])
        console.print(
            f"No new breach in this window; {still_open} goals are still open past their "
            "deadline (open breached)."
            if still_open
            else "No breach in this window, and no goal open past its deadline."
        )
    print_calendar_footer(console, data["calendar_data"])


def _group_cells(by: str, row: dict[str, Any]) -> list[str]:
    if by == "branch":
        return [row["branch_code"], row["branch_name"] or "-", row["region"] or "-"]
    return [row[by]]


def _count_cells(row: dict[str, Any]) -> list[str]:
    compliance = "-" if row["compliance"] is None else f"{row['compliance']:.1%}"
    counts = (row["closed"], row["met"], row["breached"])
    after = (row["new_breaches"], row["open_breached"], row["at_risk"])
    return [*map(str, counts), compliance, *map(str, after)]


def _print_breaches(console: Console, report: Report, limit: int) -> None:
    breaches = Table(title=f"Breaches ({len(report.breaches)})", title_justify="left")
    columns = ("claim", "channel", "branch", "goal", "kind", "due at", "stopped at")
    for name in (*columns, "overdue (calendar time)", "overdue (working days)"):
        breaches.add_column(name)
    for b in report.breaches[:limit]:
        row = breach_row(b)
        breaches.add_row(
            row["claim_id"],
            row["channel"],
            row["branch_code"],
            row["goal"],
            row["kind"],
            row["due_at"],
            row["stopped_at"] or "-",
            duration(b.overdue),
            "-" if row["overdue_working_days"] is None else f"{row['overdue_working_days']:.2f}",
        )
    console.print(breaches)
    if len(report.breaches) > limit:
        console.print(
            f"... and {len(report.breaches) - limit} more (use --format json or csv for all)"
        )


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
    for name in (
        "goal",
        "status",
        "started",
        "stopped",
        "due",
        "elapsed (working time)",
        "target (working time)",
    ):
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
