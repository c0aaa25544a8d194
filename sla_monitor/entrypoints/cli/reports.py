"""`sla-monitor report`: the breach report of a day, a week, a month or any dates, in
report_timezone, by channel, branch or region."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

from sla_monitor.bootstrap import wall_clock
from sla_monitor.domain.periods import PeriodError, period_dates
from sla_monitor.domain.policy import SlaConfig
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
from sla_monitor.render import documents, tables
from sla_monitor.services.reports import Filters, Period, default_report_as_of, period_report
from sla_monitor.store.db import session_scope
from sla_monitor.store.queries import stale_claims


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class GroupBy(StrEnum):
    channel = "channel"
    branch = "branch"
    region = "region"


@app.command("report")
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
    first: Annotated[
        str | None, typer.Option("--from", help="First date, YYYY-MM-DD (with --to).")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="Last date, inclusive, YYYY-MM-DD.")
    ] = None,
    month: Annotated[str | None, typer.Option(help="A month, YYYY-MM.")] = None,
    week: Annotated[str | None, typer.Option(help="An ISO week, YYYY-Www (e.g. 2026-W12).")] = None,
    by: Annotated[GroupBy, typer.Option(help="One summary row per group.")] = GroupBy.channel,
    output: Annotated[
        ReportFormat, typer.Option("--format", help="Output format.")
    ] = ReportFormat.table,
    channel: Annotated[
        list[str] | None, typer.Option(help="Only this channel (repeatable).", show_default=False)
    ] = None,
    branch: Annotated[
        list[str] | None,
        typer.Option(help="Only this branch code (repeatable).", show_default=False),
    ] = None,
    region: Annotated[
        list[str] | None, typer.Option(help="Only this region (repeatable).", show_default=False)
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="RFC 3339 instant; default the end of the period or now.")
    ] = None,
) -> None:
    """The breach report of a period in report_timezone (reads only)."""
    context: Context = ctx.obj
    with friendly_errors():
        config = context.config()
        sla = SlaTimer(config)
        now = wall_clock()
        try:
            today = local_date(now, config.report_zone)
            dates = period_dates(day, first, last, month, week, today)
        except PeriodError as exc:
            fail(str(exc))
        filters = Filters(tuple(channel or ()), tuple(branch or ()), tuple(region or ()))
        check_filters(config, filters)
        period = Period(dates[0], dates[1], by.value, filters)
        moment = as_of_option(as_of, default_report_as_of(sla, dates[1], now))
        db = context.database(migrate=False)
        with session_scope(db) as session:
            behind = stale_claims(session=session)
            report = period_report(session=session, sla=sla, period=period, as_of=moment)
    if behind:
        warn(
            f"{behind} claims have events their goals do not reflect yet (an import was "
            "interrupted, or `sla-monitor serve` is recomputing them): they count as they were "
            "before those events. `sla-monitor recompute --stale` brings them up to date"
        )
    if output is ReportFormat.json:
        out.print_json(json.dumps(documents.report_json(report, config), ensure_ascii=False))
    elif output is ReportFormat.csv:
        sys.stdout.write(documents.report_csv(report))
    else:
        tables.print_report(out, report, config)


def check_filters(config: SlaConfig, filters: Filters) -> None:
    for name, problem in filters.problems(config):
        fail(f"--{name} {problem}")
