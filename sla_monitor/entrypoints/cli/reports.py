"""`sla-monitor report`: the breach report of a day, a week, a month or any dates, in
report_timezone, by channel, branch or region."""

from __future__ import annotations

import json
from dataclasses import replace
from enum import StrEnum
from typing import Annotated

import typer
from sqlmodel import Session

from sla_monitor.bootstrap import wall_clock
from sla_monitor.domain.periods import PeriodError, period_dates
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.report import Report
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import local_date
from sla_monitor.entrypoints.cli.app import (
    Context,
    app,
    as_of_option,
    fail,
    friendly_errors,
    out,
    warn,
)
from sla_monitor.entrypoints.cli.options import (
    Branches,
    Channels,
    DocumentFile,
    FirstDate,
    LastDate,
    PeriodAsOf,
    Regions,
)
from sla_monitor.entrypoints.cli.output import complete_file, write_text
from sla_monitor.render import documents, tables
from sla_monitor.render.i18n import _, text
from sla_monitor.services.backlog import BacklogQuery, backlog
from sla_monitor.services.reports import Filters, Period, default_report_as_of, period_report
from sla_monitor.services.trend import daily_trend
from sla_monitor.store.db import session_scope
from sla_monitor.store.queries import stale_claims


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"
    xlsx = "xlsx"


class GroupBy(StrEnum):
    channel = "channel"
    branch = "branch"
    region = "region"


@app.command("report", epilog="Example: sla-monitor report --month 2026-03 --by branch")
def report_command(
    ctx: typer.Context,
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="One local date (report_timezone), YYYY-MM-DD. Default: yesterday.",
            show_default=False,
        ),
    ] = None,
    first: FirstDate = None,
    last: LastDate = None,
    month: Annotated[str | None, typer.Option(help="A month, YYYY-MM.")] = None,
    week: Annotated[str | None, typer.Option(help="An ISO week, YYYY-Www (e.g. 2026-W12).")] = None,
    by: Annotated[GroupBy, typer.Option(help="One summary row per group.")] = GroupBy.channel,
    output: Annotated[
        ReportFormat, typer.Option("--format", help="Output format.")
    ] = ReportFormat.table,
    channel: Channels = None,
    branch: Branches = None,
    region: Regions = None,
    as_of: PeriodAsOf = None,
    target: DocumentFile = None,
) -> None:
    """The breach report of a period in report_timezone (reads only)."""
    context: Context = ctx.obj
    check_output(output, target)
    with friendly_errors():
        config = context.config()
        sla = SlaTimer(config)
        now = wall_clock()
        try:
            today = local_date(now, config.report_zone)
            dates = period_dates(day, first, last, month, week, today)
        except PeriodError as exc:
            fail(text(exc.text))
        filters = Filters(tuple(channel or ()), tuple(branch or ()), tuple(region or ()))
        check_filters(config, filters)
        period = Period(dates[0], dates[1], by.value, filters)
        moment = as_of_option(as_of, default_report_as_of(sla, dates[1], now))
        db = context.database(migrate=False)
        with session_scope(db) as session:
            behind = stale_claims(session=session)
            report = period_report(
                session=session,
                sla=sla,
                period=period,
                as_of=moment,
                breach_limit=breach_rows(output),
            )
            if output in (ReportFormat.html, ReportFormat.xlsx):
                write_document(session, sla, period, report, output, target)
    if behind:
        warn(
            _(
                "{n} claims have events their goals do not reflect yet (an import was "
                "interrupted, or `sla-monitor serve` is recomputing them): they count as they "
                "were before those events. `sla-monitor recompute --stale` brings them up to date"
            ).format(n=behind)
        )
    if output is ReportFormat.json and target is None:
        out.print_json(json.dumps(documents.report_json(report, config), ensure_ascii=False))
    elif output is ReportFormat.json:
        document = json.dumps(documents.report_json(report, config), ensure_ascii=False, indent=2)
        write_text(target, [document, "\n"])
    elif output is ReportFormat.csv:
        write_text(target, [documents.report_csv(report)])
    elif output is ReportFormat.table:
        tables.print_report(out, report, config)


def breach_rows(output: ReportFormat) -> int | None:
    """The breaches a format lists (the first, in the report's order), None for all: a table
    and a page list the first only, so only those are read."""
    if output is ReportFormat.table:
        return tables.BREACH_ROWS
    if output is ReportFormat.html:
        from sla_monitor.render.page import BREACH_LIMIT  # loaded only for a page

        return BREACH_LIMIT
    return None


def check_output(output: ReportFormat, target: str | None) -> None:
    if output is ReportFormat.xlsx and target is None:
        fail(_("--format xlsx writes a workbook: give the file with --output FILE"))
    if output is ReportFormat.table and target is not None:
        fail(_("--output writes a document: choose --format json, csv, html or xlsx"))


def write_document(
    session: Session,
    sla: SlaTimer,
    period: Period,
    report: Report,
    output: ReportFormat,
    target: str | None,
) -> None:
    """The page or the workbook of a report, with what they show beside it: the trend of its
    days, its worst branches (page), the goals open past their deadline at as_of (workbook)."""
    # Loaded only when asked for: Jinja2, pygal and openpyxl take about a third of a second
    # to import, which every table, JSON and CSV report would otherwise pay.
    from sla_monitor.render import page, workbook

    trend = daily_trend(session=session, sla=sla, period=period, as_of=report.as_of)
    if output is ReportFormat.html:
        by_branch = report
        if period.by != "branch":
            # Only its summary is shown (the worst branches): none of its breaches is read.
            by_branch = period_report(
                session=session,
                sla=sla,
                period=replace(period, by="branch"),
                as_of=report.as_of,
                breach_limit=0,
            )
        html = page.report_page(report, sla.config, by_branch=by_branch, trend=trend)
        write_text(target, [html])
        return
    assert target is not None  # check_output refused a workbook without a file
    items = backlog(
        session=session, sla=sla, query=BacklogQuery("breached", period.filters), as_of=report.as_of
    )
    with complete_file(target) as path:
        workbook.report_workbook(path, report, sla.config, backlog=items, trend=trend)


def check_filters(config: SlaConfig, filters: Filters) -> None:
    for name, problem in filters.problems(config):
        fail(f"--{name} {text(problem)}")
