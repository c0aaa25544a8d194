"""GET /v1/reports and GET /v1/backlog: `sla-monitor report --format json` and `sla-monitor
backlog --format json|csv` over HTTP, narrowed to what a scoped reader may read
(docs/api.md#get-v1reports)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from itertools import chain
from typing import Annotated

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

from sla_monitor.auth import Token
from sla_monitor.domain.backlog import BACKLOG_STATUSES
from sla_monitor.domain.periods import PeriodError, period_dates
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.timeutil import Instant, local_date
from sla_monitor.entrypoints.api.deps import Api, ApiDep, ReaderDep
from sla_monitor.entrypoints.api.params import as_of_or
from sla_monitor.entrypoints.api.report_schema import (
    READ_ERRORS,
    AsOf,
    BacklogDocument,
    Branches,
    Channels,
    Regions,
    ReportDocument,
    choice,
    text,
)
from sla_monitor.entrypoints.api.routes.events import DATABASE_DOWN
from sla_monitor.render import backlog as rendered
from sla_monitor.render.documents import report_json
from sla_monitor.services.backlog import BacklogQuery, backlog
from sla_monitor.services.reports import (
    Filters,
    Period,
    ScopeError,
    default_report_as_of,
    period_report,
)
from sla_monitor.store.db import session_scope
from sla_monitor.store.queries import stale_claims

router = APIRouter()
log = logging.getLogger("sla_monitor.api")

GROUPS = ("channel", "branch", "region")
FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8"}
# The years sla-monitor can time (parse_as_of); a window outside them has nothing to count.
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2100, 12, 31)
STALE_HEADER = "X-Stale-Claims"
CHUNK = 64 * 1024  # characters of the backlog sent at a time
# The last line of a backlog an error interrupted: no document ends so (docs/api.md).
CUT_SHORT = "\n# cut short by an error on the server: this answer is incomplete; ask again\n"


@router.get(
    "/v1/reports",
    summary="The report of a period, by channel, branch or region",
    description="The JSON of `sla-monitor report --format json`: counts per group and goal "
    "over the local dates of the period (report_timezone), totals per goal, and the breaches. "
    "The period is `from` and `to`, or `date`, or `month`, or `week`; none: yesterday. A "
    "scoped token's report covers only its channels and branches. Header "
    f"`{STALE_HEADER}` (unscoped readers only): claims whose goals do not reflect their "
    "latest events yet.",
    response_model=ReportDocument,
    responses={
        200: {
            "headers": {
                STALE_HEADER: {
                    "description": "Claims whose goals do not reflect their latest events yet; "
                    "they count as they were before those events. Sent to unscoped readers.",
                    "schema": {"type": "integer", "minimum": 0},
                }
            }
        },
        **READ_ERRORS,
    },
)
def get_report(
    api: ApiDep,
    reader: ReaderDep,
    first: Annotated[
        str | None, text("First local date, YYYY-MM-DD (with `to`).", "2026-03-01", "from")
    ] = None,
    last: Annotated[
        str | None, text("Last local date, YYYY-MM-DD, included.", "2026-03-31", "to")
    ] = None,
    day: Annotated[str | None, text("One local date, YYYY-MM-DD.", "2026-03-02", "date")] = None,
    month: Annotated[str | None, text("A month, YYYY-MM.", "2026-03")] = None,
    week: Annotated[str | None, text("An ISO week, YYYY-Www.", "2026-W12")] = None,
    by: Annotated[str, choice(GROUPS, "One summary row per group and goal.", "branch")] = (
        "channel"
    ),
    channel: Channels = None,
    branch: Branches = None,
    region: Regions = None,
    as_of: AsOf = None,
) -> JSONResponse:
    config = api.sla.config
    now = api.clock()
    first_date, last_date = _period(api, first, last, day, month, week, now)
    if by not in GROUPS:
        raise HTTPException(422, f"by {by!r} is not one of {', '.join(GROUPS)}")
    filters = _filters(config, reader, channel, branch, region)
    default = default_report_as_of(api.sla, last_date, now)
    moment = as_of_or(as_of, default)
    period = Period(first_date, last_date, by, filters)
    try:
        with session_scope(api.db) as session:
            report = period_report(session=session, sla=api.sla, period=period, as_of=moment)
            behind = stale_claims(session=session) if _unscoped(reader) else 0
    except DATABASE_DOWN:
        raise HTTPException(503, "the database is unavailable; retry later") from None
    # Sent as report_json makes it: the model describes the document, it does not remake it.
    headers = {STALE_HEADER: str(behind)} if _unscoped(reader) else None
    return JSONResponse(report_json(report, config), headers=headers)


@router.get(
    "/v1/backlog",
    summary="Every open goal of a status, most overdue first",
    description="The JSON of `sla-monitor backlog --format json` (or its CSV), streamed row "
    "by row: a backlog of any size is never held in memory. `count` comes last: a body cut "
    "off by an error after the first byte lacks it, does not parse, and ends with a line "
    "`# cut short by an error on the server` (see docs/api.md).",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The backlog document, or its CSV with `format=csv`.",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/BacklogDocument"}},
                "text/csv": {"schema": {"type": "string"}},
            },
            "model": BacklogDocument,
        },
        **READ_ERRORS,
    },
)
def get_backlog(
    api: ApiDep,
    reader: ReaderDep,
    status: Annotated[
        str, choice(BACKLOG_STATUSES, "Which open goals; open: all of them.", "at_risk")
    ] = "breached",
    channel: Channels = None,
    branch: Branches = None,
    region: Regions = None,
    as_of: AsOf = None,
    output: Annotated[
        str, choice(tuple(FORMATS), "The document, or one CSV line per goal.", "csv", "format")
    ] = "json",
) -> StreamingResponse:
    if status not in BACKLOG_STATUSES:
        raise HTTPException(422, f"status {status!r} is not one of {', '.join(BACKLOG_STATUSES)}")
    if output not in FORMATS:
        raise HTTPException(422, f"format {output!r} is not one of {', '.join(FORMATS)}")
    filters = _filters(api.sla.config, reader, channel, branch, region)
    moment = as_of_or(as_of, api.clock())
    head = rendered.backlog_head(status, filters.as_json())
    stack = ExitStack()
    try:
        session = stack.enter_context(session_scope(api.db))
        items = backlog(
            session=session, sla=api.sla, query=BacklogQuery(status, filters), as_of=moment
        )
        # The query runs now, so that a database that is down is a 503, not a cut body.
        first = next(items, None)
        rows = items if first is None else chain([first], items)
    except BaseException as exc:
        # The session sees the error and rolls back, rather than committing on a broken
        # connection.
        stack.__exit__(type(exc), exc, exc.__traceback__)
        if isinstance(exc, DATABASE_DOWN):
            raise HTTPException(503, "the database is unavailable; retry later") from None
        raise
    if output == "csv":
        pieces = rendered.backlog_csv(rows)
    else:
        pieces = rendered.backlog_json(
            rows, as_of=moment, timezone=api.sla.config.report_zone, head=head
        )
    # The session closes when the body ends or fails, or after the response if the body
    # was never read (the client left first).
    return StreamingResponse(
        _chunks(pieces, stack), media_type=FORMATS[output], background=BackgroundTask(stack.close)
    )


def _chunks(pieces: Iterator[str], stack: ExitStack) -> Iterator[str]:
    """The pieces joined into chunks of about CHUNK characters.

    The status is sent with the first chunk, so a later error cannot become a 500: the body
    ends with the rows sent so far and the CUT_SHORT line, never with the document's end (the
    JSON lacks its `count` and does not parse), and the error is logged and raised to the
    server.
    """
    with stack:
        buffered: list[str] = []
        size = 0
        try:
            for piece in pieces:
                buffered.append(piece)
                size += len(piece)
                if size >= CHUNK:
                    yield "".join(buffered)
                    buffered, size = [], 0
        except Exception:
            log.exception("backlog: an error after the first byte; the body was cut short")
            yield "".join(buffered) + CUT_SHORT
            raise
        yield "".join(buffered)


def _period(
    api: Api,
    first: str | None,
    last: str | None,
    day: str | None,
    month: str | None,
    week: str | None,
    now: Instant,
) -> tuple[date, date]:
    today = local_date(now, api.sla.config.report_zone)
    try:
        start, end = period_dates(day, first, last, month, week, today, prefix="")
    except PeriodError as exc:
        raise HTTPException(422, str(exc)) from None
    if start < FIRST_DATE or end > LAST_DATE:
        raise HTTPException(
            422, f"the period {start} to {end} is outside 2000-2100, the years sla-monitor can time"
        )
    return start, end


def _filters(
    config: SlaConfig,
    reader: Token | None,
    channels: list[str] | None,
    branches: list[str] | None,
    regions: list[str] | None,
) -> Filters:
    """The filters asked, checked, and narrowed to a scoped reader's channels and branches."""
    asked = Filters(tuple(channels or ()), tuple(branches or ()), tuple(regions or ()))
    problems = asked.problems(config)
    if problems:
        raise HTTPException(422, "; ".join(f"{name} {problem}" for name, problem in problems))
    if reader is None:
        return asked
    try:
        narrowed = asked.within(reader.channels, reader.branches)
    except ScopeError as exc:
        raise HTTPException(403, f"token {reader.name!r}: {exc}") from None
    if narrowed.branch_codes(config) == []:
        regions_asked = ", ".join(asked.regions)
        raise HTTPException(
            403, f"token {reader.name!r}: none of its branches is in region {regions_asked}"
        )
    return narrowed


def _unscoped(reader: Token | None) -> bool:
    return reader is None or (reader.channels is None and reader.branches is None)
