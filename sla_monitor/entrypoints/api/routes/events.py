"""POST /v1/events: one event or a batch, stored before it is acknowledged."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sla_monitor.domain.event_wire import as_received, plain_batch
from sla_monitor.domain.events import load_json
from sla_monitor.entrypoints.api.deps import ApiDep, BodyDep, WriterDep
from sla_monitor.entrypoints.api.rejections import log_rejections
from sla_monitor.entrypoints.api.schema import (
    BATCH_LIMIT,
    REQUEST_BODY,
    IngestResponse,
    Problem,
    RejectedEvent,
)
from sla_monitor.services.accept_events import accept_events, accept_values

log = logging.getLogger("sla_monitor.api")
router = APIRouter()
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout)
# Still conflicting with concurrent writers after the store's retries: nothing was stored.
BUSY = (IntegrityError,)


@router.post(
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
def post_events(api: ApiDep, writer: WriterDep, body: BodyDep) -> IngestResponse:
    try:
        text = body.decode("utf-8")  # bytes would let json guess UTF-16 or -32
    except UnicodeDecodeError:
        raise HTTPException(422, "the body is not valid UTF-8") from None
    # The common body is decoded in C; any other is read the slow way, which says what is
    # wrong with it in the parser's own words.
    plain = plain_batch(text, BATCH_LIMIT)
    raws = batch_of(text) if plain is None else []
    try:
        if plain is not None:
            result = accept_values(
                db=api.db, sla=api.sla, values=plain, now=api.clock(), writer=writer
            )
        else:
            result = accept_events(
                db=api.db, sla=api.sla, raws=raws, now=api.clock(), writer=writer
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
        api.monitor.wake()  # acknowledged once stored; the leader recomputes the claims' goals
    log.info(
        "ingest: %d accepted, %d duplicates, %d rejected",
        result.accepted,
        result.duplicates,
        len(result.rejected),
    )
    config = api.sla.config
    known = {*config.channels, *config.branches, *([writer.name] if writer else [])}
    if plain is not None and result.rejected:
        raws = [as_received(v) for v in plain]
    log_rejections(raws, result.rejected, known)
    return IngestResponse(
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=[
            RejectedEvent(index=r.index, event_id=r.event_id, error=r.error)
            for r in result.rejected
        ],
    )


def batch_of(text: str) -> list[object]:
    """The events of a body: one event object, or {"events": [...]} with at most 1000."""
    try:
        data = load_json(text)
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
