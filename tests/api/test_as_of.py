"""`as_of` on every route that takes it (docs/api.md): one parser, and a `+` that the URL
turned into a space gets a 422 that says to write it `%2B`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339

from .test_api import AUTH, NOW, Clock, event, make_client

ROUTES = ("/v1/claims/C1", "/v1/reports", "/v1/backlog")
HINT = "write it as %2B"


@pytest.fixture
def client(db: Engine, sla: SlaTimer) -> Iterator[TestClient]:
    test_client, _ = make_client(db, sla, Clock(NOW))
    with test_client:
        assert test_client.post("/v1/events", json=event("E1"), headers=AUTH).status_code == 200
        yield test_client


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("written", "example"),
    [
        ("2026-11-20T10:00:00+07:00", "as_of=2026-11-20T10:00:00%2B07:00"),
        ("2026-11-20 10:00:00+07:00", "as_of=2026-11-20%2010:00:00%2B07:00"),
        ("2026-11-20T10:00:00.5+05:30", "as_of=2026-11-20T10:00:00.5%2B05:30"),
    ],
)
def test_a_plus_the_url_made_a_space_gets_the_hint(
    client: TestClient, route: str, written: str, example: str
) -> None:
    """The `+` written as is in the URL arrives as a space (form encoding)."""
    response = client.get(f"{route}?as_of={written}")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("as_of: ") and "is not an RFC 3339 timestamp" in detail
    assert HINT in detail and detail.endswith(example), detail
    fixed = client.get(f"{route}?{example}")
    assert fixed.status_code == 200, fixed.text


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "written",
    ["yesterday", "2026-11-20T10:00:00 07:00 extra", "2026-11-20 10:00:00", "1999-12-31 00:00Z"],
)
def test_other_bad_values_get_no_hint(client: TestClient, route: str, written: str) -> None:
    response = client.get(route, params={"as_of": written})  # sent as written: %20 for spaces
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("as_of: ") and HINT not in detail and "%2B" not in detail


def test_an_instant_out_of_range_says_so_and_gets_the_hint_only_if_its_plus_was_lost(
    client: TestClient,
) -> None:
    encoded = client.get("/v1/reports?as_of=2101-01-02T00:00:00%2B07:00").json()["detail"]
    assert "outside 2000-2100" in encoded and HINT not in encoded
    lost = client.get("/v1/reports?as_of=2101-01-02T00:00:00+07:00").json()["detail"]
    assert "not an RFC 3339 timestamp" in lost and HINT in lost


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_reads_as_of_the_same_way(client: TestClient, route: str) -> None:
    moment = "2026-11-20T03:00:00Z"
    response = client.get(route, params={"as_of": moment})
    assert response.status_code == 200
    shown = response.json()["as_of"]
    assert parse_rfc3339(shown) == parse_rfc3339(moment)
