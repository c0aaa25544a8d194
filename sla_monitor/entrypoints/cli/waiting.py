"""`sla-monitor waiting`: every claim whose events wait for its submitted event, with how many
and the oldest, so that a branch can chase the missing submissions."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import typer

from sla_monitor.entrypoints.cli.app import Context, app, friendly_errors, out
from sla_monitor.entrypoints.cli.branches import ListFormat, ListFormatOption, show_list
from sla_monitor.render import waiting as rendered
from sla_monitor.store.db import session_scope
from sla_monitor.store.waiting import waiting_claims


@app.command("waiting", epilog="Example: sla-monitor waiting --format csv")
def waiting_command(ctx: typer.Context, output_format: ListFormatOption = ListFormat.table) -> None:
    """Every claim whose events wait for its submitted event: how many events, and the oldest
    (reads only)."""
    context: Context = ctx.obj
    with friendly_errors():
        config = context.config()
        db = context.database(migrate=False)
        with session_scope(db) as session:
            claims = waiting_claims(session=session)

    def zone_of(code: str | None) -> ZoneInfo:  # times in the branch's zone, when it is known
        branch = config.branches.get(code or "")
        return branch.zone if branch else config.report_zone

    show_list(
        output_format,
        lambda: rendered.print_waiting(out, claims, zone_of),
        lambda: rendered.waiting_json(claims, zone_of),
        lambda: rendered.waiting_csv(claims, zone_of),
    )
