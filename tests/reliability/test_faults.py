"""Reliability under real damage: a killed process, a database that goes away, racing writers.

Every test runs real `python -m sla_monitor serve` processes (and a real `import`) against
a real database, does the damage for real (SIGKILL, stopping a PostgreSQL server, concurrent
deliveries of the same events), and then checks the database itself:

* crash safety (SQLite file and PostgreSQL schema): a serve process killed with SIGKILL in the
  middle of concurrent batch posts loses no acknowledged event, stores none twice, leaves no
  batch half-written, and its claims' goals equal a recomputation (`sla-monitor verify`);
* database outage (a private PostgreSQL instance): while the database is down ingest answers
  503 and /readyz 503 naming the database; when it is back, readiness and ingest recover
  without a restart, nothing acknowledged is lost, and the evaluation catches up with a
  deadline that passed during the outage;
* concurrency: two replicas and an import (PostgreSQL), or four clients of one server
  (SQLite), delivering the same events at once store each event once, count it once, count
  each closure and breach once, and leave every claim's goals equal to a recomputation;
  the same batch sent to two replicas at once is answered as duplicates, never rejected;
  and two transactions adding different events to one claim, held so that they commit one
  right after the other, leave its goals reflecting both.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from sla_monitor.domain.events import parse_events
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.services.recompute import recompute_stale
from sla_monitor.services.verify import verify
from sla_monitor.store.batches import ingest
from sla_monitor.store.db import make_engine, upgrade
from tests.conftest import REPOSITORY
from tests.reliability.private_postgres import PrivatePostgres, find_bindir
from tests.reliability.workload import (
    AUTH,
    BREACH_RECORDED_AT,
    TOKEN,
    Attempt,
    Ledger,
    Raw,
    accounting_problems,
    by_batch,
    counter_values,
    ids,
    make_claims,
    metric,
    query,
    run_thread,
    run_verify,
    shuffled,
    split,
    stored_events,
)
from tests.support.processes import (
    SLA_MONITOR,
    Process,
    launch,
    serve_env,
    start_serve,
    wait_for,
    wait_ready,
)

pytestmark = pytest.mark.slow

INTERVAL = 1  # seconds between evaluations
READY_TIMEOUT = 90.0  # generous: a benchmark may share the machine


class Fleet:
    """The processes a test starts; `stop_all` (a finalizer) ends every one of them."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.servers: list[Process] = []
        self.others: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []

    def serve(self, url: str, *extra: str, env: Mapping[str, str] | None = None) -> Process:
        server = start_serve(
            f"serve-{len(self.servers)}",
            url,
            *extra,
            cwd=self.tmp_path,
            token=TOKEN,
            interval=INTERVAL,
            env_extra=env,
        )
        self.servers.append(server)
        return server

    def spawn(self, name: str, url: str, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
        """`python -m sla_monitor ARGS` in the background; its output goes to `<name>.log`."""
        log_path = self.tmp_path / f"{name}.log"
        process, log_file = launch(
            [*SLA_MONITOR, *args],
            log_path=log_path,
            cwd=self.tmp_path,
            env=serve_env(url, token=TOKEN, interval=INTERVAL, extra={"COLUMNS": "200"}),
        )
        self.others.append((process, log_file))
        return process, log_path

    def outputs(self) -> str:
        return "\n".join(server.output(4000) for server in self.servers)

    def stop_all(self) -> None:
        """Stop everything, even when stopping one of them fails (the first error is raised)."""
        errors: list[BaseException] = []
        for process, log_file in self.others:
            try:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=10)
            except BaseException as exc:
                errors.append(exc)
            finally:
                log_file.close()
        for server in self.servers:
            try:
                server.stop()
            except BaseException as exc:
                errors.append(exc)
        if errors:
            raise errors[0]


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    started = Fleet(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def tag() -> str:
    return uuid.uuid4().hex[:8].upper()


def atomicity_problems(attempts: list[Attempt], stored: set[str]) -> list[str]:
    """Unacknowledged batches whose own events (sent in no other batch) are partly stored:
    a batch is one transaction, so they must be all stored or none."""
    sent_in: dict[str, int] = {}
    for attempt in {a.batch: a for a in attempts}.values():
        for event_id in ids(attempt.events):
            sent_in[event_id] = sent_in.get(event_id, 0) + 1
    problems = []
    for attempt in attempts:
        if attempt.acknowledged:
            continue
        own = {e for e in ids(attempt.events) if sent_in[e] == 1}
        kept = own & stored
        if kept and kept != own:
            problems.append(
                f"batch {attempt.batch} ({attempt.error or attempt.status}): "
                f"{len(kept)} of its {len(own)} own events are stored"
            )
    return problems


# --------------------------------------------------------------------------- 1. crash safety

CRASH_THREADS = 4


def crash_plans(prefix: str) -> list[list[tuple[int, list[Raw]]]]:
    """Per client thread, its batches: its own claims' events in a shuffled order (so events
    often arrive before their claim's `submitted`), 150 to 440 a batch, and every third batch
    also repeats up to 60 events the thread sent before. Threads never share a claim."""
    events = make_claims(prefix, 3000, seed=11)
    plans = []
    for k in range(CRASH_THREADS):
        mine = [e for e in events if int(e["claim_id"].rsplit("-", 1)[1]) % CRASH_THREADS == k]
        rng = random.Random(100 + k)
        rng.shuffle(mine)
        sent: list[Raw] = []
        plan = []
        for i, batch in enumerate(split(mine, rng, 150, 440)):
            extra = rng.sample(sent, min(60, len(sent))) if i % 3 == 2 else []
            sent += batch
            plan.append((k * 1000 + i, rng.sample(batch + extra, len(batch) + len(extra))))
        plans.append(plan)
    return plans


def test_sigkill_under_load_loses_no_acknowledged_event(
    db_url: str, fleet: Fleet, tmp_path: Path
) -> None:
    server = fleet.serve(db_url)
    wait_ready(server, READY_TIMEOUT)
    plans = crash_plans(f"CRASH-{tag()}")
    ledger = Ledger()
    stop = threading.Event()

    def client_thread(plan: list[tuple[int, list[Raw]]]) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
            for batch, events in plan:
                if stop.is_set():
                    return
                if ledger.post(client, batch, events).error:
                    return  # the server is gone

    threads = [run_thread(ledger, client_thread, plan) for plan in plans]

    def loaded() -> bool | None:
        return True if len(ledger.acknowledged()) >= 6 and ledger.inflight >= 2 else None

    try:
        wait_for(
            loaded,
            timeout=120,
            what="6 acknowledged batches and 2 requests in flight",
            context=lambda: f"{ledger.summary()}\n{server.output()}",
            interval=0.005,
        )
        server.process.kill()  # SIGKILL: no shutdown, no cleanup, mid-transaction
        killed_at = time.monotonic()
        server.process.wait(timeout=30)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), ledger.summary()
    attempts = ledger.snapshot()
    context = f"{ledger.summary()}\n{server.output()}"
    assert not ledger.failures, context
    unexpected = [a.describe() for a in attempts if not a.acknowledged and a.error is None]
    assert not unexpected, f"answers other than 200 before the kill: {unexpected}\n{context}"
    acknowledged = [a for a in attempts if a.acknowledged]
    interrupted = [a for a in attempts if a.error and a.started < killed_at]
    assert len(acknowledged) >= 6, context
    assert interrupted, f"the kill interrupted no request in flight\n{context}"
    for a in acknowledged:
        body = a.body
        assert body["rejected"] == [], a.describe()
        assert body["accepted"] + body["duplicates"] == len(a.events), a.describe()

    # The same database, a new process: it must start and become ready on what was left.
    restarted = fleet.serve(db_url)
    wait_ready(restarted, READY_TIMEOUT)

    stored = stored_events(db_url)
    sent = [e for a in attempts for e in a.events]
    acknowledged_ids = set().union(*(ids(a.events) for a in acknowledged))
    assert not stored.twice(), f"event_ids stored twice: {stored.twice()}"
    missing = stored.missing(acknowledged_ids)
    assert not missing, (
        f"{len(missing)} events of acknowledged batches are not stored, e.g. {missing[:10]}\n"
        f"{context}"
    )
    assert set(stored.rows) <= ids(sent), "stored events that were never sent"
    assert not stored.wrong(sent), stored.wrong(sent)[:5]
    assert not atomicity_problems(attempts, set(stored.rows)), atomicity_problems(
        attempts, set(stored.rows)
    )
    accepted = counter_values(db_url).get(("events", "", "", "", "accepted"), 0)
    assert accepted == len(stored.rows), (
        f"metric_counters events/accepted is {accepted}, {len(stored.rows)} events stored"
    )
    exposed = metric(restarted.client, "sla_events_total", outcome="accepted")
    assert exposed == len(stored.rows), f"the restarted server shows {exposed} accepted events"
    wait_until_no_stale_claim(db_url, restarted.output, timeout=READY_TIMEOUT)
    assert not accounting_problems(db_url), accounting_problems(db_url)
    problem = run_verify(db_url, tmp_path)
    assert problem is None, f"after the crash: {problem}"

    # A client retries what was not acknowledged: every event is then stored exactly once.
    retried = [a for a in attempts if not a.acknowledged]
    with httpx.Client(base_url=f"http://127.0.0.1:{restarted.port}") as client:
        for a in retried:
            again = ledger.post(client, a.batch, a.events)
            assert again.acknowledged, f"{again.describe()}\n{restarted.output()}"
            assert again.body["rejected"] == [], again.describe()
            assert again.body["accepted"] + again.body["duplicates"] == len(a.events)
    final = stored_events(db_url)
    assert not final.twice(), final.twice()
    assert set(final.rows) == ids(sent), final.missing(ids(sent))[:10]
    assert not final.wrong(sent), final.wrong(sent)[:5]
    problem = run_verify(db_url, tmp_path)
    assert problem is None, f"after the retries: {problem}"


# --------------------------------------------------------------------------- 2. database outage

# A second goal, for collective claims only, with a one-minute target: a deadline can pass
# while the database is down without the test waiting for days.
QUICK_GOAL = """
[[policies.goals]]
id = "quick"
channels = ["collective"]
start = ["documents_completed"]
stop = ["paid", "rejected"]
target = "1 minutes"
"""
QUICK = {"channel": "collective", "goal": "quick", "branch": "KPG"}  # no load claim is at KPG


def quick_config(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    shutil.copy(REPOSITORY / "config" / "branches.toml", folder / "branches.toml")
    sla = (REPOSITORY / "config" / "sla.toml").read_text()
    assert sla.rstrip().endswith("at_risk = 0.8"), "the policy's last goal is no longer last"
    (folder / "sla.toml").write_text(sla + QUICK_GOAL)
    return folder


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    bindir, problem = find_bindir()
    if bindir is None:
        if os.environ.get("SLA_MONITOR_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{problem} (SLA_MONITOR_REQUIRE_TOOLS=1)")
        pytest.skip(f"{problem}; set SLA_MONITOR_REQUIRE_TOOLS=1 to fail instead")
    server = PrivatePostgres(bindir)
    try:
        server.initdb()
        server.start()
        yield server
    finally:
        server.destroy()


def test_database_outage_answers_503_and_recovers_without_restart(
    private_postgres: PrivatePostgres, fleet: Fleet, tmp_path: Path
) -> None:
    pg = private_postgres
    config = {"SLA_MONITOR_CONFIG_DIR": str(quick_config(tmp_path))}
    server = fleet.serve(pg.url, env=config)
    wait_ready(server, READY_TIMEOUT)
    prefix = f"OUT-{tag()}"
    ledger = Ledger()
    stop = threading.Event()

    def loader() -> None:
        """New claims in batches of ~45 events, one after the other, whatever the answer."""
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
            for n in itertools.count():
                if stop.is_set():
                    return
                ledger.post(client, n, make_claims(f"{prefix}-{n:04d}", 12, seed=n))
                stop.wait(0.05)

    def context() -> str:
        return f"{ledger.summary()}\n{server.output()}\n{pg.server_log()}"

    thread = run_thread(ledger, loader)
    try:
        wait_for(
            lambda: len(ledger.acknowledged()) >= 3 or None,
            timeout=60,
            what="3 acknowledged batches before the outage",
            context=context,
        )
        # A claim whose one-minute deadline falls a few seconds from now, inside the outage.
        now = datetime.now(UTC)
        completed = now - timedelta(seconds=55)
        due = completed + timedelta(minutes=1)
        late = f"{prefix}-LATE"
        claim = [
            {
                "event_id": f"{late}-1",
                "claim_id": late,
                "type": "submitted",
                "occurred_at": (completed - timedelta(minutes=10)).isoformat(),
                "channel": "collective",
                "branch_code": "KPG",
                "employer_id": "EMP-042",
            },
            {
                "event_id": f"{late}-2",
                "claim_id": late,
                "type": "documents_completed",
                "occurred_at": completed.isoformat(),
            },
        ]
        answer = server.client.post("/v1/events", json={"events": claim}, headers=AUTH)
        assert answer.status_code == 200 and answer.json()["accepted"] == len(claim), answer.text

        shown_before = metric(server.client, "sla_events_total", outcome="accepted")
        pg.stop("immediate")  # like a crash: every backend aborted at once
        down_at, down_mono = datetime.now(UTC), time.monotonic()
        assert down_at < due, (
            f"the database went down at {down_at}, after the deadline {due} it should outlive "
            "(the machine is too slow for this test's margin)"
        )

        def outage_visible() -> bool | None:
            server.check_alive(" during the outage")
            refused = [a for a in ledger.snapshot() if a.started > down_mono and a.status == 503]
            assert refused, "no ingest answered 503 yet"
            ready = server.client.get("/readyz")
            assert ready.status_code == 503, f"/readyz {ready.status_code} {ready.text}"
            assert "database" in ready.json()["reason"], ready.text
            assert server.client.get("/healthz").status_code == 200, "liveness lost"
            view = server.client.get(f"/v1/claims/{late}")
            assert view.status_code == 503, f"claim view {view.status_code} {view.text}"
            # /metrics serves the last snapshot from memory: no counter vanishes or goes down
            shown = metric(server.client, "sla_events_total", outcome="accepted")
            assert shown is not None and shown >= (shown_before or 0), (
                f"sla_events_total accepted {shown}, {shown_before} before the outage"
            )
            # and a deadline passes while nothing can be written
            return True if datetime.now(UTC) > due + timedelta(seconds=1.5) else None

        wait_for(outage_visible, timeout=60, what="the outage to show", context=context)

        restart_mono = time.monotonic()
        pg.start()
        up_at, up_mono = time.time(), time.monotonic()
        wait_ready(server, READY_TIMEOUT)  # the same process: no restart
        server.check_alive(" after the outage")
        wait_for(
            lambda: any(a.started > up_mono and a.acknowledged for a in ledger.snapshot()) or None,
            timeout=60,
            what="ingest to acknowledge a batch again",
            context=context,
        )
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive() and not ledger.failures, context()
    attempts = ledger.snapshot()
    others = [a.describe() for a in attempts if a.status not in (200, 503)]
    assert not others, f"answers other than 200 and 503: {others}\n{context()}"
    during = [a for a in attempts if down_mono < a.started and a.ended < restart_mono]
    assert during and all(a.status == 503 for a in during), context()
    refused = [a for a in attempts if a.status == 503]
    for a in refused:
        assert "database is unavailable" in a.body["detail"], a.describe()

    def caught_up() -> bool | None:
        evaluated = metric(server.client, "sla_evaluation_timestamp_seconds")
        assert evaluated is not None and evaluated > up_at, f"last evaluation {evaluated}"
        breached = metric(server.client, "sla_open_claims", **QUICK, status="breached")
        assert breached == 1.0, f"sla_open_claims{QUICK} breached = {breached}"
        counted = metric(server.client, "sla_breaches_total", **QUICK)
        assert counted == 1.0, f"sla_breaches_total{QUICK} = {counted}"
        return True

    wait_for(caught_up, timeout=60, what="the evaluation to catch up", context=context)
    (recorded,) = query(
        pg.url,
        f"SELECT {BREACH_RECORDED_AT} FROM claim_goals g WHERE g.claim_id = '{late}' "
        "AND g.goal_id = 'quick'",
    )[0]
    assert recorded is not None and recorded.replace(tzinfo=UTC).timestamp() >= up_at - 1, (
        f"the breach was recorded at {recorded}, not after the database came back at {up_at}"
    )

    stored = stored_events(pg.url)
    sent = [e for a in attempts for e in a.events] + claim
    acknowledged_ids = set().union(*(ids(a.events) for a in attempts if a.acknowledged))
    missing = stored.missing(acknowledged_ids)
    assert not missing, f"acknowledged but not stored: {missing[:10]}\n{context()}"
    assert not stored.twice(), stored.twice()
    assert not stored.wrong(sent), stored.wrong(sent)[:5]
    assert not atomicity_problems(attempts, set(stored.rows)), atomicity_problems(
        attempts, set(stored.rows)
    )

    # 503 means "safe to retry": every refused batch goes through now, and all is stored once.
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
        for a in refused:
            again = ledger.post(client, a.batch, a.events)
            assert again.acknowledged, again.describe()
            assert again.body["rejected"] == [], again.describe()
            assert again.body["accepted"] + again.body["duplicates"] == len(a.events)
    final = stored_events(pg.url)
    assert not final.twice(), final.twice()
    assert set(final.rows) == ids(sent), final.missing(ids(sent))[:10]
    accepted = counter_values(pg.url).get(("events", "", "", "", "accepted"), 0)
    assert accepted == len(final.rows), (
        f"events accepted counter {accepted}, {len(final.rows)} stored"
    )
    assert not accounting_problems(pg.url), accounting_problems(pg.url)
    problem = run_verify(pg.url, tmp_path, env=config)
    assert problem is None, problem


# --------------------------------------------------------------------------- 3. concurrency

IMPORTED = re.compile(r"accepted (\d+), duplicates (\d+), rejected (\d+)")
GROUP = 10_000  # batch number // GROUP: which delivery (replica or client) sent it


def delivery_plan(events: list[Raw], group: int, seed: int) -> list[tuple[int, list[Raw]]]:
    """All the events in an order of this delivery's own, in batches of 200 to 500."""
    batches = split(shuffled(events, seed), random.Random(seed), 200, 500)
    return [(group * GROUP + i, batch) for i, batch in enumerate(batches)]


def deliver(
    ledger: Ledger,
    server: Process,
    plan: list[tuple[int, list[Raw]]],
    together: threading.Barrier | None = None,
) -> None:
    """Post the batches one after the other; a 503 (nothing stored) is retried, bounded.
    With `together`, every delivery sends its n-th batch at the same moment."""
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
        for batch, payload in plan:
            if together is not None:
                together.wait(timeout=120)
            for retry in range(40):
                if ledger.post(client, batch, payload).status != 503:
                    break
                time.sleep(0.02 * (retry + 1))


def answer_problems(attempts: list[Attempt], groups: int) -> tuple[list[str], dict[int, int]]:
    """What is wrong with the final answer to each batch; events accepted per delivery."""
    broken = [
        f"an answer other than 200 and 503: {a.describe()}"
        for a in attempts
        if a.status not in (200, 503)
    ]
    accepted = dict.fromkeys(range(groups), 0)
    for batch, tries in sorted(by_batch(attempts).items()):
        last = tries[-1]
        if not last.acknowledged:
            broken.append(f"a batch never acknowledged after 40 tries: {last.describe()}")
            continue
        body = last.body
        if body["rejected"] or body["accepted"] + body["duplicates"] != len(last.events):
            broken.append(f"an answer that does not add up: {last.describe()}")
        accepted[batch // GROUP] += body["accepted"]
    return broken, accepted


def stored_once_problems(url: str, events: list[Raw], deliveries: int | None) -> list[str]:
    """Each event stored once, as sent, and counted once as accepted (and `deliveries - 1`
    times as a duplicate, when every delivery ran to its end)."""
    broken = []
    stored = stored_events(url)
    if stored.twice():
        broken.append(f"event_ids stored twice: {stored.twice()}")
    if set(stored.rows) != ids(events):
        broken.append(f"events not stored: {stored.missing(ids(events))[:10]}")
    broken += stored.wrong(events)[:5]
    counters = counter_values(url)
    counted = {
        outcome: counters.get(("events", "", "", "", outcome), 0)
        for outcome in ("accepted", "duplicate", "rejected")
    }
    total = len(events)
    expected = {"accepted": total, "rejected": 0}
    if deliveries is not None:
        expected["duplicate"] = (deliveries - 1) * total
    if {k: counted[k] for k in expected} != expected:
        broken.append(
            f"metric_counters events {counted}, expected {expected} for {total} distinct events"
        )
    return broken


def wait_until_no_stale_claim(url: str, context: Callable[[], str], *, timeout: float) -> None:
    """Until every claim's goals reflect its events (the import, or the leader's materialiser
    once it leads, finishes them)."""
    wait_for(
        lambda: query(url, "SELECT count(*) FROM claims WHERE stale")[0][0] == 0 or None,
        timeout=timeout,
        what="no stale claim left",
        context=context,
    )


def goal_problems(
    url: str, cwd: Path, servers: list[Process], context: Callable[[], str]
) -> list[str]:
    """Once stale claims are finished: every server exposes the single stored count, each
    closure and breach is counted once, and every goal equals its recomputation."""
    total = len(stored_events(url).rows)
    wait_until_no_stale_claim(url, context, timeout=60)
    for server in servers:

        def shows_total(server: Process = server) -> bool | None:
            return metric(server.client, "sla_events_total", outcome="accepted") == total or None

        wait_for(
            shows_total,
            timeout=60,
            what=f"sla_events_total{{outcome=accepted}} {total} on port {server.port}",
            context=context,
        )
    broken = accounting_problems(url)
    problem = run_verify(url, cwd)
    if problem is not None:
        broken.append(problem)
    return broken


def crash_lines(output: str) -> str:
    """The exception lines of a traceback (the whole output is long: SQL and parameters)."""
    lines = [
        line.strip()
        for line in output.splitlines()
        if re.match(r"\s*(\w+\.)*\w*(Error|Exception|Violation)\b.*:", line)
        or line.startswith("DETAIL:")
    ]
    return "\n".join(lines[:6]) or output[-1500:]


def test_two_replicas_and_an_import_store_and_count_each_event_once(
    postgres_url: str, fleet: Fleet, tmp_path: Path
) -> None:
    url = postgres_url
    events = make_claims(f"RACE-{tag()}", 2400, seed=33)
    total = len(events)
    path = tmp_path / "events.jsonl"
    path.write_text(
        "".join(f"{json.dumps(e, ensure_ascii=False)}\n" for e in shuffled(events, 3)),
        encoding="utf-8",
    )

    # Both replicas start at once on the empty schema (they migrate it under a lock).
    replicas = [fleet.serve(url), fleet.serve(url)]
    for replica in replicas:
        wait_ready(replica, READY_TIMEOUT)
    importer, import_log = fleet.spawn("import", url, "import", str(path), "--batch-size", "200")

    def import_output() -> str:
        return import_log.read_text(errors="replace")

    def first_commit() -> bool | None:
        if importer.poll() is not None:
            return True
        return True if query(url, "SELECT 1 FROM events LIMIT 1") else None

    # The replicas get the events (two clients each) while the import is writing them.
    wait_for(first_commit, timeout=90, what="the import's first batch", context=import_output)
    ledger = Ledger()
    threads = [
        run_thread(ledger, deliver, ledger, replica, delivery_plan(events, r, 1 + r)[half::2])
        for r, replica in enumerate(replicas)
        for half in (0, 1)
    ]
    for thread in threads:
        thread.join(timeout=180)
    try:
        code = importer.wait(timeout=180)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the import did not finish\n{import_output()[-4000:]}")

    def context() -> str:
        return f"{ledger.summary()}\nimport:\n{import_output()[-3000:]}\n{fleet.outputs()}"

    assert not any(t.is_alive() for t in threads), context()
    assert not ledger.failures, context()

    # Every broken guarantee is collected, so that one run reports all of them.
    broken, accepted = answer_problems(ledger.snapshot(), groups=2)
    found = IMPORTED.search(import_output())
    if code != 0 or found is None:
        broken.append(
            f"`sla-monitor import` exited {code} without its summary line; it ended with:\n"
            f"{crash_lines(import_output())}"
        )
    else:
        imported, import_duplicates, import_rejected = map(int, found.groups())
        if import_rejected or imported + import_duplicates != total:
            broken.append(f"the import's counts do not add up to {total}: {found.group(0)}")
        if not (imported > 0 and import_duplicates > 0 and all(accepted.values())):
            broken.append(
                "the three deliveries did not overlap, so nothing raced: "
                f"import {found.group(0)}; replicas accepted {accepted}"
            )
        if imported + sum(accepted.values()) != total:
            broken.append(
                f"{total} distinct events, but the import accepted {imported} and the replicas "
                f"{accepted}: some event was acknowledged as new more than once, or never"
            )
    broken += stored_once_problems(url, events, deliveries=3 if code == 0 else None)
    broken += goal_problems(url, tmp_path, replicas, context)
    assert not broken, "\n".join(broken)


def test_one_sqlite_server_with_racing_clients_stores_and_counts_each_event_once(
    tmp_path: Path, fleet: Fleet
) -> None:
    """The embedded database serves one process, whose requests still run concurrently.

    SQLite takes one writer at a time, and a writer that just committed tends to take the
    lock again before the others wake up, so free-running clients often do not interleave
    at all. Here the four clients go in rounds, each sending its batch of the round at the
    same moment: the claims of the round are the same for all four, one client sends their
    `submitted` events, one every other event of theirs, two all of them in random orders.
    """
    url = f"sqlite:///{tmp_path / 'race.db'}"
    events = make_claims(f"RACE-{tag()}", 1500, seed=44)
    by_claim: dict[str, list[Raw]] = {}
    for event in events:
        by_claim.setdefault(event["claim_id"], []).append(event)
    claims = list(by_claim)
    clients = 4
    plans: list[list[tuple[int, list[Raw]]]] = [[] for _ in range(clients)]
    for n, start in enumerate(range(0, len(claims), 100)):
        group = [e for claim in claims[start : start + 100] for e in by_claim[claim]]
        orders = [
            [e for e in group if e["type"] == "submitted"],
            [e for e in group if e["type"] != "submitted"],
            shuffled(group, n),
            shuffled(group, -n - 1),
        ]
        for k, order in enumerate(orders):
            plans[k].append((k * GROUP + n, order))
    server = fleet.serve(url)
    wait_ready(server, READY_TIMEOUT)
    ledger = Ledger()
    together = threading.Barrier(clients)
    threads = [run_thread(ledger, deliver, ledger, server, plan, together) for plan in plans]
    for thread in threads:
        thread.join(timeout=180)

    def context() -> str:
        return f"{ledger.summary()}\n{server.output()}"

    assert not any(t.is_alive() for t in threads), context()
    assert not ledger.failures, context()
    broken, accepted = answer_problems(ledger.snapshot(), groups=clients)
    if sum(accepted.values()) != len(events):
        broken.append(f"{len(events)} distinct events, but the clients had {accepted} accepted")
    if sum(1 for n in accepted.values() if n) < 2:
        broken.append(f"only one client stored anything, so nothing raced: {accepted}")
    # the first two clients together deliver each event once, the other two once each
    broken += stored_once_problems(url, events, deliveries=3)
    broken += goal_problems(url, tmp_path, [server], context)
    assert not broken, "\n".join([*broken, ledger.summary(last=6)])


def test_the_same_batch_sent_to_two_replicas_at_once_is_never_rejected(
    postgres_url: str, fleet: Fleet
) -> None:
    """Redelivery is how clients recover (timeouts, retries, fan-out): four clients, two per
    replica, send the same batches of new claims' `submitted` events, in the same order, at
    the same time. Each event must be stored once and answered as accepted or duplicate,
    never rejected."""
    events = [e for e in make_claims(f"DUP-{tag()}", 3000, seed=55) if e["type"] == "submitted"]
    batches = split(events, random.Random(5), 100, 100)
    replicas = [fleet.serve(postgres_url), fleet.serve(postgres_url)]
    for replica in replicas:
        wait_ready(replica, READY_TIMEOUT)
    ledger = Ledger()
    clients = 4

    def client_thread(k: int) -> None:
        replica = replicas[k % len(replicas)]
        with httpx.Client(base_url=f"http://127.0.0.1:{replica.port}") as client:
            for i, batch in enumerate(batches):
                for retry in range(40):
                    if ledger.post(client, k * GROUP + i, batch).status != 503:
                        break
                    time.sleep(0.02 * (retry + 1))

    threads = [run_thread(ledger, client_thread, k) for k in range(clients)]
    for thread in threads:
        thread.join(timeout=180)
    assert not any(t.is_alive() for t in threads) and not ledger.failures, ledger.summary()
    broken, accepted = answer_problems(ledger.snapshot(), groups=clients)
    rejected = [
        rejection for a in ledger.snapshot() if a.acknowledged for rejection in a.body["rejected"]
    ]
    if rejected:
        broken.insert(0, f"{len(rejected)} redelivered events were rejected, e.g. {rejected[0]}")
    if sum(accepted.values()) != len(events):
        broken.append(f"{len(events)} distinct events, accepted {accepted}")
    broken += stored_once_problems(postgres_url, events, deliveries=clients)
    assert not broken, "\n".join(broken[:20])


# ------------------------------------------------------ 3b. two batches racing, step by step


def _application_engine(url: str, name: str) -> Engine:
    """An engine whose connections name themselves, to be found in pg_stat_activity."""
    return create_engine(url, connect_args={"application_name": name})


@pytest.mark.parametrize(
    "race",
    [
        pytest.param("two_new_events", id="two-new-events-of-a-stored-claim"),
        pytest.param("submitted_and_next", id="submitted-and-a-later-event"),
    ],
)
def test_two_batches_of_one_claim_committing_together_leave_its_goals_right(
    postgres_url: str, race: str, sla: SlaTimer
) -> None:
    """Two batches with different new events of one claim, in two transactions that run side
    by side and commit one right after the other: a third connection holds the row of the
    events counter, which every batch updates last, until both transactions wait (on it, or
    on each other), so both have read what they need before either commits. Whatever their
    order, the claim's goals must reflect both events, and each closure count once."""
    engine = make_engine(postgres_url)
    upgrade(engine)
    claim = f"STEP-{tag()}"

    def event(n: int, kind: str, at: str, **fields: Any) -> Raw:
        return {
            "event_id": f"{claim}-{n}",
            "claim_id": claim,
            "type": kind,
            "occurred_at": at,
            **fields,
        }

    submitted = event(1, "submitted", "2026-11-16T09:00:00+07:00", channel="online")
    submitted["branch_code"] = "JKT"
    completed = event(2, "documents_completed", "2026-11-16T10:00:00+07:00")
    if race == "two_new_events":
        before = [submitted, completed]
        first = [event(3, "documents_incomplete", "2026-11-18T10:00:00+07:00")]
        second = [event(4, "paid", "2026-11-20T10:00:00+07:00")]
    else:
        before = [event(9, "submitted", "2026-11-16T08:00:00+07:00", channel="online")]
        before[0] |= {"claim_id": f"{claim}-OTHER", "branch_code": "JKT"}
        first = [submitted]
        second = [completed]
    now = parse_rfc3339("2026-11-22T12:00:00+07:00")

    def store(db: Engine, raws: list[Raw]) -> None:
        items = parse_events(
            raws, now=now, channels=sla.config.channels, branches=sla.config.branches
        )
        result = ingest(
            db=db,
            items=items,
            received_at=now,
            goal_event_types=sla.config.goal_event_types,
        )
        assert result.accepted == len(raws) and not result.rejected, result
        recompute_stale(db=db, sla=sla, now=now)  # as the service's materialiser does next

    store(engine, before)  # the events counter row exists from here on
    holder = engine.connect()
    engines = [_application_engine(postgres_url, f"race-{claim}-{n}") for n in (1, 2)]
    ledger = Ledger()
    threads: list[threading.Thread] = []
    try:
        holder.execute(
            text(
                "SELECT value FROM metric_counters WHERE name = 'events' "
                "AND detail = 'accepted' FOR UPDATE"
            )
        )
        threads += [
            run_thread(ledger, store, db, raws)
            for db, raws in zip(engines, (first, second), strict=True)
        ]

        def both_waiting() -> bool | None:
            assert not ledger.failures, ledger.failures
            waiting = query(
                postgres_url,
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                f"AND application_name LIKE 'race-{claim}-%'",
            )[0][0]
            return True if waiting == 2 else None

        wait_for(
            both_waiting,
            timeout=60,
            what="both transactions to wait on a lock",
            context=lambda: str(ledger.failures),
        )
    finally:
        holder.rollback()  # let them commit, one after the other
        holder.close()
    for thread in threads:
        thread.join(timeout=60)
    for db in engines:
        db.dispose()
    assert not ledger.failures, ledger.failures
    try:
        stored = stored_events(postgres_url)
        assert set(stored.rows) == ids(before + first + second)
        check = verify(db=engine, sla=sla)
        claims = {e["claim_id"] for e in before + first + second}
        assert check.stale == 0 and check.claims == len(claims), check  # none skipped
        differences = [
            "{claim_id} {goal_id} {field}: stored {stored}, recomputed {recomputed}".format(
                **d.to_json()
            )
            for d in check.differences
        ]
        broken = differences + accounting_problems(postgres_url)
        assert not broken, "\n".join(broken)
    finally:
        engine.dispose()
