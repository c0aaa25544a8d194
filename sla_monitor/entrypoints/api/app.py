"""The HTTP API (docs/api.md), built by a factory from what `bootstrap` built."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from sla_monitor import __version__
from sla_monitor.auth import Authenticator, Token, digest
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.entrypoints.api import middleware
from sla_monitor.entrypoints.api.deps import Api
from sla_monitor.entrypoints.api.routes import claims, docs, events, health, reports
from sla_monitor.entrypoints.scheduler import Monitor
from sla_monitor.observability.logs import install_request_ids
from sla_monitor.observability.metrics import Exposition

# Every route of the API, in the order they are matched; the pages of /docs and /redoc aside.
ROUTERS = (events.router, claims.router, reports.router, health.router)


def create_app(
    *,
    db: Engine,
    sla: SlaTimer,
    clock: Callable[[], Instant],
    monitor: Monitor,
    api_tokens: list[str] | None = None,
    tokens: list[Token] | None = None,
    protect_reads: bool = False,
    open_writes: bool = False,
    max_body_bytes: int = 2 * 1024 * 1024,
    run_scheduler: bool = True,
) -> FastAPI:
    """`api_tokens` are secrets with full access; `tokens` may carry scopes (auth.py).

    `open_writes` accepts events without a token: for a demo only (`serve` refuses it
    otherwise). `protect_reads` makes claim detail, reports and the backlog need a token with
    the read scope. With `run_scheduler`, the app starts and stops `monitor` (the
    evaluations) with itself.
    """
    install_request_ids()
    exposition = Exposition(monitor.snapshot, sla.config)
    monitor.on_snapshot(exposition.publish)
    known = [
        *(Token(f"token-{n}", digest(t)) for n, t in enumerate(api_tokens or [], 1) if t),
        *(tokens or []),
    ]

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if run_scheduler:
            monitor.start()
        try:
            yield
        finally:
            if run_scheduler:
                monitor.stop()

    app = FastAPI(
        title="sla-monitor",
        version=__version__,
        description="JHT claim events in; SLA status, metrics and health out.",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's pages load from a CDN; routes/docs.py serves its own
        redoc_url=None,
    )
    app.state.api = Api(
        db=db,
        sla=sla,
        clock=clock,
        monitor=monitor,
        exposition=exposition,
        authenticator=Authenticator(known),
        protect_reads=protect_reads,
        open_writes=open_writes,
        max_body_bytes=max_body_bytes,
    )
    middleware.install(app, exposition.http)
    for router in (*ROUTERS, docs.router):
        app.include_router(router)
    return app
