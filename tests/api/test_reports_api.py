"""GET /v1/reports and GET /v1/backlog (docs/api.md): the command line's documents over HTTP,
every refusal, read protection and a scoped token's narrowing, and a streamed backlog; on
both databases."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from sla_monitor.auth import Token, digest
from sla_monitor.domain.backlog import BacklogItem
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant, parse_rfc3339
from sla_monitor.entrypoints.api.app import create_app
from sla_monitor.entrypoints.api.report_schema import BacklogDocument, ReportDocument
from sla_monitor.entrypoints.api.routes import reports as route
from sla_monitor.entrypoints.scheduler import Monitor
from sla_monitor.render.backlog import backlog_row
from sla_monitor.render.documents import report_json
from sla_monitor.services.backlog import BacklogQuery
from sla_monitor.services.demo import demo_events
from sla_monitor.services.reports import Filters, Period, period_report
from sla_monitor.store.db import make_engine, session_scope

from ..integration.helpers import put, store, submitted
from ..integration.test_backlog import listed, replayed

NOW = parse_rfc3339("2026-04-10T00:00:00Z")  # 07:00 on 10 April in Jakarta: yesterday is 9 April
MOMENT = "2026-03-12T09:30:00+07:00"  # inside the demo month: goals breached, at risk, paused
ADMIN, AUDITOR, WRITER, BRANCHES = (
    "admin-secret-0123456789",
    "auditor-secret-0123456789",
    "writer-only-secret-0123456789",
    "java-branches-secret-0123456789",
)
TOKENS = [
    Token("auditor", digest(AUDITOR), scopes=frozenset({"read"})),
    Token("writer", digest(WRITER), scopes=frozenset({"write"})),
    Token("java", digest(BRANCHES), branches=frozenset({"JKT", "BDG", "SBY"})),
    Token("online-jkt", digest("online-jkt-secret-0123456789"), channels=frozenset({"online"})),
]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def make_app(db: Engine, sla: SlaTimer, **options: Any) -> FastAPI:
    monitor = Monitor(db=db, sla=sla, interval=30, clock=lambda: NOW, holder="test")
    return create_app(
        db=db,
        sla=sla,
        clock=lambda: NOW,
        monitor=monitor,
        api_tokens=[ADMIN],
        tokens=TOKENS,
        run_scheduler=False,
        **options,
    )


@pytest.fixture
def demo_db(db: Engine, sla: SlaTimer) -> Engine:
    events = demo_events(config=sla.config, month=date(2026, 3, 1), per_day=6, seed=5, now=NOW)
    store(db, sla, *events, now=NOW)
    return db


@pytest.fixture
def client(demo_db: Engine, sla: SlaTimer) -> Iterator[TestClient]:
    with TestClient(make_app(demo_db, sla)) as test_client:
        yield test_client


def expected_report(
    db: Engine, sla: SlaTimer, first: str, last: str, as_of: Instant, **options: Any
) -> dict[str, Any]:
    """What `report --format json` prints for the same period: report_json of period_report."""
    by = options.pop("by", "channel")
    filters = Filters(**{key: tuple(values) for key, values in options.items()})
    period = Period(date.fromisoformat(first), date.fromisoformat(last), by, filters)
    with session_scope(db) as session:
        report = period_report(session=session, sla=sla, period=period, as_of=as_of)
    return report_json(report, sla.config)


# --- the report ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "first", "last", "options"),
    [
        ({"month": "2026-03", "by": "branch"}, "2026-03-01", "2026-03-31", {"by": "branch"}),
        ({"week": "2026-W12", "by": "region"}, "2026-03-16", "2026-03-22", {"by": "region"}),
        ({"from": "2026-03-02", "to": "2026-03-06"}, "2026-03-02", "2026-03-06", {}),
        ({"date": "2026-03-13"}, "2026-03-13", "2026-03-13", {}),
        ({}, "2026-04-09", "2026-04-09", {}),  # yesterday by the service's clock, in Jakarta
        (
            {"month": "2026-03", "by": "branch", "channel": "online", "branch": ["JKT", "BGR"]},
            "2026-03-01",
            "2026-03-31",
            {"by": "branch", "channels": ["online"], "branches": ["JKT", "BGR"]},
        ),
        (
            {"month": "2026-03", "by": "region", "region": ["Kalimantan", "Jawa Barat"]},
            "2026-03-01",
            "2026-03-31",
            {"by": "region", "regions": ["Kalimantan", "Jawa Barat"]},
        ),
    ],
)
def test_the_report_is_the_command_lines_json(
    client: TestClient,
    demo_db: Engine,
    sla: SlaTimer,
    params: dict[str, Any],
    first: str,
    last: str,
    options: dict[str, Any],
) -> None:
    response = client.get("/v1/reports", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    # as_of defaults to the end of the period (the service's clock is later than all of them).
    end = date.fromisoformat(last).toordinal() + 1
    as_of = parse_rfc3339(f"{date.fromordinal(end).isoformat()}T00:00:00+07:00")
    assert body == expected_report(demo_db, sla, first, last, as_of, **options)
    assert (body["from"], body["to"]) == (first, last)
    assert body["date"] == (first if first == last else None)
    # The OpenAPI model describes the document exactly: nothing more, nothing less.
    described = ReportDocument.model_validate(body)
    assert described.model_dump(mode="json", by_alias=True) == body
    assert response.headers[route.STALE_HEADER] == "0"


def test_the_report_as_of_and_its_content(
    client: TestClient, demo_db: Engine, sla: SlaTimer
) -> None:
    moment = "2026-03-20T12:00:00+07:00"
    response = client.get("/v1/reports", params={"month": "2026-03", "as_of": moment})
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == moment
    assert body == expected_report(demo_db, sla, "2026-03-01", "2026-03-31", parse_rfc3339(moment))
    assert body["totals"][0]["closed"] > 0 and body["breaches"]  # the case has content
    by_branch = client.get("/v1/reports", params={"month": "2026-03", "by": "branch"}).json()
    assert {row["branch_code"] for row in by_branch["summary"]} == set(sla.config.branches)


def test_claims_not_brought_up_to_date_are_counted_in_a_header(db: Engine, sla: SlaTimer) -> None:
    put(db, sla, [submitted("S1", "STALE-1", "2026-04-08T09:00:00+07:00")], now=NOW)
    client = TestClient(make_app(db, sla, protect_reads=True))
    assert client.get("/v1/reports", headers=bearer(AUDITOR)).headers[route.STALE_HEADER] == "1"
    scoped = client.get("/v1/reports", headers=bearer(BRANCHES))
    assert scoped.status_code == 200 and route.STALE_HEADER not in scoped.headers


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"month": "2026-03", "date": "2026-03-02"}, "choose one period: date and month were"),
        ({"from": "2026-03-02"}, "from and to go together"),
        ({"to": "2026-03-02"}, "from and to go together"),
        ({"from": "2026-03-09", "to": "2026-03-02"}, "to 2026-03-02 is before from 2026-03-09"),
        ({"date": "yesterday"}, "date 'yesterday' is not a date like 2026-11-24"),
        ({"from": "2026-02-30", "to": "2026-03-02"}, "from '2026-02-30' is not a date"),
        ({"month": "March"}, "month 'March' is not a month like 2026-03"),
        ({"month": "2026-13"}, "month '2026-13-01' is not a date"),
        ({"week": "2026-W54"}, "week '2026-W54' is not an ISO week like 2026-W12"),
        ({"month": "1999-12"}, "outside 2000-2100"),
        ({"from": "2026-01-01", "to": "2101-01-01"}, "outside 2000-2100"),
        ({"by": "province"}, "by 'province' is not one of channel, branch, region"),
        ({"channel": "fax"}, "channel 'fax' is not a configured channel"),
        ({"branch": ["JKT", "XXX"]}, "branch 'XXX' is not in the branch registry"),
        ({"region": "Atlantis"}, "region 'Atlantis' is not a region of branches.toml"),
        (
            {"branch": ["JKT", "BDG"], "region": "Kalimantan"},
            "region Kalimantan: none of the branches asked for (JKT, BDG) is in it",
        ),
        ({"as_of": "2026-03-02"}, "as_of: '2026-03-02' is not an RFC 3339 timestamp"),
        ({"as_of": "1990-01-01T00:00:00Z"}, "as_of: '1990-01-01T00:00:00Z' is outside"),
    ],
)
def test_every_bad_report_request_is_a_422_naming_the_parameter(
    db: Engine, sla: SlaTimer, params: dict[str, Any], detail: str
) -> None:
    response = TestClient(make_app(db, sla)).get("/v1/reports", params=params)
    assert response.status_code == 422
    assert detail in response.json()["detail"], response.json()
    assert set(response.json()) == {"detail"}


# --- who may read what ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/reports", "/v1/backlog"])
def test_protected_reads_need_a_token_with_the_read_scope(
    db: Engine, sla: SlaTimer, path: str
) -> None:
    client = TestClient(make_app(db, sla, protect_reads=True))
    for headers in ({}, bearer("unknown-secret-0123456789")):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == "Bearer"
    no_scope = client.get(path, headers=bearer(WRITER))
    assert no_scope.status_code == 403
    assert no_scope.json() == {"detail": "token 'writer' does not have the read scope"}
    for secret in (AUDITOR, ADMIN, BRANCHES):
        assert client.get(path, headers=bearer(secret)).status_code == 200
    assert TestClient(make_app(db, sla)).get(path).status_code == 200  # unprotected


def test_a_scoped_reader_sees_only_its_branches(demo_db: Engine, sla: SlaTimer) -> None:
    client = TestClient(make_app(demo_db, sla, protect_reads=True))
    mine = {"JKT", "BDG", "SBY"}
    as_of = parse_rfc3339("2026-04-01T00:00:00+07:00")

    def report(**params: Any) -> Any:
        return client.get("/v1/reports", params=params, headers=bearer(BRANCHES))

    by_branch = report(month="2026-03", by="branch")
    assert by_branch.status_code == 200
    body = by_branch.json()
    assert {row["branch_code"] for row in body["summary"]} == mine
    assert {b["branch_code"] for b in body["breaches"]} <= mine
    assert body["filters"] == {"channel": [], "branch": sorted(mine), "region": []}
    # Its totals are the whole report's narrowed to its branches; no count of anyone else's.
    assert body == expected_report(
        demo_db, sla, "2026-03-01", "2026-03-31", as_of, by="branch", branches=sorted(mine)
    )
    assert route.STALE_HEADER not in by_branch.headers  # a count of every branch's claims
    by_region = report(month="2026-03", by="region").json()
    assert {row["region"] for row in by_region["summary"]} == {
        "DKI Jakarta",
        "Jawa Barat",
        "Jawa Timur",
    }
    # A region narrows to the token's branches in it; a branch of its own is fine.
    in_java = report(month="2026-03", by="branch", region="Jawa Barat").json()
    assert {row["branch_code"] for row in in_java["summary"]} == {"BDG"}
    assert in_java["filters"]["branch"] == sorted(mine)
    assert report(month="2026-03", branch="JKT").json()["filters"]["branch"] == ["JKT"]
    for params, detail in (
        ({"branch": "DPS"}, "token 'java': branch DPS: outside this token's branches"),
        ({"branch": ["JKT", "BGR"]}, "branch BGR: outside this token's branches"),
        ({"region": "Kalimantan"}, "none of its branches is in region Kalimantan"),
    ):
        refused = report(month="2026-03", **params)
        assert refused.status_code == 403 and detail in refused.json()["detail"], refused.text
        hidden = client.get("/v1/backlog", params=params, headers=bearer(BRANCHES))
        assert hidden.status_code == 403 and detail in hidden.json()["detail"]
    rows = client.get(
        "/v1/backlog", params={"status": "open", "as_of": MOMENT}, headers=bearer(BRANCHES)
    ).json()["rows"]
    assert rows and {row["branch_code"] for row in rows} <= mine


def test_a_channel_scoped_reader_sees_only_its_channels(demo_db: Engine, sla: SlaTimer) -> None:
    client = TestClient(make_app(demo_db, sla, protect_reads=True))
    headers = bearer("online-jkt-secret-0123456789")
    body = client.get("/v1/reports", params={"month": "2026-03"}, headers=headers).json()
    assert [row["channel"] for row in body["summary"]] == ["online"]
    assert {b["channel"] for b in body["breaches"]} == {"online"}
    refused = client.get("/v1/reports", params={"channel": "offline"}, headers=headers)
    assert refused.status_code == 403
    assert "channel offline: outside this token's channels" in refused.json()["detail"]
    backlog_rows = client.get(
        "/v1/backlog", params={"status": "open", "as_of": MOMENT}, headers=headers
    ).json()["rows"]
    assert backlog_rows and {row["channel"] for row in backlog_rows} == {"online"}


# --- the backlog ---------------------------------------------------------------------------


def test_the_backlog_lists_exactly_the_open_goals_of_the_status(
    client: TestClient, demo_db: Engine, sla: SlaTimer
) -> None:
    as_of = parse_rfc3339(MOMENT)
    open_goals = replayed(demo_db, sla, as_of)
    for status in ("breached", "at_risk", "paused", "open"):
        response = client.get("/v1/backlog", params={"status": status, "as_of": MOMENT})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        expected = {k for k, s in open_goals.items() if status == "open" or s.value == status}
        assert {(row["claim_id"], row["goal"]) for row in body["rows"]} == expected, status
        assert body["count"] == len(body["rows"]) == len(expected) > 0
        items = listed(demo_db, sla, as_of, BacklogQuery(status))
        assert body["rows"] == [backlog_row(item) for item in items]  # most overdue first
        assert (body["status"], body["as_of"]) == (status, MOMENT)
        described = BacklogDocument.model_validate(body)
        assert described.model_dump(mode="json") == body
    default = client.get("/v1/backlog").json()  # breached, now
    assert default["status"] == "breached" and default["as_of"] == "2026-04-10T07:00:00+07:00"
    assert default["count"] > 0


def test_backlog_filters_and_csv(client: TestClient, demo_db: Engine, sla: SlaTimer) -> None:
    params = {"status": "open", "as_of": MOMENT, "region": "DKI Jakarta", "channel": "online"}
    body = client.get("/v1/backlog", params=params).json()
    assert body["filters"] == {"channel": ["online"], "branch": [], "region": ["DKI Jakarta"]}
    filters = Filters(channels=("online",), regions=("DKI Jakarta",))
    items = listed(demo_db, sla, parse_rfc3339(MOMENT), BacklogQuery("open", filters))
    assert body["rows"] == [backlog_row(item) for item in items] and items
    csv = client.get("/v1/backlog", params={**params, "format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0].startswith("claim_id,channel,branch_code,goal,status,")
    assert [line.split(",")[0] for line in lines[1:]] == [row["claim_id"] for row in body["rows"]]


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"status": "late"}, "status 'late' is not one of breached, at_risk, paused, open"),
        ({"format": "xlsx"}, "format 'xlsx' is not one of json, csv"),
        ({"branch": "XXX"}, "branch 'XXX' is not in the branch registry"),
        (
            {"branch": "DPS", "region": "Jawa Barat"},
            "region Jawa Barat: none of the branches asked for (DPS)",
        ),
        ({"as_of": "now"}, "as_of: 'now' is not an RFC 3339 timestamp"),
    ],
)
def test_every_bad_backlog_request_is_a_422(
    db: Engine, sla: SlaTimer, params: dict[str, Any], detail: str
) -> None:
    response = TestClient(make_app(db, sla)).get("/v1/backlog", params=params)
    assert response.status_code == 422 and detail in response.json()["detail"]


def call(app: FastAPI, path: str, params: dict[str, Any], sent: list[dict[str, Any]]) -> None:
    """One GET, as a server runs it: `sent` gets the ASGI messages of the answer."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": urlencode(params, doseq=True).encode(),
        "headers": [(b"host", b"test")],
        "server": ("test", 80),
        "client": ("test", 1),
    }

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(3600)  # the request has no body, and the client stays
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        await app(scope, receive, send)

    asyncio.run(run())


def test_the_backlog_is_streamed_in_chunks_and_the_session_closed(
    demo_db: Engine, sla: SlaTimer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(route, "CHUNK", 500)  # a few rows a chunk
    sent: list[dict[str, Any]] = []
    call(make_app(demo_db, sla), "/v1/backlog", {"status": "open", "as_of": MOMENT}, sent)
    start, *bodies = sent
    headers = dict(start["headers"])
    assert start["status"] == 200 and b"content-length" not in headers  # sent chunked
    chunks = [m["body"] for m in bodies if m["body"]]
    assert len(chunks) > 3 and all(len(c) < 2000 for c in chunks)
    assert not bodies[-1].get("more_body", False)
    document = json.loads(b"".join(chunks))
    assert document["count"] == len(document["rows"]) > 3
    assert demo_db.pool.checkedout() == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("output", ["json", "csv"])
def test_an_error_in_the_stream_cuts_the_body_and_says_so(
    demo_db: Engine, sla: SlaTimer, monkeypatch: pytest.MonkeyPatch, output: str
) -> None:
    real = route.backlog

    def failing(**kwargs: Any) -> Iterator[BacklogItem]:
        items = real(**kwargs)
        yield next(items)
        yield next(items)
        raise OperationalError("SELECT", {}, Exception("connection lost"))

    monkeypatch.setattr(route, "backlog", failing)
    monkeypatch.setattr(route, "CHUNK", 10)  # each row its own chunk
    sent: list[dict[str, Any]] = []
    params = {"status": "open", "as_of": MOMENT, "format": output}
    with pytest.raises(OperationalError):  # to the server, which logs it
        call(make_app(demo_db, sla), "/v1/backlog", params, sent)
    start, *bodies = sent
    assert start["status"] == 200  # sent with the first row, before the failure
    body = b"".join(m["body"] for m in bodies).decode()
    assert body.count("DEMO-") == 2 and body.endswith(route.CUT_SHORT)
    if output == "json":
        assert '"count"' not in body
        with pytest.raises(json.JSONDecodeError):
            json.loads(body)
    assert demo_db.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_database_down_is_a_503_before_any_byte(
    db: Engine, sla: SlaTimer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(**_kwargs: Any) -> Iterator[BacklogItem]:
        raise OperationalError("SELECT", {}, Exception("connection refused"))
        yield  # a generator, as the real one

    monkeypatch.setattr(route, "backlog", down)
    monkeypatch.setattr(route, "period_report", lambda **_kwargs: down().__next__())
    client = TestClient(make_app(db, sla))
    for path in ("/v1/backlog", "/v1/reports"):
        response = client.get(path)
        assert response.status_code == 503
        assert response.json() == {"detail": "the database is unavailable; retry later"}
    assert db.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_an_unreachable_database_is_a_503(sla: SlaTimer) -> None:
    down = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1")
    client = TestClient(make_app(down, sla))
    for path in ("/v1/reports", "/v1/backlog", "/v1/backlog?format=csv"):
        response = client.get(path)
        assert response.status_code == 503, (path, response.text)
        assert response.json() == {"detail": "the database is unavailable; retry later"}


# --- the OpenAPI description ---------------------------------------------------------------


def test_both_routes_are_described(db: Engine, sla: SlaTimer) -> None:
    document = TestClient(make_app(db, sla)).get("/openapi.json").json()
    for path, parameters in (
        ("/v1/reports", {"from", "to", "date", "month", "week", "by", "channel", "branch",
                         "region", "as_of"}),
        ("/v1/backlog", {"status", "channel", "branch", "region", "as_of", "format"}),
    ):  # fmt: skip
        operation = document["paths"][path]["get"]
        assert operation["summary"] and operation["description"]
        assert {p["name"] for p in operation["parameters"]} == parameters
        for parameter in operation["parameters"]:
            assert parameter["description"] and parameter["schema"]["examples"], parameter
        for status in ("401", "403", "422", "503"):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, (path, status)
        assert "enum" in next(
            p["schema"] for p in operation["parameters"] if p["name"] in ("by", "status")
        )
    success = document["paths"]["/v1/backlog"]["get"]["responses"]["200"]["content"]
    assert success["application/json"]["schema"] == {"$ref": "#/components/schemas/BacklogDocument"}
    assert "text/csv" in success
    report = document["paths"]["/v1/reports"]["get"]["responses"]["200"]
    assert report["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReportDocument"
    }
    assert route.STALE_HEADER in report["headers"]
