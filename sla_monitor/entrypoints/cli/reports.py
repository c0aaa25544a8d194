"""`sla-monitor report`: the daily breach report of a date in report_timezone."""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from sla_monitor.bootstrap import wall_clock
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.timer import SlaTimer
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
from sla_monitor.services.reports import daily_report, default_report_as_of
from sla_monitor.store.db import session_scope
from sla_monitor.store.queries import stale_claims


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command("report")
def report_command(
    ctx: typer.Context,
    day: Annotated[
        str, typer.Option("--date", help="The local date (report_timezone), YYYY-MM-DD.")
    ],
    output: Annotated[
        ReportFormat, typer.Option("--format", help="Output format.")
    ] = ReportFormat.table,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    branch: Annotated[str | None, typer.Option(help="Only this branch code.")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="RFC 3339 instant; default end of the date or now.")
    ] = None,
) -> None:
    """The daily breach report for a date in report_timezone (reads only)."""
    context: Context = ctx.obj
    try:
        report_day = date.fromisoformat(day)
    except ValueError:
        fail(f"--date {day!r} is not a date like 2026-11-24")
    with friendly_errors():
        config = context.config()
        _check_filters(config, channel, branch)
        sla = SlaTimer(config)
        moment = as_of_option(as_of, default_report_as_of(sla, report_day, wall_clock()))
        db = context.database(migrate=False)
        with session_scope(db) as session:
            behind = stale_claims(session=session)
            report = daily_report(
                session=session,
                sla=sla,
                day=report_day,
                as_of=moment,
                channel=channel,
                branch_code=branch,
            )
    if behind:
        warn(
            f"{behind} claims have events their goals do not reflect yet (an import was "
            "interrupted, or `sla-monitor serve` is recomputing them): they count as they were "
            "before those events. `sla-monitor recompute --stale` brings them up to date"
        )
    if output is ReportFormat.json:
        out.print_json(json.dumps(documents.report_json(report, config)))
    elif output is ReportFormat.csv:
        sys.stdout.write(documents.report_csv(report))
    else:
        tables.print_report(out, report, config)


def _check_filters(config: SlaConfig, channel: str | None, branch: str | None) -> None:
    if channel is not None and channel not in config.channels:
        fail(f"--channel {channel!r} is not a configured channel ({', '.join(config.channels)})")
    if branch is not None and branch not in config.branches:
        fail(f"--branch {branch!r} is not in the branch registry")
