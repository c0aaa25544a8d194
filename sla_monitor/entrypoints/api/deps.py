"""What every route depends on, built once by `create_app` and handed out as typed
dependencies: the database, the SLA timer, the clock, the monitor, who may write and read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from sla_monitor.auth import Authenticator, Token
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.entrypoints.scheduler import Monitor
from sla_monitor.observability.metrics import Exposition


@dataclass(frozen=True)
class Api:
    db: Engine
    sla: SlaTimer
    clock: Callable[[], Instant]
    monitor: Monitor
    exposition: Exposition
    authenticator: Authenticator
    protect_reads: bool  # claim detail needs a token with the read scope
    open_writes: bool  # events without a token: a demo only (`serve` refuses it otherwise)
    max_body_bytes: int


def get_api(request: Request) -> Api:
    api: Api = request.app.state.api
    return api


ApiDep = Annotated[Api, Depends(get_api)]
bearer = HTTPBearer(
    auto_error=False, description="A token from SLA_MONITOR_API_TOKENS or the token file."
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _authenticated(
    api: Api, request: Request, credentials: HTTPAuthorizationCredentials | None, scope: str
) -> Token:
    token = api.authenticator.identify(credentials.credentials if credentials else None)
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


def require_writer(api: ApiDep, request: Request, credentials: Credentials) -> Token | None:
    if api.open_writes and credentials is None:
        return None
    return _authenticated(api, request, credentials, "write")


def require_reader(api: ApiDep, request: Request, credentials: Credentials) -> Token | None:
    if not api.protect_reads:
        return None
    return _authenticated(api, request, credentials, "read")


async def limited_body(api: ApiDep, request: Request) -> bytes:
    """The request body, refused with 413 as soon as it passes the limit."""
    limit = api.max_body_bytes
    too_large = HTTPException(413, f"the body is larger than {limit} bytes; send smaller batches")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise too_large
    return bytes(body)


WriterDep = Annotated[Token | None, Depends(require_writer)]
ReaderDep = Annotated[Token | None, Depends(require_reader)]
BodyDep = Annotated[bytes, Depends(limited_body)]
