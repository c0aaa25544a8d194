"""Every request: its request id, one log line (never a query string or a header), and the
http_* metrics by route template."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from sla_monitor.observability.logs import REQUEST_ID, request_id_from
from sla_monitor.observability.metrics import HttpMetrics

log = logging.getLogger("sla_monitor.api")


def install(app: FastAPI, http_metrics: HttpMetrics) -> None:
    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        request_id = request_id_from(request.headers.get("x-request-id"))
        reset = REQUEST_ID.set(request_id)
        request.state.token_name = None
        try:
            try:
                response = await call_next(request)
            except Exception:
                log.exception("request failed: %s %s", request.method, request.url.path)
                raise
            elapsed = time.perf_counter() - started
            route = getattr(request.scope.get("route"), "path", "unmatched")  # never an id
            http_metrics.observe(request.method, route, response.status_code, elapsed)
            response.headers["X-Request-ID"] = request_id
            # The path, never the query string or a header: nothing secret or personal.
            log.info(
                "%s %s %d",
                request.method,
                request.url.path,
                response.status_code,
                extra={
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                    "token": request.state.token_name,
                },
            )
            return response
        finally:
            REQUEST_ID.reset(reset)
