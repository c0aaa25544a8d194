"""`sla-monitor backlog`: every open goal of a status right now (or at --as-of), most
overdue first (docs/reports.md#the-open-backlog)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

import typer

from sla_monitor.bootstrap import wall_clock
from sla_monitor.domain.backlog import BacklogItem
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.entrypoints.cli.app import Context, app, as_of_option, fail, friendly_errors, out
from sla_monitor.entrypoints.cli.options import AsOf, Branches, Channels, DocumentFile, Regions
from sla_monitor.entrypoints.cli.output import complete_file, write_text
from sla_monitor.entrypoints.cli.reports import check_filters
from sla_monitor.render import backlog as rendered
from sla_monitor.render.i18n import _, deadline_text
from sla_monitor.services.backlog import BacklogQuery, backlog
from sla_monitor.services.reports import Filters
from sla_monitor.store.db import session_scope


class BacklogStatus(StrEnum):
    breached = "breached"
    at_risk = "at_risk"
    paused = "paused"
    open = "open"


class BacklogFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"
    xlsx = "xlsx"


@app.command(
    "backlog", epilog="Example: sla-monitor backlog --status at_risk --branch JKT --format csv"
)
def backlog_command(
    ctx: typer.Context,
    status: Annotated[
        BacklogStatus, typer.Option(help="Which open goals; open: all of them.")
    ] = BacklogStatus.breached,
    channel: Channels = None,
    branch: Branches = None,
    region: Regions = None,
    as_of: AsOf = None,
    output_format: Annotated[
        BacklogFormat, typer.Option("--format", help="Output format.")
    ] = BacklogFormat.table,
    output: DocumentFile = None,
) -> None:
    """Every open goal of a status, most overdue first: how late, in working days and in
    calendar time (reads only)."""
    context: Context = ctx.obj
    if output_format is BacklogFormat.xlsx and output is None:
        fail(_("--format xlsx writes a workbook: give the file with --output FILE"))
    with friendly_errors():
        config = context.config()
        sla = SlaTimer(config)
        filters = Filters(tuple(channel or ()), tuple(branch or ()), tuple(region or ()))
        check_filters(config, filters)
        moment = as_of_option(as_of, wall_clock())
        query = BacklogQuery(status.value, filters)
        head = rendered.backlog_head(status.value, filters.as_json())
        db = context.database(migrate=False)
        with session_scope(db) as session:
            items = backlog(session=session, sla=sla, query=query, as_of=moment)
            if output_format is BacklogFormat.table:
                title = rendered.backlog_title(head, deadline_text(moment, config.report_zone))
                rendered.print_backlog(out, items, title=title)
                return
            if output_format is BacklogFormat.json:
                zone = config.report_zone
                write_text(
                    output, rendered.backlog_json(items, as_of=moment, timezone=zone, head=head)
                )
            elif output_format is BacklogFormat.csv:
                write_text(output, rendered.backlog_csv(items))
            else:
                write_document(output_format, output, items, status.value, filters, moment, config)


def write_document(
    output_format: BacklogFormat,
    output: str | None,
    items: Iterable[BacklogItem],
    status: str,
    filters: Filters,
    moment: Instant,
    config: SlaConfig,
) -> None:
    """The backlog as a page or a workbook."""
    # Loaded only when asked for: Jinja2, pygal and openpyxl take about a third of a second
    # to import, which every table, JSON and CSV backlog would otherwise pay.
    from sla_monitor.render import page, workbook

    if output_format is BacklogFormat.html:
        pieces = page.backlog_page(
            items, status=status, filters=filters.as_json(), as_of=moment, config=config
        )
        write_text(output, pieces)
        return
    assert output is not None  # refused before: a workbook needs a file
    with complete_file(output) as path:
        workbook.backlog_workbook(path, items)
