"""/openapi.json is complete (docs/api.md): every status each route can answer is documented,
with its model, and the documents the routes send validate against their models."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sla_monitor.domain.timer import SlaTimer
from sla_monitor.entrypoints.api.app import ROUTERS
from sla_monitor.entrypoints.api.claim_schema import ClaimDocument
from sla_monitor.entrypoints.api.routes.health import Health, NotReady, Ready

from .test_api import AUTH, Clock, event, make_client

PACKAGE = "sla_monitor.entrypoints.api"


def routes() -> Iterator[APIRoute]:
    for router in ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            yield route


def callables(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    """The endpoint, then every dependency it declares, however deep."""
    if dependant.call is not None:
        yield dependant.call
    for dependency in dependant.dependencies:
        yield from callables(dependency)


def raised(function: Callable[..., Any], seen: set[object]) -> set[int]:
    """The statuses a function of the API package raises or answers itself, and those of
    the functions of the package it calls by name: HTTPException(code, ...) and
    status_code=code, read from the source."""
    function = inspect.unwrap(function)
    if function in seen or not getattr(function, "__module__", "").startswith(PACKAGE):
        return set()
    seen.add(function)
    codes: set[int] = set()
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        named = node.func.id if isinstance(node.func, ast.Name) else None
        given = [*node.args[:1]] if named == "HTTPException" else []
        given += [k.value for k in node.keywords if k.arg == "status_code"]
        codes |= {g.value for g in given if isinstance(g, ast.Constant)}
        callee = function.__globals__.get(named) if named else None  # type: ignore[attr-defined]
        if inspect.isfunction(callee):
            codes |= raised(callee, seen)
    return codes


def answered(route: APIRoute) -> set[int]:
    seen: set[object] = set()
    codes = {route.status_code or 200}
    for function in callables(route.dependant):
        codes |= raised(function, seen)
    return codes


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/openapi.json").json()
    return body


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def test_every_route_is_in_the_document(document: dict[str, Any]) -> None:
    walked = {(method, route.path) for route in routes() for method in route.methods}
    assert walked == set(operations(document))


@pytest.mark.parametrize("route", list(routes()), ids=lambda r: f"{r.path}")
def test_each_route_documents_exactly_the_statuses_it_answers(
    document: dict[str, Any], route: APIRoute
) -> None:
    (method,) = route.methods
    operation = operations(document)[(method, route.path)]
    documented = {int(code) for code in operation["responses"]}
    assert documented == answered(route), route.path


def test_each_status_has_a_described_body(document: dict[str, Any]) -> None:
    problem = {"$ref": "#/components/schemas/Problem"}
    for (method, path), operation in operations(document).items():
        for code, response in operation["responses"].items():
            assert response["description"], (method, path, code)
            content = response.get("content", {})
            schemas = [c["schema"] for c in content.values()]
            assert schemas and all(s.get("$ref") or s == {"type": "string"} for s in schemas), (
                method,
                path,
                code,
                content,
            )
            if code.startswith("4") or (code == "503" and path != "/readyz"):
                assert content["application/json"]["schema"] == problem, (path, code)


def test_the_read_documents_are_typed(document: dict[str, Any]) -> None:
    def success(path: str) -> Any:
        return document["paths"][path]["get"]["responses"]["200"]["content"]

    assert success("/v1/claims/{claim_id}")["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ClaimDocument"
    }
    assert success("/v1/reports")["application/json"]["schema"]["$ref"].endswith("ReportDocument")
    assert success("/v1/backlog")["application/json"]["schema"]["$ref"].endswith("BacklogDocument")
    ready = document["paths"]["/readyz"]["get"]["responses"]
    assert ready["503"]["content"]["application/json"]["schema"]["$ref"].endswith("NotReady")
    claim = document["components"]["schemas"]["ClaimDocument"]
    assert claim["additionalProperties"] is False and "goals" in claim["required"]


def test_a_claim_view_validates_against_its_model(client: TestClient) -> None:
    """Every part of the view: a goal with an explanation and a pause, events with optional
    fields, and an event after as_of."""
    batch = [
        event("E1"),
        event("E2", "documents_completed", occurred_at="2026-11-16T10:00:00+07:00"),
        event("E3", "documents_incomplete", occurred_at="2026-11-17T10:00:00+07:00", reason="KTP"),
        event("E4", "documents_completed", occurred_at="2026-11-18T10:00:00+07:00"),
        event("E5", "paid", occurred_at="2026-11-20T10:00:00+07:00", amount=15_000_000),
    ]
    assert client.post("/v1/events", json={"events": batch}, headers=AUTH).json()["accepted"] == 5
    response = client.get("/v1/claims/C1", params={"as_of": "2026-11-19T00:00:00+07:00"})
    assert response.status_code == 200
    view = ClaimDocument.model_validate(response.json())
    (goal,) = view.goals
    assert goal.explanation is not None and len(goal.explanation.pauses) == 1
    assert [e.event_id for e in view.later_events] == ["E5"]
    assert view.later_events[0].amount == 15_000_000 and view.events[2].reason == "KTP"


def test_health_and_readiness_validate_against_their_models(
    db: Engine, sla: SlaTimer, clock: Clock
) -> None:
    client, monitor = make_client(db, sla, clock)
    Health.model_validate(client.get("/healthz").json())
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    NotReady.model_validate(not_ready.json())
    monitor.tick()
    Ready.model_validate(client.get("/readyz").json())
