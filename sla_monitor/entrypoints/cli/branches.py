"""`sla-monitor branches`: the branch registry, so that a branch_code can be checked (a
rejection for an unknown code points here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Annotated

import typer

from sla_monitor.entrypoints.cli.app import Context, app, friendly_errors, out
from sla_monitor.entrypoints.cli.output import write_text
from sla_monitor.render import branches as rendered


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


ListFormatOption = Annotated[ListFormat, typer.Option("--format", help="Output format.")]


def show_list(
    output_format: ListFormat,
    table: Callable[[], None],
    as_json: Callable[[], Iterable[str]],
    as_csv: Callable[[], Iterable[str]],
) -> None:
    """A list as a table on the terminal, or as JSON or CSV on standard output."""
    if output_format is ListFormat.table:
        table()
    else:
        write_text(None, (as_json if output_format is ListFormat.json else as_csv)())


@app.command("branches", epilog="Example: sla-monitor branches --format csv")
def branches_command(
    ctx: typer.Context, output_format: ListFormatOption = ListFormat.table
) -> None:
    """The branch registry (branches.toml): the codes an event's branch_code may take, with
    each branch's name, region and time zone (reads no database)."""
    context: Context = ctx.obj
    with friendly_errors():
        config = context.config()
    branches = list(config.branches.values())
    source = str(context.settings.resolved_config_dir() / "branches.toml")
    show_list(
        output_format,
        lambda: rendered.print_branches(out, branches, source),
        lambda: rendered.branches_json(branches),
        lambda: rendered.branches_csv(branches),
    )
