"""GET /metrics, /healthz and /readyz: what the platform and Prometheus read."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from sla_monitor.entrypoints.api.deps import ApiDep

router = APIRouter()


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(api: ApiDep) -> Response:
    # In the event loop, not the thread pool: the text is already rendered, and each
    # hand-over between threads waits for the interpreter lock an evaluation holds.
    return Response(api.exposition.render(), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database reachable and evaluation fresh")
def readyz(api: ApiDep) -> JSONResponse:
    reason = api.monitor.readiness()
    if reason is None:
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "not ready", "reason": reason}, status_code=503)
