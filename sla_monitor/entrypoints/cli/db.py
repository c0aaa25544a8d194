"""`sla-monitor db`: the database schema."""

from __future__ import annotations

import typer

from sla_monitor.entrypoints.cli.app import Context, app, friendly_errors, out
from sla_monitor.store.db import current_revision, make_engine, upgrade

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply the database migrations."""
    context: Context = ctx.obj
    with friendly_errors():
        engine = make_engine(context.settings.database_url)
        before, after = upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        out.print(f"{where} is up to date (revision {after})")
    else:
        out.print(f"{where} upgraded from {before or 'empty'} to revision {after}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the database's schema revision."""
    context: Context = ctx.obj
    with friendly_errors():
        revision = current_revision(make_engine(context.settings.database_url))
    out.print(revision or "empty (run `sla-monitor db upgrade`)")
