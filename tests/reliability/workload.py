"""Claim events to throw at sla-monitor, the record of what it acknowledged, and what it stored.

The events are valid and varied (every lifecycle step, pauses, late and on-time payments,
rejections, cancellations, collective claims with employer and amount, branches in the three
Indonesian zones), all in the past, so every answer the service gives is checkable against
the database afterwards: `stored_events` reads the `events` table back, `expected_row` says
what a sent event must look like there, and `run_verify` recomputes every claim from its
stored events (`sla-monitor verify`).

One event's record is built as the demo builds it (`sla_monitor.services.demo.claim_event`). The
claims are not the demo's (nor bench/workload.py's) random lifecycles but fixed scenarios
anchored to the wall clock's `now`, because each test must know every claim's fate (met,
late, paused, ...) and every instant must lie just in the past when it is sent; and a
claim's branch is one uniform draw among five of the registry's (in WIB, WITA and WIT), so
that a seed gives the same claims whatever else the registry holds.
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from sla_monitor.config import load_config
from sla_monitor.domain.events import FIELDS
from sla_monitor.domain.timeutil import from_datetime
from sla_monitor.services.demo import claim_event
from tests.conftest import REPOSITORY
from tests.support import processes
from tests.support.processes import serve_env

TOKEN = "test-writer-token-0123456789abcdef"  # 32+ characters, as the service requires
AUTH = {"Authorization": f"Bearer {TOKEN}"}

# Branches of each zone, WIB (JKT, BDG), WITA (DPS, MKS) and WIT (DJJ), as the served
# processes know them: from the repository's config/branches.toml.
_REGISTRY = load_config(REPOSITORY / "config").branches
BRANCHES = {code: _REGISTRY[code] for code in ("JKT", "BDG", "DPS", "MKS", "DJJ")}
SCENARIOS = (
    "met",
    "paid_late",
    "open_late",
    "open",
    "paused",
    "resumed",
    "rejected",
    "cancelled",
    "waiting",
)

Raw = dict[str, Any]


def claim_events(claim_id: str, scenario: str, rng: random.Random, now: datetime) -> list[Raw]:
    """The events of one claim; every instant lies in the past of `now`."""
    code = rng.choice(sorted(BRANCHES))
    channel = (
        "collective"
        if scenario == "met" and rng.random() < 0.4
        else rng.choice(["online", "offline"])
    )
    events: list[Raw] = []

    def add(kind: str, moment: datetime, **fields: Any) -> None:
        assert moment < now, (claim_id, kind, moment, now)
        at = from_datetime(moment)
        events.append(claim_event(claim_id, len(events) + 1, kind, at, BRANCHES[code], fields))

    jitter = timedelta(seconds=rng.randrange(0, 3600), microseconds=rng.randrange(0, 10**6))
    if scenario in ("paid_late", "open_late"):
        start = now - timedelta(days=40) + jitter  # 30+ days: past any 5-working-day deadline
    elif scenario == "open":
        start = now - timedelta(hours=3) + jitter / 4  # its last event 15+ minutes ago
    else:
        start = now - timedelta(days=rng.randrange(3, 20)) + jitter
    submitted: dict[str, Any] = {"channel": channel, "branch_code": code}
    if channel == "collective":
        submitted |= {"employer_id": f"EMP-{rng.randrange(100):03d}", "batch_id": f"B-{claim_id}"}
    if scenario != "waiting":
        add("submitted", start, **submitted)
    completed = start + timedelta(hours=2)
    add("documents_completed", completed, **({"branch_code": code} if rng.random() < 0.3 else {}))
    if scenario == "met":
        add("interview_scheduled", completed + timedelta(hours=3))
        add("verified", completed + timedelta(hours=20))
        add("approved", completed + timedelta(hours=22))
        add("paid", completed + timedelta(days=1), amount=rng.randrange(1, 10**9))
    elif scenario == "paid_late":
        add("verified", completed + timedelta(days=20))
        add("paid", completed + timedelta(days=30), amount=rng.randrange(1, 10**9))
    elif scenario == "open_late":
        add("verified", completed + timedelta(days=2))
    elif scenario == "open":
        add("interview_scheduled", completed + timedelta(minutes=30))
    elif scenario == "paused":
        add("documents_incomplete", completed + timedelta(hours=5), reason="KTP tidak terbaca")
    elif scenario == "resumed":
        add("documents_incomplete", completed + timedelta(hours=5), reason="paklaring kurang")
        add("documents_completed", completed + timedelta(days=1, hours=1))
        add("paid", completed + timedelta(days=2), amount=rng.randrange(1, 10**9))
    elif scenario == "rejected":
        add("verified", completed + timedelta(hours=4))
        add("rejected", completed + timedelta(hours=6), reason="saldo sudah dicairkan")
    elif scenario == "cancelled":
        add("cancelled", completed + timedelta(hours=1), reason="dibatalkan peserta")
    # "waiting": no submitted; its events wait for it, forever in these tests
    return events


def make_claims(prefix: str, count: int, *, seed: int, now: datetime | None = None) -> list[Raw]:
    """The events of `count` claims named `<prefix>-<n>`, claim after claim."""
    rng = random.Random(seed)
    moment = now or datetime.now(UTC) - timedelta(seconds=5)
    events: list[Raw] = []
    for n in range(count):
        scenario = SCENARIOS[n % len(SCENARIOS)]
        events += claim_events(f"{prefix}-{n:05d}", scenario, rng, moment)
    return events


def split(events: Sequence[Raw], rng: random.Random, low: int, high: int) -> list[list[Raw]]:
    """`events` in consecutive batches of `low` to `high` events."""
    out: list[list[Raw]] = []
    start = 0
    while start < len(events):
        size = rng.randint(low, high)
        out.append(list(events[start : start + size]))
        start += size
    return out


def shuffled(events: Sequence[Raw], seed: int) -> list[Raw]:
    out = list(events)
    random.Random(seed).shuffle(out)
    return out


def ids(events: Iterable[Raw]) -> set[str]:
    return {e["event_id"] for e in events}


# --------------------------------------------------------------------------- deliveries


@dataclass
class Attempt:
    """One POST of a batch and how it ended: an HTTP status, or a transport error."""

    batch: int
    events: list[Raw]
    started: float
    ended: float = 0.0
    status: int | None = None
    body: Any = None
    error: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status == 200

    def describe(self) -> str:
        outcome = self.error or f"{self.status} {json.dumps(self.body)[:300]}"
        return f"batch {self.batch} ({len(self.events)} events): {outcome}"


def post(client: httpx.Client, batch: int, events: list[Raw], timeout: float = 30.0) -> Attempt:
    attempt = Attempt(batch, events, time.monotonic())
    try:
        response = client.post("/v1/events", json={"events": events}, headers=AUTH, timeout=timeout)
    except httpx.TransportError as exc:
        attempt.error = f"{type(exc).__name__}: {exc}"
    else:
        attempt.status = response.status_code
        try:
            attempt.body = response.json()
        except ValueError:
            attempt.body = response.text
    attempt.ended = time.monotonic()
    return attempt


@dataclass
class Ledger:
    """Every attempt of every client thread, in the order they ended (thread-safe)."""

    attempts: list[Attempt] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # exceptions that ended a thread
    lock: threading.Lock = field(default_factory=threading.Lock)
    inflight: int = 0  # requests sent and not answered yet

    def record(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)

    def post(self, client: httpx.Client, batch: int, events: list[Raw]) -> Attempt:
        """`post`, counted in `inflight` while it waits, then recorded."""
        with self.lock:
            self.inflight += 1
        try:
            attempt = post(client, batch, events)
        finally:
            with self.lock:
                self.inflight -= 1
        self.record(attempt)
        return attempt

    def snapshot(self) -> list[Attempt]:
        with self.lock:
            return list(self.attempts)

    def acknowledged(self) -> list[Attempt]:
        return [a for a in self.snapshot() if a.acknowledged]

    def summary(self, last: int = 12) -> str:
        attempts = self.snapshot()
        statuses = Counter(a.error.split(":")[0] if a.error else a.status for a in attempts)
        lines = [f"{len(attempts)} attempts: {dict(statuses)}; thread failures: {self.failures}"]
        lines += [a.describe() for a in (attempts[-last:] if last else [])]
        return "\n".join(lines)


def run_thread(ledger: Ledger, target: Any, *args: Any) -> threading.Thread:
    """Start a daemon thread running target(*args); an exception it raises is recorded."""

    def body() -> None:
        try:
            target(*args)
        except BaseException as exc:  # reported by the test through ledger.failures
            with ledger.lock:
                ledger.failures.append(f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread


# --------------------------------------------------------------------------- the database

EVENT_COLUMNS = tuple(name for name in FIELDS if name != "event_id")


def _naive_utc(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite stores text
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value  # type: ignore[no-any-return]


def expected_row(raw: Mapping[str, Any]) -> tuple[Any, ...]:
    """What the `events` row of a sent event must hold (times as naive UTC)."""
    values = dict(raw)
    values["occurred_at"] = _naive_utc(datetime.fromisoformat(raw["occurred_at"]))
    return tuple(values.get(name) for name in EVENT_COLUMNS)


@dataclass
class Stored:
    rows: dict[str, tuple[Any, ...]]  # event_id -> columns of EVENT_COLUMNS
    copies: Counter[str]  # event_id -> how many rows hold it

    def twice(self) -> dict[str, int]:
        return {event_id: n for event_id, n in self.copies.items() if n > 1}

    def missing(self, wanted: Iterable[str]) -> list[str]:
        return sorted(set(wanted) - set(self.rows))

    def wrong(self, sent: Iterable[Raw]) -> list[str]:
        """Sent events stored with other content than sent (or not stored)."""
        return [
            f"{raw['event_id']}: stored {self.rows.get(raw['event_id'])} sent {expected_row(raw)}"
            for raw in sent
            if raw["event_id"] in self.rows and self.rows[raw["event_id"]] != expected_row(raw)
        ]


def stored_events(url: str) -> Stored:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            result = connection.execute(
                text(f"SELECT event_id, {', '.join(EVENT_COLUMNS)} FROM events")
            )
            rows: dict[str, tuple[Any, ...]] = {}
            copies: Counter[str] = Counter()
            for row in result:
                values = list(row[1:])
                values[2] = _naive_utc(values[2])
                rows[row[0]] = tuple(values)
                copies[row[0]] += 1
    finally:
        engine.dispose()
    return Stored(rows, copies)


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


COUNTERS_SQL = "SELECT name, channel, goal, branch, detail, value FROM metric_counters"
# A goal's breach is recorded on its row (by a rewrite) or in a breach record (by an
# evaluation, until the next rewrite folds it in).
BREACH_RECORDED_AT = (
    "COALESCE(g.breach_recorded_at, (SELECT r.recorded_at FROM goal_breach_records r "
    "WHERE r.claim_id = g.claim_id AND r.goal_id = g.goal_id))"
)
GOALS_SQL = (
    "SELECT g.channel, g.goal_id, g.branch_code, g.phase, g.ended_at, g.due_at, "
    f"{BREACH_RECORDED_AT}, g.outcome_recorded FROM claim_goals g"
)


def counter_values(url: str) -> dict[tuple[str, str, str, str, str], int]:
    """metric_counters: (name, channel, goal, branch, detail) -> value."""
    return _counters(query(url, COUNTERS_SQL))


def _counters(rows: list[tuple[Any, ...]]) -> dict[tuple[str, str, str, str, str], int]:
    return {(row[0], row[1], row[2], row[3], row[4]): int(row[5]) for row in rows}


def snapshot_query(url: str, *sqls: str) -> list[list[tuple[Any, ...]]]:
    """The rows of each query, all read in one snapshot of the database (one repeatable-read
    transaction on PostgreSQL, one explicit read transaction on SQLite): a service still
    writing cannot commit between them."""
    engine = create_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            # pysqlite begins no transaction for a SELECT: begin one on the driver itself.
            raw = sqlite3.connect(engine.url.database or "", isolation_level=None)
            try:
                raw.execute("BEGIN")
                return [[tuple(row) for row in raw.execute(sql)] for sql in sqls]
            finally:
                raw.close()
        repeatable = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        with repeatable as connection, connection.begin():
            return [[tuple(row) for row in connection.execute(text(sql))] for sql in sqls]
    finally:
        engine.dispose()


def accounting_problems(url: str) -> list[str]:
    """Where the metric counters disagree with the goals they count (none: all counted once).

    In these workloads no goal is cancelled after a stop, so each stopped goal was closed
    exactly once, whatever order its events came in; and a breach, once recorded on a goal,
    stays recorded (and counted) forever. The counters and the goals are read in one
    snapshot: a goal and its counters are committed together, but a service that is still
    recomputing claims could commit between two separate reads.
    """
    counter_rows, goal_rows = snapshot_query(url, COUNTERS_SQL, GOALS_SQL)
    values = _counters(counter_rows)
    closed: Counter[tuple[str, str, str]] = Counter()
    breaches: Counter[tuple[str, str, str]] = Counter()
    for (name, channel, goal, branch, _detail), value in values.items():
        if name == "closed":
            closed[(channel, goal, branch)] += value
        elif name == "breaches":
            breaches[(channel, goal, branch)] += value
    stopped: Counter[tuple[str, str, str]] = Counter()
    recorded: Counter[tuple[str, str, str]] = Counter()
    problems = []
    for channel, goal, branch, phase, ended, due, breach_at, outcome in goal_rows:
        key = (channel, goal, branch)
        if phase == "stopped":
            stopped[key] += 1
            actual = "breached" if _naive_utc(ended) > _naive_utc(due) else "met"
            if outcome != actual:
                problems.append(f"a stopped goal {key} is {actual} but recorded {outcome!r}")
        if breach_at is not None:
            recorded[key] += 1
    for key in sorted(set(closed) | set(stopped)):
        if closed[key] != stopped[key]:
            problems.append(
                f"closed counter {key} = {closed[key]}, but {stopped[key]} goals are stopped"
            )
    for key in sorted(set(breaches) | set(recorded)):
        if breaches[key] != recorded[key]:
            problems.append(
                f"breaches counter {key} = {breaches[key]}, "
                f"but {recorded[key]} goals have a recorded breach"
            )
    return problems


def run_cli(
    url: str, *args: str, cwd: Path, timeout: float = 120, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    extra = {"COLUMNS": "200", **(env or {})}
    return processes.run_cli(
        *args, env=serve_env(url, token=TOKEN, interval=1, extra=extra), cwd=cwd, timeout=timeout
    )


def run_verify(url: str, cwd: Path, env: Mapping[str, str] | None = None) -> str | None:
    """None when `sla-monitor verify` finds every stored goal equal to its recomputation;
    else what it printed."""
    done = run_cli(url, "verify", "--show", "8", cwd=cwd, env=env)
    if done.returncode == 0:
        return None
    return (
        f"sla-monitor verify exited {done.returncode}\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    )


def by_batch(attempts: Iterable[Attempt]) -> dict[int, list[Attempt]]:
    out: defaultdict[int, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        out[attempt.batch].append(attempt)
    return dict(out)


def metric(client: httpx.Client, name: str, **labels: str) -> float | None:
    """The value of the one sample `name` whose labels include `labels`, from /metrics."""
    response = client.get("/metrics")
    assert response.status_code == 200, f"/metrics answered {response.status_code}"
    found = [
        sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    ]
    assert len(found) <= 1, f"{name}{labels} matches {len(found)} series"
    return float(found[0]) if found else None
