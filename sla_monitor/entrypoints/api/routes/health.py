"""GET /metrics, /healthz and /readyz: what the platform and Prometheus read."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from sla_monitor.entrypoints.api.deps import ApiDep

router = APIRouter()


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]


class NotReady(BaseModel):
    status: Literal["not ready"]
    reason: str


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "description": "The Prometheus text exposition (docs/metrics.md).",
            "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
        }
    },
)
async def metrics(api: ApiDep) -> Response:
    # In the event loop, not the thread pool: the text is already rendered, and each
    # hand-over between threads waits for the interpreter lock an evaluation holds.
    return Response(api.exposition.render(), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz", summary="Liveness")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: database reachable and evaluation fresh",
    response_model=Ready,
    responses={
        503: {
            "model": NotReady,
            "description": "The database does not answer, or the last evaluation is too old "
            "(or none has completed yet); `reason` says which.",
        }
    },
)
def readyz(api: ApiDep) -> JSONResponse:
    reason = api.monitor.readiness()
    if reason is None:
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "not ready", "reason": reason}, status_code=503)
