"""`sla-monitor serve`: the HTTP API, the periodic evaluation and /metrics."""

from __future__ import annotations

import logging
import signal
from typing import Annotated

import typer

from sla_monitor import bootstrap
from sla_monitor.auth import Token
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.entrypoints.cli.app import Context, app, fail, friendly_errors
from sla_monitor.observability import logs
from sla_monitor.settings import SETTINGS, Settings

log = logging.getLogger("sla_monitor")


@app.command(
    "serve",
    epilog="Example: SLA_MONITOR_API_TOKENS_FILE=tokens.toml sla-monitor serve --host 0.0.0.0",
)
def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    migrate: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply database migrations at start.")
    ] = True,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="Also feed a stream of synthetic claims (and a demo month if empty)."
        ),
    ] = False,
    insecure_open_writes: Annotated[
        bool,
        typer.Option(
            "--insecure-open-writes",
            help="Accept events without a token. Only allowed with --demo.",
        ),
    ] = False,
    log_format: Annotated[
        str | None,
        typer.Option(
            envvar="SLA_MONITOR_LOG_FORMAT",
            show_envvar=True,
            help="text or json (one JSON object a line), on standard error. Default: text.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the HTTP API, the periodic evaluation and /metrics."""
    import uvicorn

    from sla_monitor.entrypoints.api.app import create_app
    from sla_monitor.entrypoints.scheduler import Monitor
    from sla_monitor.services.demo_feed import DemoFeeder

    context: Context = ctx.obj
    settings = context.settings
    chosen_format = log_format or settings.log_format
    if chosen_format not in ("text", "json"):
        fail(SETTINGS["log_format"].refusal(chosen_format, "--log-format"))
    logs.configure(chosen_format)
    if insecure_open_writes and not demo:
        fail(
            "--insecure-open-writes lets anyone write claim events; it is only allowed with "
            "--demo. Give writers tokens (SLA_MONITOR_API_TOKENS or SLA_MONITOR_API_TOKENS_FILE)"
        )
    with friendly_errors():
        sla = SlaTimer(context.config())
        tokens = bootstrap.tokens(settings, sla.config)
        db = context.database(migrate=migrate)
    _log_access(settings, tokens, open_writes=insecure_open_writes)
    clock = bootstrap.wall_clock
    monitor = Monitor(db=db, sla=sla, interval=settings.evaluation_interval, clock=clock)
    application = create_app(
        db=db,
        sla=sla,
        clock=clock,
        monitor=monitor,
        tokens=tokens,
        protect_reads=settings.protect_reads,
        open_writes=insecure_open_writes,
        max_body_bytes=settings.max_body_bytes,
    )
    feeder = DemoFeeder(db=db, sla=sla, clock=clock) if demo else None
    if feeder:
        feeder.start()
    # uvicorn drains requests on SIGTERM, then raises the signal again with the previous
    # handler in place: make that handler a clean exit, so a graceful stop exits 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        uvicorn.run(
            application,
            host=host,
            port=port,
            log_config=None,  # logs.configure has set up every logger
            access_log=False,  # the API logs each request itself, without query strings
            timeout_graceful_shutdown=30,
        )
    finally:
        if feeder:
            feeder.stop()


def _log_access(settings: Settings, tokens: list[Token], *, open_writes: bool) -> None:
    """Who may write and read, by token name (never a secret)."""
    writers = [t.name for t in tokens if "write" in t.scopes]
    if open_writes:
        log.warning("--insecure-open-writes: POST /v1/events accepts events without a token")
    elif not writers:
        log.warning("no token with the write scope: POST /v1/events will refuse every request")
    else:
        log.info("writers: %s", ", ".join(writers))
    if settings.protect_reads:
        log.info("claim reads need a token with the read scope")


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)
