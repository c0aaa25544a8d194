"""`sla-monitor db`: the database schema."""

from __future__ import annotations

import typer

from sla_monitor.entrypoints.cli.app import Context, app, friendly_errors, out
from sla_monitor.entrypoints.cli.help import SlaTyper
from sla_monitor.store.db import current_revision, upgrade

db_app = SlaTyper(
    help="Database schema.", epilog="Example: sla-monitor db upgrade", no_args_is_help=True
)
app.add_typer(db_app, name="db")


@db_app.command(
    "upgrade",
    epilog="Example: sla-monitor --database-url postgresql://sla@localhost:5432/sla db upgrade",
)
def db_upgrade(ctx: typer.Context) -> None:
    """Create the database if need be, and apply its migrations."""
    context: Context = ctx.obj
    with friendly_errors(), context.database_errors():
        engine = context.engine(create=True)
        before, after = upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        out.print(f"{where} is up to date (revision {after})")
    else:
        out.print(f"{where} upgraded from {before or 'empty'} to revision {after}")


@db_app.command("current", epilog="Example: sla-monitor db current")
def db_current(ctx: typer.Context) -> None:
    """Print the database's schema revision (reads only: creates no database)."""
    context: Context = ctx.obj
    with friendly_errors(), context.database_errors():
        revision = current_revision(context.engine(create=False))
    out.print(revision or "empty (run `sla-monitor db upgrade`)")
