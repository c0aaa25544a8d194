"""The HTTP API of SPEC §7, built by a factory from a running Monitor and settings."""

import hmac
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .. import __version__
from ..events import load_json, parse_events
from ..metrics import Exposition
from ..monitor import Monitor
from ..render import claim_json
from ..store.db import session_scope
from ..store.ingest import ingest
from ..timeutil import TimestampError, parse_rfc3339
from ..views import ClaimDetail, WaitingClaim, claim_detail
from .schema import BATCH_LIMIT, REQUEST_BODY

DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout)
# Still conflicting with concurrent writers after the store's retries: nothing was stored.
BUSY = (IntegrityError,)


class RejectedEvent(BaseModel):
    index: int
    event_id: str | None
    error: str


class IngestResponse(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[RejectedEvent]


class Problem(BaseModel):
    detail: str


def create_app(
    *,
    monitor: Monitor,
    api_tokens: list[str],
    max_body_bytes: int = 2 * 1024 * 1024,
    run_scheduler: bool = True,
) -> FastAPI:
    exposition = Exposition(lambda: monitor.snapshot, monitor.sla.config)
    http_metrics = exposition.http
    tokens = [t.encode() for t in api_tokens if t]
    sla = monitor.sla
    bearer = HTTPBearer(auto_error=False, description="A token from SLA_MONITOR_API_TOKENS.")

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
    )

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")  # a template, never an id
        http_metrics.observe(
            request.method, route, response.status_code, time.perf_counter() - started
        )
        return response

    def require_writer(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        presented = credentials.credentials.encode() if credentials else b""
        valid = False
        for token in tokens:  # compare with every token, in constant time, whatever matches
            valid |= hmac.compare_digest(presented, token)
        if not valid:
            raise HTTPException(
                401,
                "a valid 'Authorization: Bearer <token>' header is required",
                {"WWW-Authenticate": "Bearer"},
            )

    async def limited_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_body_bytes:
            raise HTTPException(
                413, f"the body is larger than {max_body_bytes} bytes; send smaller batches"
            )
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > max_body_bytes:
                raise HTTPException(
                    413, f"the body is larger than {max_body_bytes} bytes; send smaller batches"
                )
        return bytes(body)

    @app.post(
        "/v1/events",
        response_model=IngestResponse,
        summary="Store one event or a batch of at most 1000",
        responses={
            401: {"model": Problem, "description": "No valid bearer token."},
            413: {"model": Problem, "description": "The body is over the size limit."},
            422: {"model": Problem, "description": "The body is not an event or a batch."},
            503: {"model": Problem, "description": "The database is unavailable; nothing stored."},
        },
        openapi_extra={"requestBody": REQUEST_BODY},
        dependencies=[Depends(require_writer)],
    )
    def post_events(body: Annotated[bytes, Depends(limited_body)]) -> IngestResponse:
        raws = _batch(body)
        now = monitor.clock()
        items = parse_events(
            raws, now=now, channels=sla.config.channels, branches=sla.config.branches
        )
        try:
            result = ingest(db=monitor.db, sla=sla, items=items, received_at=now)
        except DATABASE_DOWN:
            raise HTTPException(
                503, "the database is unavailable; nothing was stored, retry later"
            ) from None
        except BUSY:
            raise HTTPException(
                503, "concurrent writes of the same events conflicted; nothing was stored, retry"
            ) from None
        return IngestResponse(
            accepted=result.accepted,
            duplicates=result.duplicates,
            rejected=[
                RejectedEvent(index=r.index, event_id=r.event_id, error=r.error)
                for r in result.rejected
            ],
        )

    @app.get(
        "/v1/claims/{claim_id}",
        summary="One claim's goals, deadlines and events",
        responses={404: {"model": Problem}, 422: {"model": Problem}, 503: {"model": Problem}},
    )
    def get_claim(claim_id: str, as_of: str | None = None) -> dict[str, Any]:
        try:
            moment = monitor.clock() if as_of is None else parse_rfc3339(as_of)
        except TimestampError as exc:
            raise HTTPException(422, f"as_of: {exc}") from None
        try:
            with session_scope(monitor.db) as session:
                detail = claim_detail(session=session, sla=sla, claim_id=claim_id, as_of=moment)
        except DATABASE_DOWN:
            raise HTTPException(503, "the database is unavailable; retry later") from None
        if isinstance(detail, WaitingClaim):
            raise HTTPException(
                404,
                f"claim {claim_id!r} is not submitted yet; {detail.waiting} event(s) wait for it",
            )
        if not isinstance(detail, ClaimDetail):
            raise HTTPException(404, f"no claim {claim_id!r}")
        return claim_json(detail, sla.config)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    def metrics() -> Response:
        return Response(exposition.render(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="Readiness: database reachable and evaluation fresh")
    def readyz() -> JSONResponse:
        reason = monitor.readiness()
        if reason is None:
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "not ready", "reason": reason}, status_code=503)

    return app


def _batch(body: bytes) -> list[object]:
    """The events of a body: one event object, or {"events": [...]} with at most 1000."""
    try:
        data = load_json(body.decode("utf-8"))  # bytes would let json guess UTF-16 or -32
    except UnicodeDecodeError:
        raise HTTPException(422, "the body is not valid UTF-8") from None
    except (ValueError, RecursionError) as exc:
        raise HTTPException(422, f"the body is not valid JSON: {exc}"[:300]) from None
    if not isinstance(data, dict):
        raise HTTPException(422, 'the body must be an event object or {"events": [...]}')
    if "events" not in data:
        return [data]
    if set(data) != {"events"} or not isinstance(data["events"], list):
        raise HTTPException(422, 'a batch is {"events": [...]} with no other field')
    if len(data["events"]) > BATCH_LIMIT:
        raise HTTPException(
            422, f"a batch holds at most {BATCH_LIMIT} events, got {len(data['events'])}"
        )
    return list(data["events"])
