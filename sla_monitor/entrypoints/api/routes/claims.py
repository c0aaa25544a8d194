"""GET /v1/claims/{claim_id}: the claim view, as `sla-monitor claim --json`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse

from sla_monitor.auth import Token
from sla_monitor.domain.events import is_plain_text
from sla_monitor.entrypoints.api.claim_schema import ClaimDocument
from sla_monitor.entrypoints.api.deps import ApiDep, ReaderDep
from sla_monitor.entrypoints.api.params import as_of_or, as_of_query
from sla_monitor.entrypoints.api.routes.events import DATABASE_DOWN
from sla_monitor.entrypoints.api.schema import Problem
from sla_monitor.render.documents import claim_json
from sla_monitor.services.claim_view import ClaimDetail, WaitingClaim, claim_detail
from sla_monitor.store.db import session_scope

router = APIRouter()


@router.get(
    "/v1/claims/{claim_id}",
    summary="One claim's goals, deadlines and events",
    response_model=ClaimDocument,
    responses={
        401: {"model": Problem, "description": "Reads are protected; no valid token."},
        403: {"model": Problem, "description": "The token has no read scope."},
        404: {
            "model": Problem,
            "description": "No such claim, not submitted yet, or outside a scoped reader's.",
        },
        422: {"model": Problem, "description": "`as_of` is not an RFC 3339 instant."},
        503: {"model": Problem, "description": "The database is unavailable; retry later."},
    },
)
def get_claim(
    api: ApiDep,
    reader: ReaderDep,
    claim_id: str,
    as_of: Annotated[str | None, as_of_query("at which to show the claim; default: now.")] = None,
) -> JSONResponse:
    moment = as_of_or(as_of, api.clock())
    if not is_plain_text(claim_id, max_len=64):
        # No such claim can exist; and a NUL would be refused by PostgreSQL itself.
        raise HTTPException(
            404, "no claim: claim ids are 1 to 64 characters without control characters"
        )
    try:
        with session_scope(api.db) as session:
            detail = claim_detail(session=session, sla=api.sla, claim_id=claim_id, as_of=moment)
    except DATABASE_DOWN:
        raise HTTPException(503, "the database is unavailable; retry later") from None
    # Sent as claim_json makes it: the model describes the document, it does not remake it.
    return JSONResponse(claim_json(_visible(detail, reader, claim_id), api.sla.config))


def _visible(
    detail: ClaimDetail | WaitingClaim | None, reader: Token | None, claim_id: str
) -> ClaimDetail:
    """The claim, if it exists and the reader may see it; else 404."""
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
    return detail
