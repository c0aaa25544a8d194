"""The HTTP API of SPEC §7, built by a factory from a running Monitor and settings."""

import logging
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

from sla_monitor import __version__
from sla_monitor.auth import Authenticator, Token, digest
from sla_monitor.domain.events import is_plain_text, load_json, parse_events
from sla_monitor.domain.timeutil import TimestampError, parse_as_of
from sla_monitor.entrypoints.api.schema import BATCH_LIMIT, REQUEST_BODY
from sla_monitor.entrypoints.scheduler import Monitor
from sla_monitor.observability.logs import REQUEST_ID, install_request_ids, request_id_from
from sla_monitor.observability.metrics import Exposition
from sla_monitor.render import claim_json
from sla_monitor.services.views import ClaimDetail, WaitingClaim, claim_detail
from sla_monitor.store.batches import ingest
from sla_monitor.store.db import session_scope

log = logging.getLogger("sla_monitor.entrypoints.api")
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
    api_tokens: list[str] | None = None,
    tokens: list[Token] | None = None,
    protect_reads: bool = False,
    open_writes: bool = False,
    max_body_bytes: int = 2 * 1024 * 1024,
    run_scheduler: bool = True,
) -> FastAPI:
    """`api_tokens` are secrets with full access; `tokens` may carry scopes (auth.py).

    `open_writes` accepts events without a token: for a demo only (`serve` refuses it
    otherwise). `protect_reads` makes claim detail need a token with the read scope.
    """
    install_request_ids()
    exposition = Exposition(monitor.snapshot, monitor.sla.config)
    monitor.on_snapshot(exposition.publish)
    http_metrics = exposition.http
    known = [
        *(Token(f"token-{n}", digest(t)) for n, t in enumerate(api_tokens or [], 1) if t),
        *(tokens or []),
    ]
    authenticator = Authenticator(known)
    sla = monitor.sla
    bearer = HTTPBearer(
        auto_error=False, description="A token from SLA_MONITOR_API_TOKENS or the token file."
    )

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

    def authenticated(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None,
        scope: str,
    ) -> Token:
        token = authenticator.identify(credentials.credentials if credentials else None)
        if token is None:
            raise HTTPException(
                401,
                "a valid 'Authorization: Bearer <token>' header is required",
                {"WWW-Authenticate": "Bearer"},
            )
        request.state.token_name = token.name
        if scope not in token.scopes:
            raise HTTPException(403, f"token {token.name!r} does not have the {scope} scope")
        return token

    def require_writer(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Token | None:
        if open_writes and credentials is None:
            return None
        return authenticated(request, credentials, "write")

    def require_reader(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Token | None:
        if not protect_reads:
            return None
        return authenticated(request, credentials, "read")

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
            403: {"model": Problem, "description": "The token has no write scope."},
            413: {"model": Problem, "description": "The body is over the size limit."},
            422: {"model": Problem, "description": "The body is not an event or a batch."},
            503: {"model": Problem, "description": "The database is unavailable; nothing stored."},
        },
        openapi_extra={"requestBody": REQUEST_BODY},
    )
    def post_events(
        writer: Annotated[Token | None, Depends(require_writer)],
        body: Annotated[bytes, Depends(limited_body)],
    ) -> IngestResponse:
        raws = _batch(body)
        now = monitor.clock()
        items = parse_events(
            raws, now=now, channels=sla.config.channels, branches=sla.config.branches
        )
        try:
            # Acknowledged once stored; the leader recomputes the claims' goals (Monitor).
            result = ingest(
                db=monitor.db,
                items=items,
                received_at=now,
                goal_event_types=sla.config.goal_event_types,
                writer=writer,
            )
        except DATABASE_DOWN as exc:
            log.warning(
                "ingest: the database is unavailable (%s); answered 503",
                type(getattr(exc, "orig", None) or exc).__name__,
            )
            raise HTTPException(
                503, "the database is unavailable; nothing was stored, retry later"
            ) from None
        except BUSY:
            log.warning("ingest: concurrent writers still conflicted after retries; answered 503")
            raise HTTPException(
                503, "concurrent writes of the same events conflicted; nothing was stored, retry"
            ) from None
        if result.accepted:
            monitor.wake()
        log.info(
            "ingest: %d accepted, %d duplicates, %d rejected",
            result.accepted,
            result.duplicates,
            len(result.rejected),
        )
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
        responses={
            401: {"model": Problem, "description": "Reads are protected; no valid token."},
            403: {"model": Problem, "description": "The token has no read scope."},
            404: {"model": Problem},
            422: {"model": Problem},
            503: {"model": Problem},
        },
    )
    def get_claim(
        reader: Annotated[Token | None, Depends(require_reader)],
        claim_id: str,
        as_of: str | None = None,
    ) -> dict[str, Any]:
        try:
            moment = monitor.clock() if as_of is None else parse_as_of(as_of)
        except TimestampError as exc:
            raise HTTPException(422, f"as_of: {exc}") from None
        if not is_plain_text(claim_id, max_len=64):
            # No such claim can exist; and a NUL would be refused by PostgreSQL itself.
            raise HTTPException(
                404, "no claim: claim ids are 1 to 64 characters without control characters"
            )
        try:
            with session_scope(monitor.db) as session:
                detail = claim_detail(session=session, sla=sla, claim_id=claim_id, as_of=moment)
        except DATABASE_DOWN:
            raise HTTPException(503, "the database is unavailable; retry later") from None
        unscoped = reader is None or (reader.channels is None and reader.branches is None)
        if isinstance(detail, WaitingClaim) and unscoped:
            raise HTTPException(
                404,
                f"claim {claim_id!r} is not submitted yet; {detail.waiting} event(s) wait for it",
            )
        if not isinstance(detail, ClaimDetail) or (
            reader is not None
            and reader.refusal(
                channel=detail.view.claim.channel, branch_code=detail.view.claim.branch_code
            )
        ):
            # Outside a scoped token's channels or branches a claim is as unknown as a
            # missing one.
            raise HTTPException(404, f"no claim {claim_id!r}")
        return claim_json(detail, sla.config)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        # In the event loop, not the thread pool: the text is already rendered, and each
        # hand-over between threads waits for the interpreter lock an evaluation holds.
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
