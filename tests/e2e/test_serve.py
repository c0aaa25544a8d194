"""End to end: the real `sla-monitor serve` process, over HTTP (docs/rules.md, docs/api.md, docs/metrics.md).

Each test starts `python -m sla_monitor serve` on a free loopback port with a one-second
evaluation interval, talks to it with httpx, and stops it in the fixture teardown. The
process output goes to a file that every failure message quotes.
"""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from tests.conftest import postgres_schema_url
from tests.support.processes import (
    Process,
    run_cli,
    serve_env,
    start_serve,
    wait_for,
    wait_ready,
)

TOKEN = "e2e-secret-token"
INTERVAL = 1  # seconds between evaluations; the lease TTL is 3 times this
JAKARTA = ZoneInfo("Asia/Jakarta")

Labels = tuple[tuple[str, str], ...]


class Servers:
    """Starts serve processes and stops every one of them at teardown."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.started: list[Process] = []

    def run_cli(self, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = serve_env(database_url, token=TOKEN, interval=INTERVAL)
        return run_cli(*args, env=env, cwd=self.tmp_path, timeout=60)

    def start(self, database_url: str, *extra: str) -> Process:
        name = f"serve-{len(self.started)}"
        server = start_serve(
            name, database_url, *extra, cwd=self.tmp_path, token=TOKEN, interval=INTERVAL
        )
        self.started.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.started:
            server.stop()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    started = Servers(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'serve.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from postgres_schema_url()


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(JAKARTA).isoformat(timespec="seconds")  # e.g. ...+07:00


def claim_events(breached_claim: str, on_track_claim: str) -> list[dict[str, Any]]:
    """A claim whose documents were completed long ago, and one completed just now.

    30 calendar days hold at least 21 weekdays, so even the longest run of holidays and cuti
    bersama (Lebaran) leaves more than 5 working days: that deadline has passed.
    """
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=30)
    return [
        {
            "event_id": f"{breached_claim}-1",
            "claim_id": breached_claim,
            "type": "submitted",
            "occurred_at": rfc3339(long_ago - timedelta(hours=1)),
            "channel": "online",
            "branch_code": "JKT",
        },
        {
            "event_id": f"{breached_claim}-2",
            "claim_id": breached_claim,
            "type": "documents_completed",
            "occurred_at": rfc3339(long_ago),
        },
        {
            "event_id": f"{on_track_claim}-1",
            "claim_id": on_track_claim,
            "type": "submitted",
            "occurred_at": rfc3339(now - timedelta(minutes=2)),
            "channel": "online",
            "branch_code": "JKT",
        },
        {
            "event_id": f"{on_track_claim}-2",
            "claim_id": on_track_claim,
            "type": "documents_completed",
            "occurred_at": rfc3339(now - timedelta(seconds=5)),
        },
    ]


def post_events(server: Process, events: list[dict[str, Any]]) -> None:
    response = server.client.post(
        "/v1/events",
        json={"events": events},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, f"{response.status_code} {response.text}\n{server.output()}"
    assert response.json() == {"accepted": len(events), "duplicates": 0, "rejected": []}, (
        f"{response.text}\n{server.output()}"
    )


@dataclass
class Scrape:
    text: str
    samples: dict[str, dict[Labels, float]]  # sample name -> labels -> value

    def values(self, name: str, **labels: str) -> dict[Labels, float]:
        """The samples of `name` whose labels include `labels`."""
        return {
            key: value
            for key, value in self.samples.get(name, {}).items()
            if all(dict(key).get(k) == v for k, v in labels.items())
        }

    def value(self, name: str, **labels: str) -> float | None:
        found = self.values(name, **labels)
        assert len(found) <= 1, f"{name}{labels} matches several series: {found}"
        return next(iter(found.values()), None)

    def label_values(self, prefix: str = "") -> set[str]:
        return {
            label_value
            for name, series in self.samples.items()
            if name.startswith(prefix)
            for key in series
            for _label, label_value in key
        }


def scrape(server: Process) -> Scrape:
    response = server.client.get("/metrics")
    assert response.status_code == 200, f"/metrics answered {response.status_code}"
    samples: dict[str, dict[Labels, float]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[key] = sample.value
    return Scrape(response.text, samples)


OPEN = {"channel": "online", "goal": "payment", "branch": "JKT"}


def test_a_breach_appears_in_metrics(db_url: str, servers: Servers) -> None:
    server = servers.start(db_url)
    wait_ready(server)
    tag = uuid.uuid4().hex[:8]
    late, fresh = f"E2E-LATE-{tag}", f"E2E-FRESH-{tag}"
    events = claim_events(late, fresh)
    post_events(server, events)

    def breached_shows() -> Scrape | None:
        metrics = scrape(server)
        return (
            metrics if metrics.value("sla_open_claims", **OPEN, status="breached") == 1.0 else None
        )

    metrics = wait_for(
        breached_shows,
        timeout=15,
        what='sla_open_claims{branch="JKT",channel="online",goal="payment",status="breached"} 1',
        context=server.output,
    )
    context = f"{metrics.text}\n{server.output()}"
    assert metrics.value("sla_open_claims", **OPEN, status="on_track") == 1.0, context
    assert metrics.value("sla_open_claims", **OPEN, status="at_risk") == 0.0, context
    assert metrics.value("sla_open_claims", **OPEN, status="paused") == 0.0, context
    assert sum(metrics.values("sla_breaches_total", branch="JKT").values()) == 1.0, context
    assert metrics.value("sla_breaches_total", **OPEN) == 1.0, context
    assert metrics.value("sla_events_total", outcome="accepted") == len(events), context
    assert metrics.value("sla_events_total", outcome="rejected") == 0.0, context
    assert metrics.value("sla_evaluation_timestamp_seconds") is not None, context

    for claim_id, status in ((late, "breached"), (fresh, "on_track")):
        response = server.client.get(f"/v1/claims/{claim_id}")
        assert response.status_code == 200, f"{response.text}\n{server.output()}"
        body = response.json()
        assert body["claim_id"] == claim_id
        assert (body["channel"], body["branch_code"], body["policy"]) == (
            "online",
            "JKT",
            "sla-2022",
        ), body
        assert [(g["goal"], g["status"]) for g in body["goals"]] == [("payment", status)], body
    assert server.client.get(f"/v1/claims/E2E-NOBODY-{tag}").status_code == 404

    # no claim id is ever a label: not in sla_*, and not in any other series either
    # (the claim views above were requested, so the HTTP metrics have seen those paths)
    final = scrape(server)
    claim_ids = {late, fresh}
    assert not claim_ids & metrics.label_values("sla_"), metrics.text
    assert not {v for v in final.label_values() if any(c in v for c in claim_ids)}, final.text


def sigterm(server: Process) -> tuple[int, str]:
    """Send SIGTERM to a ready server; its exit status and output."""
    server.process.send_signal(signal.SIGTERM)
    try:
        code = server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve did not exit within 15 s of SIGTERM\n{server.output()}")
    return code, server.output()


def test_sigterm_stops_cleanly(sqlite_url: str, servers: Servers) -> None:
    server = servers.start(sqlite_url)
    wait_ready(server)
    code, output = sigterm(server)
    assert "Shutting down" in output, output
    assert "Application shutdown complete" in output, output
    assert "Finished server process" in output, output
    assert "Traceback" not in output, output
    # a clean stop releases the evaluation lease at once (store/lease.py)
    engine = create_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            holder = connection.execute(
                text("SELECT holder FROM evaluator WHERE name = 'evaluation'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert holder is None, f"the lease is still held by {holder!r}\n{output}"
    assert code == 0, f"exit status {code}\n{output}"


def lease_row(engine: Any) -> tuple[str | None, int | None]:
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT holder, last_evaluated_at FROM evaluator WHERE name = 'evaluation'")
        ).one()
    return row.holder, row.last_evaluated_at


def holder_pid(holder: str | None) -> int | None:
    if holder is None:
        return None
    _host, pid, _random = holder.rsplit(":", 2)
    return int(pid)


def test_two_replicas_share_one_evaluator(pg_url: str, servers: Servers) -> None:
    upgraded = servers.run_cli(pg_url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    a = servers.start(pg_url, "--no-migrate")
    b = servers.start(pg_url, "--no-migrate")
    by_pid = {a.pid: a, b.pid: b}

    def outputs() -> str:
        return f"{a.output()}\n{b.output()}"

    wait_ready(a)
    wait_ready(b)
    tag = uuid.uuid4().hex[:8]
    events = claim_events(f"E2E-LATE-{tag}", f"E2E-FRESH-{tag}")
    post_events(a, events)

    def same_figures() -> tuple[Scrape, Scrape] | None:
        sa, sb = scrape(a), scrape(b)
        open_a, open_b = sa.values("sla_open_claims"), sb.values("sla_open_claims")
        breached = sa.value("sla_open_claims", **OPEN, status="breached")
        if open_a and open_a == open_b and breached == 1.0:
            return sa, sb
        return None

    sa, sb = wait_for(
        same_figures,
        timeout=15,
        what="equal, non-empty sla_open_claims on both replicas, with the breach",
        context=outputs,
    )
    for metrics in (sa, sb):  # counted once in the database, whatever the replica count
        assert metrics.value("sla_breaches_total", **OPEN) == 1.0, f"{metrics.text}\n{outputs()}"
        assert metrics.value("sla_events_total", outcome="accepted") == len(events), metrics.text

    engine = create_engine(pg_url)
    try:
        holder, _ = lease_row(engine)
        leader_pid = holder_pid(holder)
        assert leader_pid in by_pid, (
            f"lease holder {holder!r} is neither {list(by_pid)}\n{outputs()}"
        )
        leader = by_pid[leader_pid]
        survivor = b if leader is a else a

        leader.process.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        leader.process.wait(timeout=10)

        def taken_over() -> tuple[str | None, int | None] | None:
            row = lease_row(engine)
            return row if holder_pid(row[0]) == survivor.pid else None

        new_holder, evaluated = wait_for(
            taken_over,
            timeout=20,
            what=f"replica pid {survivor.pid} to take the lease from pid {leader_pid}",
            context=outputs,
        )
        takeover = time.monotonic() - killed_at
        # lease TTL 3 s, plus up to one interval until the survivor's next tick, plus slack
        assert takeover < 3 * INTERVAL + INTERVAL + 4, f"took over after {takeover:.1f} s"

        def advanced() -> int | None:
            holder_now, later = lease_row(engine)
            assert holder_pid(holder_now) == survivor.pid, f"lease moved to {holder_now!r}"
            return (
                later if later is not None and evaluated is not None and later > evaluated else None
            )

        wait_for(advanced, timeout=10, what="last_evaluated_at to advance", context=outputs)
    finally:
        engine.dispose()

    wait_ready(survivor, timeout=10)
    assert survivor.process.poll() is None, survivor.output()
    after = scrape(survivor)
    assert after.value("sla_open_claims", **OPEN, status="breached") == 1.0, after.text
    assert after.value("sla_breaches_total", **OPEN) == 1.0, after.text  # not counted again
    assert new_holder is not None and holder_pid(new_holder) == survivor.pid


def events_accepted(server: Process) -> float:
    response = server.client.get("/metrics")
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "sla_events_total" and sample.labels == {"outcome": "accepted"}:
                return float(sample.value)
    return 0.0


def test_demo_mode_moves_the_metrics_within_a_minute(sqlite_url: str, servers: Servers) -> None:
    server = servers.start(sqlite_url, "--demo")
    wait_ready(server)
    first = wait_for(
        lambda: events_accepted(server) or None,
        timeout=30,
        what="demo events",
        context=server.output,
    )
    later = wait_for(
        lambda: events_accepted(server) > first or None,
        timeout=30,
        what="more live events",
        context=server.output,
    )
    assert later
