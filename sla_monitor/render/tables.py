"""Claim views and reports as Rich tables for the terminal."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sla_monitor.domain.events import Event
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.report import Report
from sla_monitor.render.delays import print_delays
from sla_monitor.render.documents import breach_row, claim_json, report_json
from sla_monitor.render.i18n import (
    _,
    deadline_text,
    decimal,
    group_name,
    integer,
    moment_text,
    n_,
    percent,
    span,
    status_name,
)
from sla_monitor.services.claim_view import ClaimDetail


def print_calendar_footer(console: Console, notes: dict[str, Any]) -> None:
    """The holidays release and each decree year it spans; a warning for each unknown one."""
    known: dict[str, list[str]] = {}
    for d in notes["decrees"]:
        if d["known"]:
            known.setdefault(str(d["year"]), []).append(d["calendar"])
    listed = "; ".join(f"{year} ({', '.join(cals)})" for year, cals in known.items())
    console.print(
        _("Calendar data: holidays {version}; decree on cuti bersama known for {years}").format(
            version=notes["holidays_version"], years=listed or _("no year it spans")
        ),
        highlight=False,
        markup=False,
    )
    for warning in notes["unknown"]:  # "warning:" as in every command's stderr, for grep
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)


def group_columns(by: str) -> tuple[str, ...]:
    """The headings of the columns that name a report row's group."""
    if by == "branch":
        return (_("branch"), _("name"), _("region"))
    return (group_name(by),)


def count_columns() -> tuple[str, ...]:
    """The headings of a report row's counts, in the order of `_count_cells`."""
    return (
        _("closed"),
        _("met"),
        _("breached"),
        _("compliance"),
        _("new breaches"),
        _("open breached"),
        _("at risk"),
    )


def report_title(data: dict[str, Any], as_of_text: str) -> str:
    """What the report covers: its dates, its grouping, every filter applied, its as_of."""
    dates = (
        data["from"]
        if data["from"] == data["to"]
        else _("{first} to {last}").format(first=data["from"], last=data["to"])
    )
    filters = "; ".join(
        f"{group_name(name)} {', '.join(values)}"
        for name, values in data["filters"].items()
        if values
    )
    scope = (
        _("only {filters}").format(filters=filters) if filters else _("all channels and branches")
    )
    return _("SLA report {dates} ({timezone}), by {by}, {scope}; as of {as_of}").format(
        dates=dates,
        timezone=data["timezone"],
        by=group_name(data["by"]),
        scope=scope,
        as_of=as_of_text,
    )


BREACH_ROWS = 50  # breaches a report table lists; JSON and CSV have them all


def print_report(
    console: Console, report: Report, config: SlaConfig, *, limit: int = BREACH_ROWS
) -> None:
    data = report_json(report, config)
    title = report_title(data, deadline_text(report.as_of, config.report_zone))
    summary = Table(title=escape(title), title_justify="left")
    groups, counts = group_columns(report.by), count_columns()
    for name in (*groups, _("goal")):
        summary.add_column(name)
    for name in counts:
        summary.add_column(name, justify="right")
    for r in data["summary"]:
        summary.add_row(*_group_cells(report.by, r), r["goal"], *_count_cells(r))
    for t in data["totals"]:
        summary.add_row(_("total"), *[""] * (len(groups) - 1), t["goal"], *_count_cells(t))
    console.print(summary)
    print_delays(console, data)
    if report.breaches:
        _print_breaches(console, report, limit)
    else:
        still_open = sum(t["open_breached"] for t in data["totals"])
        console.print(
            n_(
                "No new breach in this window; {n} goal is still open past its deadline "
                "(open breached).",
                "No new breach in this window; {n} goals are still open past their deadline "
                "(open breached).",
                still_open,
            ).format(n=integer(still_open))
            if still_open
            else _("No breach in this window, and no goal open past its deadline.")
        )
    print_calendar_footer(console, data["calendar_data"])


def _group_cells(by: str, row: dict[str, Any]) -> list[str]:
    if by == "branch":
        return [row["branch_code"], row["branch_name"] or "-", row["region"] or "-"]
    return [row[by]]


def _count_cells(row: dict[str, Any]) -> list[str]:
    compliance = "-" if row["compliance"] is None else percent(row["compliance"])
    counts = (row["closed"], row["met"], row["breached"])
    after = (row["new_breaches"], row["open_breached"], row["at_risk"])
    return [*map(integer, counts), compliance, *map(integer, after)]


def _print_breaches(console: Console, report: Report, limit: int) -> None:
    title = _("Breaches ({count})").format(count=integer(report.breach_count))
    breaches = Table(title=title, title_justify="left")
    for name in (
        _("claim"),
        _("channel"),
        _("branch"),
        _("goal"),
        _("kind"),
        _("due"),
        _("closed at"),
    ):
        breaches.add_column(name)
    for name in (_("overdue (calendar time)"), _("overdue (working days)")):
        breaches.add_column(name, justify="right")
    for b in report.breaches[:limit]:
        row, fact = breach_row(b), b.fact
        assert fact.due_at is not None  # a breach has passed a deadline
        breaches.add_row(
            row["claim_id"],
            row["channel"],
            row["branch_code"],
            row["goal"],
            status_name(row["kind"]),
            deadline_text(fact.due_at, fact.zone),
            "-" if fact.stopped_at is None else moment_text(fact.stopped_at, fact.zone),
            span(b.overdue),
            "-" if row["overdue_working_days"] is None else decimal(row["overdue_working_days"]),
        )
    console.print(breaches)
    if report.breach_count > limit:
        console.print(
            _("... and {more} more (use --format json or csv for all)").format(
                more=integer(report.breach_count - limit)
            )
        )


def print_claim(console: Console, detail: ClaimDetail, config: SlaConfig) -> None:
    data = claim_json(detail, config)
    view = detail.view
    branch = config.branches[data["branch_code"]]
    zone = branch.zone
    console.print(
        _(
            "[bold]Claim {claim}[/bold]  channel {channel}  branch {branch} ({name}, {timezone})  "
            "policy {policy}"
        ).format(
            claim=escape(data["claim_id"]),
            channel=escape(data["channel"]),
            branch=escape(branch.code),
            name=escape(branch.name),
            timezone=branch.timezone,
            policy=escape(data["policy"] or _("none (untracked)")),
        )
    )
    console.print(
        _("submitted {submitted}, as of {as_of}").format(
            submitted=moment_text(view.claim.submitted_at, zone),
            as_of=deadline_text(view.as_of, zone),
        ),
        highlight=False,
        markup=False,
    )
    console.print(
        _goals_table(detail, zone)
        if view.goals
        else _("No goals: the claim was submitted before every policy.")
    )
    console.print(_events_table(_("Events"), data["events"], detail.known_events, zone))
    if detail.later_events:
        title = _("Later events (after as of: not counted)")
        console.print(_events_table(title, data["later_events"], detail.later_events, zone))
    print_calendar_footer(console, data["calendar_data"])


def _events_table(
    title: str, rows: list[dict[str, Any]], events: list[Event], zone: ZoneInfo
) -> Table:
    """Events in the order given, each with the fields of its JSON row beyond the usual four."""
    table = Table(title=title, title_justify="left")
    for name in (_("occurred at"), _("type"), _("event id"), _("details")):
        table.add_column(name)
    for row, event in zip(rows, events, strict=True):
        extra = ", ".join(
            f"{k}={v}"
            for k, v in row.items()
            if k not in ("occurred_at", "type", "event_id", "claim_id")
        )
        # Event text is whatever a sender wrote: shown as it is, never read as Rich markup.
        cells = (row["type"], row["event_id"], extra)
        table.add_row(moment_text(event.occurred_at, zone), *map(escape, cells))
    return table


def _goals_table(detail: ClaimDetail, zone: ZoneInfo) -> Table:
    """Each goal's status and times; its elapsed and target in its calendar's working time."""
    goals = Table(title=_("Goals"), title_justify="left")
    for name in (_("goal"), _("status"), _("started"), _("stopped"), _("due")):
        goals.add_column(name)
    for name in (_("elapsed (working time)"), _("target (working time)")):
        goals.add_column(name, justify="right")

    def moment(instant: int | None) -> str:
        return "-" if instant is None else moment_text(instant, zone)

    for g in detail.view.goals:
        goals.add_row(
            g.goal_id,
            status_name(g.status.value),
            moment(g.started_at),
            moment(g.stopped_at if g.stopped_at is not None else g.cancelled_at),
            "-" if g.due_at is None else deadline_text(g.due_at, zone),
            span(g.elapsed),
            span(g.target),
        )
    return goals
