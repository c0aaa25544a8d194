"""`sla-monitor report`: the breach report of a day, a week, a month or any dates, in
report_timezone, by channel, branch or region."""

from __future__ import annotations

import json
import re
import sys
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated

import typer

from sla_monitor.bootstrap import wall_clock
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
        dates = _period_dates(day, first, last, month, week, local_date(now, config.report_zone))
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


def _period_dates(
    day: str | None,
    first: str | None,
    last: str | None,
    month: str | None,
    week: str | None,
    today: date,
) -> tuple[date, date]:
    """The first and last local date the options name; yesterday when they name none."""
    chosen = [name for name, value in (("--date", day), ("--from", first), ("--to", last),
              ("--month", month), ("--week", week)) if value is not None]  # fmt: skip
    if len(chosen) > 1 and set(chosen) != {"--from", "--to"}:
        fail(f"choose one period: {' and '.join(chosen)} were both given")
    if first is not None or last is not None:
        if first is None or last is None:
            fail("--from and --to go together: give both dates (the last is included)")
        start, end = _date("--from", first), _date("--to", last)
        if end < start:
            fail(f"--to {last} is before --from {first}")
        return start, end
    if month is not None:
        if not re.fullmatch(r"\d{4}-\d{2}", month):
            fail(f"--month {month!r} is not a month like 2026-03")
        start = _date("--month", f"{month}-01")
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return start, following - timedelta(days=1)
    if week is not None:
        found = re.fullmatch(r"(\d{4})-W(\d{2})", week)
        try:
            assert found is not None
            start = date.fromisocalendar(int(found[1]), int(found[2]), 1)
        except (AssertionError, ValueError):
            fail(f"--week {week!r} is not an ISO week like 2026-W12")
        return start, start + timedelta(days=6)
    one = _date("--date", day) if day is not None else today - timedelta(days=1)
    return one, one


def _date(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date like 2026-11-24")


def check_filters(config: SlaConfig, filters: Filters) -> None:
    for name, problem in filters.problems(config):
        fail(f"--{name} {problem}")
