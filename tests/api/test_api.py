"""Every status code of the HTTP API (docs/api.md), in process, on both databases."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from sla_monitor.domain.events import parse_events
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.entrypoints.api.app import create_app
from sla_monitor.entrypoints.scheduler import Monitor
from sla_monitor.observability import metrics
from sla_monitor.services.evaluate import evaluate
from sla_monitor.services.recompute import recompute_stale
from sla_monitor.store.batches import ingest
from sla_monitor.store.db import make_engine, session_scope
from sla_monitor.store.tables import ClaimRow, GoalRow

NOW = parse_rfc3339("2026-11-22T12:00:00+07:00")
TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def make_client(
    db: Engine, sla: SlaTimer, clock: Clock, **options: Any
) -> tuple[TestClient, Monitor]:
    monitor = Monitor(db=db, sla=sla, interval=30, clock=clock, holder="test")
    options.setdefault("run_scheduler", False)
    app = create_app(
        db=db, sla=sla, clock=clock, monitor=monitor, api_tokens=["old-token", TOKEN], **options
    )
    return TestClient(app), monitor


def event(event_id: str, kind: str = "submitted", **fields: Any) -> dict[str, Any]:
    base = {
        "event_id": event_id,
        "claim_id": "C1",
        "type": kind,
        "occurred_at": "2026-11-16T09:00:00+07:00",
    }
    if kind == "submitted":
        base |= {"channel": "online", "branch_code": "JKT"}
    return base | fields


def test_a_single_event_and_a_batch(client: TestClient) -> None:
    single = client.post("/v1/events", json=event("E1"), headers=AUTH)
    assert single.status_code == 200
    assert single.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    batch = client.post(
        "/v1/events",
        json={
            "events": [
                event("E1"),
                event("E2", "documents_completed"),
                {"event_id": "E3", "nik": "1"},
                "x",
            ]
        },
        headers=AUTH,
    )
    assert batch.status_code == 200
    body = batch.json()
    assert (body["accepted"], body["duplicates"]) == (1, 1)
    assert [(r["index"], r["event_id"]) for r in body["rejected"]] == [(2, "E3"), (3, None)]
    assert "personal data" in body["rejected"][0]["error"]


def test_claim_view_matches_the_cli_shape(client: TestClient) -> None:
    client.post(
        "/v1/events",
        json={"events": [event("E1"), event("E2", "documents_completed")]},
        headers=AUTH,
    )
    claim = client.get("/v1/claims/C1")
    assert claim.status_code == 200
    data = claim.json()
    assert (data["claim_id"], data["channel"], data["branch_code"], data["policy"]) == (
        "C1",
        "online",
        "JKT",
        "sla-2022",
    )
    # As of Sunday 22 Nov: Tue-Fri counted, 4 of 5 working days used: at risk.
    assert data["goals"][0]["status"] == "at_risk"
    assert data["goals"][0]["due_at"] == "2026-11-24T00:00:00+07:00"


def test_unknown_waiting_and_bad_claim_requests(client: TestClient) -> None:
    assert client.get("/v1/claims/NOPE").status_code == 404
    client.post("/v1/events", json=event("W1", "paid", claim_id="W"), headers=AUTH)
    waiting = client.get("/v1/claims/W")
    assert waiting.status_code == 404 and "1 event(s) wait" in waiting.json()["detail"]
    client.post("/v1/events", json=event("E1"), headers=AUTH)
    assert client.get("/v1/claims/C1", params={"as_of": "yesterday"}).status_code == 422


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    ],
)
def test_writes_need_a_valid_bearer_token(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/v1/events", json=event("E1"), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/claims/C1").status_code == 404  # nothing stored


def test_every_configured_token_works(client: TestClient) -> None:
    assert (
        client.post(
            "/v1/events", json=event("E1"), headers={"Authorization": "Bearer old-token"}
        ).status_code
        == 200
    )


def test_bodies_over_the_limit_get_413(db: Engine, sla: SlaTimer, clock: Clock) -> None:
    small, _ = make_client(db, sla, clock, max_body_bytes=1000)
    big = {"events": [event(f"E{i}") for i in range(20)]}
    assert small.post("/v1/events", json=big, headers=AUTH).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while streaming
        yield json.dumps(big).encode()

    assert small.post("/v1/events", content=chunks(), headers=AUTH).status_code == 413
    assert small.get("/v1/claims/C1").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe{}", "not valid UTF-8"),
        (b"[1, 2]", "must be an event object"),
        (b'{"events": {}}', "no other field"),
        (b'{"events": [], "extra": 1}', "no other field"),
        (json.dumps({"events": [event(f"E{i}") for i in range(1001)]}).encode(), "at most 1000"),
        (b'{"event_id": "E1", "event_id": "E2"}', "given twice"),
        (b"[" * 100_000, "not valid JSON"),
    ],
)
def test_bodies_that_are_not_events_get_422(client: TestClient, body: bytes, message: str) -> None:
    response = client.post(
        "/v1/events", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_database_down_gives_503_and_readiness_says_why(sla: SlaTimer, clock: Clock) -> None:
    down = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1")
    client, monitor = make_client(down, sla, clock)
    response = client.post("/v1/events", json=event("E1"), headers=AUTH)
    assert response.status_code == 503 and "nothing was stored" in response.json()["detail"]
    assert client.get("/v1/claims/C1").status_code == 503
    monitor.tick()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "database unavailable" in ready.json()["reason"]
    assert client.get("/healthz").status_code == 200


def test_readiness_follows_the_evaluation(db: Engine, sla: SlaTimer, clock: Clock) -> None:
    client, monitor = make_client(db, sla, clock)
    first = client.get("/readyz")
    assert first.status_code == 503 and "no evaluation" in first.json()["reason"]
    monitor.tick()
    assert client.get("/readyz").json() == {"status": "ready"}
    clock.now += 91 * 1_000_000  # three intervals and a second without an evaluation
    stale = client.get("/readyz")
    assert stale.status_code == 503 and "91 s old" in stale.json()["reason"]


def test_metrics_expose_the_snapshot_and_http_figures(
    db: Engine, sla: SlaTimer, clock: Clock
) -> None:
    client, monitor = make_client(db, sla, clock)
    client.post(
        "/v1/events",
        json={"events": [event("E1"), event("E2", "documents_completed")]},
        headers=AUTH,
    )
    clock.now = parse_rfc3339("2026-11-25T00:00:00+07:00")  # past the deadline
    monitor.tick()
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }
    key = (("branch", "JKT"), ("channel", "online"), ("goal", "payment"))
    assert samples[("sla_open_claims", (*key, ("status", "breached")))] == 1
    assert samples[("sla_open_claims", (*key, ("status", "on_track")))] == 0
    assert samples[("sla_breaches_total", key)] == 1
    assert samples[("sla_events_total", (("outcome", "accepted"),))] == 2
    assert samples[("sla_evaluation_timestamp_seconds", ())] == clock.now / 1_000_000
    assert any(name == "http_requests_total" for name, _ in samples)
    assert any(name == "process_cpu_seconds_total" for name, _ in samples)
    assert "C1" not in response.text  # no claim id in any label


def test_a_snapshot_is_rendered_before_it_is_served_never_by_a_scrape(
    db: Engine, sla: SlaTimer, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SLA families (tens of thousands of series with a thousand branches) are rendered
    in the evaluation thread as each snapshot is loaded; a scrape during that render gets
    the previous snapshot's text at once, and a scrape never renders them itself."""
    client, monitor = make_client(db, sla, clock)
    client.post(
        "/v1/events",
        json={"events": [event("E1"), event("E2", "documents_completed")]},
        headers=AUTH,
    )
    monitor.tick()
    before = client.get("/metrics").text
    real_sla, real_process = metrics.Exposition.render_sla, metrics.generate_latest
    rendered: list[str] = []
    during: list[str] = []

    def sla_rendering(exposition: metrics.Exposition, snapshot: Any) -> bytes:
        text = real_sla(exposition, snapshot)
        rendered.append("sla")
        if not during:
            during.append("")  # one scrape while the tick renders, not one inside each render
            during[0] = client.get("/metrics").text
        return text

    def process_rendering(registry: Any) -> bytes:
        rendered.append("process")
        return real_process(registry)

    monkeypatch.setattr(metrics.Exposition, "render_sla", sla_rendering)
    monkeypatch.setattr(metrics, "generate_latest", process_rendering)
    clock.now = parse_rfc3339("2026-11-25T00:00:00+07:00")  # past the deadline
    monitor.tick()
    assert rendered == ["sla", "process"]  # the tick's render, and the scrape inside it
    breached = 'sla_open_claims{branch="JKT",channel="online",goal="payment",status="breached"}'
    assert f"{breached} 0.0" in during[0] and f"{breached} 0.0" in before  # the previous one
    after = client.get("/metrics").text
    assert f"{breached} 1.0" in after
    assert rendered == ["sla", "process", "process"]


def test_openapi_document(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    post = document["paths"]["/v1/events"]["post"]
    assert set(post["responses"]) >= {"200", "401", "413", "422", "503"}
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert [s["title"] for s in schema["oneOf"]] == ["Event", "Batch"]
    assert {"/v1/claims/{claim_id}", "/metrics", "/healthz", "/readyz"} <= set(document["paths"])


def test_the_first_scrape_after_a_restart_shows_the_stored_counters(
    db: Engine, sla: SlaTimer, clock: Clock
) -> None:
    before, _ = make_client(db, sla, clock)
    before.post(
        "/v1/events",
        json={"events": [event("E1"), event("E2", "documents_completed")]},
        headers=AUTH,
    )
    never_loaded = before.get("/metrics").text
    assert "sla_breaches_total" not in never_loaded  # no made-up zeros before the first load
    clock.now = parse_rfc3339("2026-11-25T00:00:00+07:00")
    recompute_stale(db=db, sla=sla, now=clock.now)  # another replica recomputed the claim
    evaluate(db=db, now=clock.now)  # and recorded its breach
    restarted, _ = make_client(db, sla, clock, run_scheduler=True)
    with restarted:  # starting loads the snapshot before the first request is served
        text = restarted.get("/metrics").text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    key = (("branch", "JKT"), ("channel", "online"), ("goal", "payment"))
    assert samples[("sla_breaches_total", key)] == 1
    zero_reclassified = (
        ("channel", "online"),
        ("from", "breached"),
        ("goal", "payment"),
        ("to", "met"),
    )
    assert samples[("sla_reclassified_total", zero_reclassified)] == 0  # exists from the start


def test_a_write_conflict_that_outlasts_the_retries_is_503_not_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import IntegrityError

    import sla_monitor.services.accept_events as accepting

    def conflicting(**_: Any) -> None:
        raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: events.event_id"))

    monkeypatch.setattr(accepting, "store_events", conflicting)
    # A body decoded in C and one read the slow way (an escape) take the same store.
    for body in (event("E1"), {**event("E2"), "reason": "baris\nbaru"}):
        response = client.post("/v1/events", json=body, headers=AUTH)
        assert response.status_code == 503 and "nothing was stored" in response.json()["detail"]


def _eventually(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Poll a background thread's effect (not a deadline: the clock is injected)."""
    give_up = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < give_up, f"not within {timeout:.0f} s: {what}"
        time.sleep(0.01)


def _goal_phase(db: Engine, claim_id: str) -> str | None:
    with session_scope(db) as session:
        claim = session.get(ClaimRow, claim_id)
        goal = session.get(GoalRow, (claim_id, "payment"))
        return None if claim is None or claim.stale or goal is None else goal.phase


@pytest.mark.parametrize("woken", [True, False], ids=["own post", "another replica's post"])
def test_the_leader_recomputes_stored_claims_between_evaluations(
    db: Engine, sla: SlaTimer, clock: Clock, monkeypatch: pytest.MonkeyPatch, woken: bool
) -> None:
    """Events are acknowledged once stored; the leading replica recomputes their claims' goals
    at once when its own API stored them, and within its poll when another replica did; both
    long before the next evaluation (every 30 s here)."""
    import sla_monitor.entrypoints.scheduler as monitor_module

    monkeypatch.setattr(monitor_module, "RECOMPUTE_POLL", 3600.0 if woken else 0.05)
    test_client, monitor = make_client(db, sla, clock, run_scheduler=True)
    batch = [event("E1"), event("E2", "documents_completed")]
    with test_client:
        _eventually(lambda: monitor.leading, "the first evaluation")
        if woken:
            response = test_client.post("/v1/events", json={"events": batch}, headers=AUTH)
            assert response.json()["accepted"] == 2
        else:
            items = parse_events(
                batch, now=clock.now, channels=sla.config.channels, branches=sla.config.branches
            )
            types = sla.config.goal_event_types
            assert (
                ingest(db=db, items=items, received_at=clock.now, goal_event_types=types).accepted
                == 2
            )
        _eventually(lambda: _goal_phase(db, "C1") == "running", "C1's goal recomputed")
