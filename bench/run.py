"""Run the sla-monitor benchmarks and write a Markdown table (see bench/README.md).

    python -m bench.run                      # the full suite (docs/architecture.md#scale; about an hour)
    python -m bench.run --quick              # a small version, well under two minutes
    python -m bench.run --sizes 10000 100000 --import-events 200000 --runs 3

Every timing is the median of `--runs` runs; every reference is measured in this process, on
the same data, in the same run. Progress goes to standard error; the table to `--out`.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import itertools
import json
import math
import os
import platform
import queue
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Engine as DbEngine
from sqlalchemy import create_engine, delete, insert, select, text, update
from sqlalchemy.engine import make_url

from sla_monitor.config import load_config
from sla_monitor.domain.calendar import DAY_UNITS
from sla_monitor.domain.goals import ClockEvent, record, trace
from sla_monitor.domain.policy import Goal, SlaConfig
from sla_monitor.domain.spelling import FileReading
from sla_monitor.domain.timer import Claim, SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.render.tables import BREACH_ROWS as TABLE_BREACHES
from sla_monitor.services.backlog import BacklogQuery, backlog
from sla_monitor.services.evaluate import evaluate
from sla_monitor.services.import_files import BATCH as IMPORT_BATCH
from sla_monitor.services.import_files import parse_lines, read_jsonl
from sla_monitor.services.reports import (
    Period,
    daily_report,
    default_report_as_of,
    period_report,
    report_window,
)
from sla_monitor.store import day_counts, evaluator
from sla_monitor.store.backlog import BATCH as BACKLOG_FETCH
from sla_monitor.store.db import make_engine, session_scope, upgrade
from sla_monitor.store.queries import stale_claims
from sla_monitor.store.tables import BREACH_RECORDS, OPEN_COUNTS, GoalRow

from . import floors, reference, workload
from .processes import (
    SLA_MONITOR,
    BenchError,
    Process,
    machine_busy_seconds,
    run_measured,
    serve_env,
    start_serve,
    wait_ready,
)
from .workload import (
    DAY_US,
    END_DATE,
    Workload,
    claims_for_events,
    end_instant,
    fill_store,
    write_events,
)

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = os.environ.get(
    "SLA_MONITOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
GROUPS = ("deadlines", "import", "http", "evaluation", "report")
TOKEN = "bench-token-0123456789abcdef"
SERVE_GRACE = 40.0  # seconds a serve over a large store gets to stop after SIGTERM
MB = 1024  # kB in a MB (RSS figures are in MiB)
NA = "—"
CORES = os.cpu_count() or 1
# The backlog is asked a month after the workload's end, when the deadline of every goal
# still open then has passed: tens of thousands of breached goals at 1M claims.
BACKLOG_LATER_DAYS = 30
BACKLOG_MEMORY_MB = 32  # the most the backlog may hold while streaming, whatever its rows
LONG_TARGET_DAYS = 60  # a second deadline row: how the walk and the calendar grow with the target


# --------------------------------------------------------------------------- plan and output


@dataclass
class Plan:
    quick: bool
    runs: int
    sizes: list[int]  # claims in the stores: evaluation (open), report and /metrics (history)
    import_events: int
    http_events: int
    http_clients: int
    http_batch: int
    deadline_goals: int
    materialise_claims: int
    scrapes: int
    scrape_pause: float
    backends: list[str]
    groups: list[str]
    seed: int


def make_plan(args: argparse.Namespace) -> Plan:
    quick = bool(args.quick)
    sizes = args.sizes or ([1_000, 10_000] if quick else [100_000, 1_000_000])
    return Plan(
        quick=quick,
        runs=args.runs or (1 if quick else 3),
        sizes=sorted(set(sizes)),
        import_events=args.import_events or (20_000 if quick else 1_000_000),
        http_events=args.http_events or (5_000 if quick else 200_000),
        http_clients=args.clients,
        http_batch=500,
        deadline_goals=args.deadline_goals or (20_000 if quick else 1_000_000),
        materialise_claims=args.materialise_claims or (2_000 if quick else 100_000),
        scrapes=args.scrapes or (50 if quick else 200),
        scrape_pause=0.01 if quick else 0.05,
        backends=[b for b in ("sqlite", "postgresql") if b in args.backends],
        groups=[g for g in GROUPS if g not in (args.skip or [])],
        seed=args.seed,
    )


@dataclass
class Row:
    benchmark: str
    figure: str
    target: str = NA
    reference: str = NA
    ratio: str = NA
    met: str = NA


SECTIONS = (
    ("deadline", "goal materialisation"),
    ("`sla-monitor import` of", "import:"),
    ("HTTP ingest",),
    ("evaluation",),
    ("Day counts", "`daily_report`", "`period_report`", "`backlog`", "report / metrics"),
    ("`/metrics`",),
)


def section(row: Row) -> int:
    """Where a row goes in the table: by benchmark, memory figures last."""
    if "peak RSS" in row.benchmark:
        return len(SECTIONS)
    for index, prefixes in enumerate(SECTIONS):
        if row.benchmark.startswith(prefixes):
            return index
    return len(SECTIONS) + 1


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def rate(count: float, seconds: float, unit: str) -> str:
    return f"{count / seconds:,.0f} {unit}/s" if seconds > 0 else f"∞ {unit}/s"


def spread_over_cores(cpu_seconds: float, events: int) -> tuple[float, str]:
    """The least wall time `cpu_seconds` of work takes spread perfectly over every core, and
    it said with the most events/s it allows."""
    least = cpu_seconds / CORES
    return (
        least,
        f"spread over {CORES} cores, at least {secs(least)}, at most {rate(events, least, 'events')}",
    )


def secs(value: float) -> str:
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


# --------------------------------------------------------------------------- stores


@dataclass
class Store:
    backend: str
    url: str
    schema: str | None = None


class Stores:
    """Fresh databases: a SQLite file in the work folder, or a PostgreSQL schema."""

    def __init__(self, work: Path, postgres_url: str | None, kept: Path | None = None):
        self.work = work
        self.postgres_url = postgres_url
        self.kept_dir = kept  # --stores: history stores kept and reused across runs
        self.postgres_problem: str | None = None
        self.postgres_version: str | None = None
        if postgres_url is None:
            self.postgres_problem = "disabled (--backends)"
            return
        try:
            probe = create_engine(postgres_url, connect_args={"connect_timeout": 3})
            with probe.connect() as connection:
                self.postgres_version = str(
                    connection.execute(text("SHOW server_version")).scalar()
                )
            probe.dispose()
        except Exception as exc:  # any failure to connect means: skip PostgreSQL
            self.postgres_problem = f"unreachable at {postgres_url}: {exc}".splitlines()[0]

    def available(self, backend: str) -> bool:
        return backend == "sqlite" or self.postgres_problem is None

    @contextmanager
    def fresh(self, backend: str, name: str) -> Iterator[Store]:
        if backend == "sqlite":
            path = self.work / f"{name}-{uuid.uuid4().hex[:6]}.db"
            try:
                yield Store(backend, f"sqlite:///{path}")
            finally:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        assert self.postgres_url is not None
        schema = f"bench_{name}_{uuid.uuid4().hex[:8]}".lower()
        admin = create_engine(self.postgres_url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in self.postgres_url else "?"
        try:
            yield Store(
                backend, f"{self.postgres_url}{sep}options=-csearch_path%3D{schema}", schema
            )
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    @contextmanager
    def history(self, backend: str, name: str) -> Iterator[tuple[Store, str | None]]:
        """A store for `name` and, when it was filled by an earlier run and kept (--stores),
        how it was filled; else a fresh one (None), kept afterwards when --stores is given
        (call `filled` once it is full)."""
        if self.kept_dir is None:
            with self.fresh(backend, name) as store:
                yield store, None
            return
        marker = self._marker(backend, name)
        done = marker.read_text(encoding="utf-8") if marker.exists() else None
        if backend == "sqlite":
            path = self.kept_dir / f"{name}.db"
            if done is None:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            yield Store(backend, f"sqlite:///{path}"), done
            return
        assert self.postgres_url is not None
        schema = f"bench_kept_{name}".lower()
        admin = create_engine(self.postgres_url)
        with admin.begin() as connection:
            found = text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s")
            if connection.execute(found, {"s": schema}).first() is None:
                done = None
            if done is None:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        sep = "&" if "?" in self.postgres_url else "?"
        yield (
            Store(backend, f"{self.postgres_url}{sep}options=-csearch_path%3D{schema}", schema),
            done,
        )

    def filled(self, backend: str, name: str, how: str) -> None:
        """Mark a kept store as full, so a later run reuses it."""
        if self.kept_dir is not None:
            self._marker(backend, name).write_text(how, encoding="utf-8")

    def _marker(self, backend: str, name: str) -> Path:
        assert self.kept_dir is not None
        return self.kept_dir / f"{name}-{backend}.filled"

    def conninfo(self) -> str:
        """The PostgreSQL URL for psycopg itself (no SQLAlchemy driver name)."""
        assert self.postgres_url is not None
        return make_url(self.postgres_url).set(drivername="postgresql").render_as_string(False)


def migrated(url: str) -> DbEngine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


# --------------------------------------------------------------------------- the suite


@dataclass
class Suite:
    plan: Plan
    work: Path
    config_dir: Path
    config: SlaConfig
    sla: SlaTimer
    stores: Stores
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # the service misbehaved under load
    import_rates: dict[str, float] = field(default_factory=dict)
    parse_seconds: float | None = None  # `parse_lines` of the import file (parsing)
    core_seconds: float | None = None  # the SLA core over its histories (floors.py)
    floor_writes: dict[str, tuple[float, int]] = field(default_factory=dict)  # rows written raw
    # The last import's CPU seconds: its own, and the whole machine's while it ran.
    import_cpu: dict[str, tuple[float, float]] = field(default_factory=dict)
    import_file: Path | None = None
    code_at_start: str = ""
    import_lines: int = 0

    def add(self, row: Row) -> None:
        self.rows.append(row)
        log(f"  {row.benchmark}: {row.figure} (reference {row.reference}, ratio {row.ratio})")

    @contextmanager
    def guard(self, name: str) -> Iterator[None]:
        """A failing benchmark becomes an error row; the others still run."""
        log(f"{name} ...")
        started = time.perf_counter()
        try:
            yield
        except Exception as exc:
            detail = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            self.errors.append(f"{name}: {detail}")
            self.rows.append(Row(name, f"error: {detail}"))
            log(f"{name} FAILED: {detail}\n{traceback.format_exc()}")
        else:
            log(f"{name} done in {time.perf_counter() - started:.1f} s")

    def skipped(self, name: str, backend: str) -> bool:
        if self.stores.available(backend):
            return False
        self.rows.append(Row(name, f"skipped: PostgreSQL {self.stores.postgres_problem}"))
        return True

    # ----------------------------------------------------------------- deadlines

    def deadlines(self) -> None:
        goal = next(g for p in self.config.policies for g in p.goals)
        self._deadlines(goal, goal.target.amount, "")
        # The same calendars with a longer target: the walk grows with the days walked, the
        # calendar's searches do not. The configured target above is the figure that counts.
        self._deadlines(goal, LONG_TARGET_DAYS, f", a {LONG_TARGET_DAYS}-working-day target")
        self._materialisation()

    def _materialisation(self) -> None:
        plan = self.plan
        name = f"goal materialisation (`SlaTimer.records`), {plan.materialise_claims:,} claims"
        with self.guard(name):
            claims = self._claims_with_history(plan.materialise_claims)
            records = self.sla.records
            runs = [
                timed(lambda: [records(c, evs) for c, evs in claims])[0] for _ in range(plan.runs)
            ]
            goals = sum(len(records(c, evs)[1]) for c, evs in claims)
            events = sum(len(e) for _, e in claims)
            self.add(
                Row(
                    f"{name} ({events / max(1, len(claims)):.1f} events, "
                    f"{goals / max(1, len(claims)):.2f} goals a claim)",
                    f"{rate(len(claims), median(runs), 'claims')} ({secs(median(runs))})",
                )
            )

    def _deadlines(self, goal: Goal, days: int, what: str) -> None:
        plan = self.plan
        name = f"deadline computation, {plan.deadline_goals:,} goals{what}"
        with self.guard(name):
            if goal.target.unit != "working_days":
                raise BenchError(f"goal {goal.id!r} is not in working days: no day-by-day walk")
            rng = random.Random(plan.seed)
            zones = sorted({b.timezone for b in self.config.branches.values()})
            low = parse_rfc3339("2024-01-01T00:00:00+07:00")
            high = parse_rfc3339("2027-12-31T00:00:00+07:00")
            starts: dict[str, list[int]] = {z: [] for z in zones}
            for _ in range(plan.deadline_goals):
                starts[zones[rng.randrange(len(zones))]].append(rng.randrange(low, high))
            unit, calendar, target = goal.target.unit, goal.calendar, days * DAY_UNITS
            build, times = timed(
                lambda: {
                    z: self.sla.calendars.working_time(unit, calendar, ZoneInfo(z)) for z in zones
                }
            )
            naive = reference.DayByDay(self.config.calendars[calendar])

            def real() -> dict[str, list[int]]:
                out = {}
                for zone, values in starts.items():
                    w = times[zone]
                    count_from, advance, deadline = w.count_from, w.advance, w.deadline
                    out[zone] = [deadline(advance(count_from(s), target)) for s in values]
                return out

            def walk() -> dict[str, list[int]]:
                out = {}
                for zone, values in starts.items():
                    info = ZoneInfo(zone)
                    out[zone] = [naive.deadline(s, info, days) for s in values]
                return out

            real_runs, walk_runs = [], []
            real_out: dict[str, list[int]] = {}
            walk_out: dict[str, list[int]] = {}
            for run in range(plan.runs):
                seconds, real_out = timed(real)
                real_runs.append(seconds)
                seconds, walk_out = timed(walk)
                walk_runs.append(seconds)
                log(f"  run {run + 1}: calendar {real_runs[-1]:.2f} s, walk {walk_runs[-1]:.2f} s")
            differing = sum(
                a != b for z in zones for a, b in zip(real_out[z], walk_out[z], strict=True)
            )
            # The expression timed above is what the clock stores: check it on a sample.
            configured = days == goal.target.amount
            sample = [
                (z, i, s)
                for z in zones
                for i, s in enumerate(starts[z][:300] if configured else [])
            ]
            stored = sum(
                record(
                    goal, trace(goal, [ClockEvent("e", "documents_completed", s)]), times[z]
                ).due_at
                != real_out[z][i]
                for z, i, s in sample
            )
            real_rate = plan.deadline_goals / median(real_runs)
            walk_rate = plan.deadline_goals / median(walk_runs)
            factor = real_rate / walk_rate
            ok = real_rate >= 500_000 and factor >= 50 and differing == 0 and stored == 0
            self.add(
                Row(
                    name,
                    f"{real_rate:,.0f} goals/s ({secs(median(real_runs))})",
                    "≥ 500,000 goals/s and ≥ 50x reference" if configured else NA,
                    f"day-by-day walk: {walk_rate:,.0f} goals/s",
                    f"{factor:.1f}x",
                    yes(ok) if configured else NA,
                )
            )
            if configured:
                self.notes.append(
                    f"Deadlines: `count_from` → `advance(target)` → `deadline` of the built "
                    f"`WorkingTime` per zone ({', '.join(zones)}), starts uniform over "
                    f"2024-2027; building the calendars once took {build:.2f} s (not timed). "
                    f"The walk and the calendar differ on {differing} of "
                    f"{plan.deadline_goals:,} goals; `clock.record` differs from the timed "
                    f"expression on {stored} of {len(sample)}."
                )
            else:
                self.notes.append(
                    f"Deadlines, {days} working days: the same starts; the walk and the "
                    f"calendar differ on {differing} of {plan.deadline_goals:,} goals."
                )
            if differing or stored:
                raise BenchError(f"{differing + stored} deadlines differ from the reference")

    def _claims_with_history(self, count: int) -> list[tuple[Claim, list[ClockEvent]]]:
        load = Workload(count, seed=self.plan.seed, prefix="MAT")
        return floors.claim_histories(workload.events(self.config, load))

    # ----------------------------------------------------------------- import

    def prepare_import_file(self) -> Path:
        if self.import_file is None:
            path = self.work / "import.jsonl"
            stats = workload.Stats()
            needed = max(
                self.plan.import_events if "import" in self.plan.groups else 0,
                self.plan.http_events if "http" in self.plan.groups else 0,
            )
            load = Workload(claims_for_events(needed), seed=self.plan.seed)
            self.import_lines = write_events(path, self.config, load, limit=needed, stats=stats)
            self.import_file = path
            self.notes.append(
                f"Import file: the first {self.import_lines:,} deliveries of "
                f"{load.describe()} ({stats.events_per_claim():.1f} events a claim, "
                f"{path.stat().st_size / 1e6:.0f} MB of JSONL)."
            )
        return self.import_file

    def _import_command(self, url: str, path: Path) -> list[str]:
        return [
            *SLA_MONITOR,
            "--database-url",
            url,
            "--config-dir",
            str(self.config_dir),
            "import",
            str(path),
        ]

    def _import_once(
        self,
        backend: str,
        path: Path,
        expected: int,
        afterwards: Callable[[Store], None] | None = None,
    ) -> tuple[float, int]:
        """Seconds and peak RSS (kB) of one import into a fresh store; `afterwards` is given
        the filled store before it is dropped."""
        with self.stores.fresh(backend, "import") as store:
            migrated(store.url).dispose()
            done = run_measured(
                self._import_command(store.url, path),
                env=serve_env(store.url, config_dir=self.config_dir),
                cwd=self.work,
                timeout=7200,
                marker="sla_monitor",
            )
            if done.returncode == 0 and afterwards is not None:
                afterwards(store)
        if done.returncode != 0:
            raise BenchError(
                f"sla-monitor import exited {done.returncode}: {(done.stdout + done.stderr)[-500:]}"
            )
        found = re.search(r"accepted (\d+), duplicates (\d+), rejected (\d+)", done.stdout)
        if not found or sum(int(n) for n in found.groups()) != expected:
            raise BenchError(f"sla-monitor import did not count {expected} lines: {done.stdout!r}")
        self.import_cpu[backend] = (done.cpu_seconds, done.machine_cpu_seconds)
        return done.seconds, done.max_rss_kb

    def _write_floor(self, store: Store) -> None:
        """Seconds to write the rows an import left in `store` raw into a fresh store."""
        db = make_engine(store.url)
        try:
            stored = floors.stored_rows(db)
        finally:
            db.dispose()
        with self.stores.fresh(store.backend, "floor") as target:
            migrated(target.url).dispose()
            if target.schema is None:
                seconds = floors.write_sqlite(stored, Path(make_url(target.url).database or ""))
            else:
                seconds = floors.write_postgres(stored, self.stores.conninfo(), target.schema)
        self.floor_writes[store.backend] = (seconds, sum(len(s.rows) for s in stored))

    def _floors(
        self, name: str, n: int, seconds: float, written: float, rows: int, path: Path
    ) -> None:
        """What the import cannot do without (floors.py), beside what it took."""
        if self.core_seconds is None:
            claims = floors.histories(path)
            self.core_seconds = median(
                [floors.core_seconds(self.sla, claims) for _ in range(self.plan.runs)]
            )
        parse = self.parse_seconds or 0.0
        total = parse + self.core_seconds + written
        self.add(
            Row(
                f"{name}: its floors (parse + SLA core + its {rows:,} rows written raw, "
                f"{rows / n:.2f} an event)",
                f"{secs(parse)} + {secs(self.core_seconds)} + {secs(written)} = {secs(total)}",
                reference=f"the import: {secs(seconds)}",
                ratio=f"{total / seconds:.0%}",
            )
        )

    def _cpu_budget(self, name: str, n: int, own: float, machine: float, reference: float) -> None:
        """The CPU the last import used, its own and the machine's (the database server's),
        and the rate that work would reach spread perfectly over every core."""
        least, spread = spread_over_cores(machine, n)
        self.add(
            Row(
                f"{name}: its CPU time, and the most that work allows on {CORES} cores",
                f"{secs(own)} in the import, {secs(max(0.0, machine - own))} in the rest of the "
                f"machine (the database, the benchmark's sampling): {secs(machine)}; {spread}",
                reference=f"the indexed reference: {reference:,.0f} rows/s",
                ratio=f"{(n / least) / reference:.1%}" if least > 0 else NA,
            )
        )

    def _parse_once(self, path: Path, decode_only: bool) -> float:
        """Seconds to parse the file's lines as an import does (`parse_lines`, batch by batch,
        the rules of `sla-monitor import`), or only to `json.loads` them; reading not timed."""
        config, seconds = self.config, 0.0
        reading = FileReading.of(config.channels, config.branches, assume_local=False)
        channels, branches = tuple(config.channels), frozenset(config.branches)
        now = int(time.time() * 1_000_000)
        with path.open("rb") as source:
            lines = read_jsonl(source, lambda size: None)
            while batch := list(itertools.islice(lines, IMPORT_BATCH)):
                started = time.perf_counter()
                if decode_only:
                    for line in batch:
                        json.loads(line.json or "")
                else:
                    parse_lines(
                        batch, now=now, channels=channels, branches=branches, reading=reading
                    )
                seconds += time.perf_counter() - started
        return seconds

    def parsing(self, path: Path, n: int) -> None:
        name = f"event parsing: `parse_lines` of {n:,} JSONL lines (decode and every rule)"
        with self.guard(name):
            runs: dict[bool, list[float]] = {False: [], True: []}
            for _ in range(self.plan.runs):  # alternating, so both see the same machine
                for decode_only, times in runs.items():
                    times.append(self._parse_once(path, decode_only))
            figure, decoded = median(runs[False]), median(runs[True])
            self.parse_seconds = figure
            self.add(
                Row(
                    name,
                    rate(n, figure, "events"),
                    reference=f"`json.loads` of the same lines alone: {rate(n, decoded, 'lines')}",
                    ratio=f"{decoded / figure:.0%}",
                )
            )
            self.notes.append(
                "Parsing: in this process, the import file's lines read first (not timed), then "
                "`parse_lines` in batches as `sla-monitor import` parses them (JSON decoded and "
                "typed in C by msgspec, every rule of the one event parser run on the values); "
                "the reference only decodes the same lines with `json.loads`, checking nothing."
            )

    def imports(self) -> None:
        plan = self.plan
        with self.guard("import: prepare the event file"):
            path = self.prepare_import_file()
        if self.import_file is None:
            return
        n = self.import_lines
        if n > plan.import_events:  # the file was made longer for the HTTP benchmark
            path, n = self.work / "import-head.jsonl", plan.import_events
            with self.import_file.open("rb") as source:
                path.write_bytes(b"".join(itertools.islice(source, n)))
        self.parsing(path, n)
        one = self.work / "one.jsonl"
        with path.open("rb") as source:
            one.write_bytes(source.readline())
        startup: dict[str, float] = {}
        for backend in plan.backends:
            label = "SQLite" if backend == "sqlite" else "PostgreSQL"
            name = f"`sla-monitor import` of {n:,} events, {label}"
            if self.skipped(name, backend):
                continue
            with self.guard(name):
                startup[backend] = self._import_once(backend, one, 1)[0]
                runs, rss = [], []
                for run in range(plan.runs):
                    last = run == plan.runs - 1
                    seconds, peak = self._import_once(
                        backend,
                        path,
                        n,
                        self._write_floor if last else None,
                    )
                    runs.append(seconds)
                    rss.append(peak)
                    log(f"  run {run + 1}: {seconds:.1f} s, peak RSS {peak / MB:.0f} MB")
                figure = median(runs)
                self.import_rates[backend] = n / figure
                warm = figure - startup[backend]
                shown = f"{rate(n, figure, 'events')} ({secs(figure)}"
                if warm > 0:
                    shown += f"; {rate(n, warm, 'events')} without start-up)"
                else:
                    shown += ")"
                if backend == "sqlite":
                    refs: dict[bool, list[float]] = {False: [], True: []}
                    for _ in range(plan.runs):
                        for indexed, times in refs.items():
                            raw_db = self.work / f"raw-{uuid.uuid4().hex[:6]}.db"
                            try:
                                times.append(reference.raw_sqlite(path, raw_db, indexed=indexed)[1])
                            finally:
                                for suffix in ("", "-wal", "-shm"):
                                    Path(f"{raw_db}{suffix}").unlink(missing_ok=True)
                    raw_rate, indexed_rate = (n / median(refs[k]) for k in (False, True))
                    share = (n / figure) / indexed_rate
                    # Issue 21's targets: 30% of the indexed reference, and 30,000 events/s
                    # at a million events.
                    floor = 30_000 if n >= 1_000_000 else 0
                    self.add(
                        Row(
                            name,
                            shown,
                            "≥ 30% of reference" + (" and ≥ 30,000 events/s" if floor else ""),
                            f"raw `executemany` into a table with the events' two indexes: "
                            f"{indexed_rate:,.0f} rows/s",
                            f"{share:.1%}",
                            yes(share >= 0.30 and n / figure >= floor),
                        )
                    )
                    self.add(
                        Row(
                            f"{name}, against a table without indexes",
                            rate(n, figure, "events"),
                            NA,
                            f"raw `executemany`: {raw_rate:,.0f} rows/s",
                            f"{(n / figure) / raw_rate:.1%}",
                        )
                    )
                else:
                    copies: dict[str, list[float]] = {"many": [], "copy": [], "indexed": []}
                    for _ in range(plan.runs):
                        for kind, times in copies.items():
                            with self.stores.fresh(backend, "raw") as store:
                                assert store.schema is not None
                                if kind == "many":
                                    measure = reference.raw_postgres_executemany
                                    times.append(
                                        measure(path, self.stores.conninfo(), store.schema)[1]
                                    )
                                else:
                                    times.append(
                                        reference.raw_postgres_copy(
                                            path,
                                            self.stores.conninfo(),
                                            store.schema,
                                            indexed=kind == "indexed",
                                        )[1]
                                    )
                    many_rate, copy_rate, indexed_rate = (
                        n / median(copies[k]) for k in ("many", "copy", "indexed")
                    )
                    share = (n / figure) / indexed_rate
                    self.add(
                        Row(
                            name,
                            shown,
                            "≥ 30% of reference",
                            f"raw `COPY` into a table with the events' two indexes: "
                            f"{indexed_rate:,.0f} rows/s",
                            f"{share:.1%}",
                            yes(share >= 0.30),
                        )
                    )
                    for what, reference_rate in (
                        ("`COPY` into a table without indexes", copy_rate),
                        ("`executemany` into a table without indexes", many_rate),
                    ):
                        self.add(
                            Row(
                                f"{name}, against {what.split(' into')[0]} without indexes",
                                rate(n, figure, "events"),
                                NA,
                                f"raw {what}: {reference_rate:,.0f} rows/s",
                                f"{(n / figure) / reference_rate:.1%}",
                            )
                        )
                if backend in self.floor_writes:
                    self._floors(name, n, figure, *self.floor_writes[backend], path)
                self._cpu_budget(name, n, *self.import_cpu[backend], indexed_rate)
                self.add(
                    Row(
                        f"`sla-monitor import` peak RSS, {label}",
                        f"{median(rss) / MB:.0f} MB (max {max(rss) / MB:.0f} MB)",
                        "< 500 MB",
                        ratio=NA,
                        met=yes(max(rss) < 500 * MB),
                    )
                )
        if startup:
            self.notes.append(
                "Import: a subprocess `python -m sla_monitor import FILE` into a fresh, migrated "
                "database, timed from start to exit (start-up included: importing one event takes "
                + ", ".join(f"{secs(s)} on {b}" for b, s in startup.items())
                + "); peak RSS: its VmHWM, sampled every 20 ms. References: the same lines JSON-decoded and "
                "inserted into a plain table with the same columns (no index, no claims or "
                "goals), 5,000 rows a transaction, SQLite with WAL and synchronous=FULL as "
                "sla-monitor runs it; and into the same table with the two indexes the events "
                "table cannot do without (unique event_id, the idempotency key; claim_id and "
                "occurred_at, each claim's history), repeated event_ids skipped (SQLite: "
                "`executemany` of INSERT OR IGNORE; PostgreSQL: `COPY` of the ids not copied "
                "before): the floor the store's own event rows put under an import, and the "
                "reference of the targets."
            )

    # ----------------------------------------------------------------- HTTP ingest

    def http(self) -> None:
        plan = self.plan
        with self.guard("HTTP ingest: prepare the batches"):
            path = self.prepare_import_file()
            events: list[dict[str, Any]] = []
            with path.open("rb") as source:
                for line in source:
                    if len(events) >= plan.http_events:
                        break
                    events.append(json.loads(line))
            bodies = [
                json.dumps({"events": events[i : i + plan.http_batch]}).encode()
                for i in range(0, len(events), plan.http_batch)
            ]
        if not events:
            return
        for backend in plan.backends:
            label = "SQLite" if backend == "sqlite" else "PostgreSQL"
            name = (
                f"HTTP ingest of {len(events):,} events, {label}, "
                f"{plan.http_clients} clients x batches of {plan.http_batch}"
            )
            if self.skipped(name, backend):
                continue
            with self.guard(name):
                rates, acks, peaks, retries, failures = [], [], [], 0, []
                cpu: list[float] = []
                for run in range(plan.runs):
                    posted = self._http_once(backend, bodies)
                    stored = posted.counted + posted.failed_events
                    if stored != len(events):
                        raise BenchError(f"the server counted {stored} of {len(events)} events")
                    rates.append(posted.counted / posted.settled)
                    acks.append(posted.counted / posted.seconds)
                    peaks.append(posted.peak_kb)
                    cpu.append(posted.machine_cpu)
                    retries += posted.retried
                    failures += posted.errors
                    log(
                        f"  run {run + 1}: answered in {posted.seconds:.1f} s, goals recomputed "
                        f"after {posted.settled:.1f} s, {posted.retried} retried, "
                        f"{len(posted.errors)} failed batches"
                    )
                figure = median(rates)
                imported = self.import_rates.get(backend)
                shown = (
                    f"{figure:,.0f} events/s ({secs(len(events) / figure)} until every goal was "
                    f"recomputed; every batch answered at {median(acks):,.0f} events/s)"
                )
                if failures:
                    shown += f"; {len(failures)} of {len(bodies) * plan.runs} batches failed"
                self.add(
                    Row(
                        name,
                        shown,
                        "≥ 10,000 events/s, no failed batch",
                        f"import: {imported:,.0f} events/s" if imported else "import: not measured",
                        f"{figure / imported:.2f}x" if imported else NA,
                        yes(figure >= 10_000 and not failures),
                    )
                )
                self.notes.append(
                    f"HTTP ingest, {label}: a real `sla-monitor serve` (evaluation every 30 s), "
                    f"{plan.http_clients} httpx clients posting pre-encoded batches; events/s "
                    "counts the events of the batches answered 200, over the time from the first "
                    "post until no claim was left waiting for its goals to be recomputed (the "
                    f"leader's materialiser, woken by each post); {retries} batches answered "
                    f"503 and were retried; serve peak RSS {max(peaks) / MB:.0f} MB."
                )
                least, spread = spread_over_cores(median(cpu), len(events))
                self.add(
                    Row(
                        f"{name}: the machine's CPU time, and the most that work allows on "
                        f"{CORES} cores",
                        f"{secs(median(cpu))} of CPU in every process (serve, the database, the "
                        f"clients, this benchmark's polling); {spread}",
                        "≥ 10,000 events/s",
                        ratio=NA,
                        met=yes(len(events) / least >= 10_000) if least > 0 else NA,
                    )
                )
                if failures:
                    self.findings.append(
                        f"HTTP ingest, {label}: {len(failures)} of {len(bodies) * plan.runs} "
                        f"batches failed; first: {failures[0]}. (About 1% of events are delivered "
                        "twice; when the two copies are in batches posted at the same time, the "
                        "second insert hits the unique event_id.)"
                    )

    def _serve(self, url: str, *, interval: int) -> Process:
        """`sla-monitor serve` over a migrated store, evaluating every `interval` seconds."""
        return start_serve(
            "serve",
            url,
            "--no-migrate",
            cwd=self.work,
            token=TOKEN,
            interval=interval,
            config_dir=self.config_dir,
        )

    def _http_once(self, backend: str, bodies: list[bytes]) -> Posted:
        with self.stores.fresh(backend, "http") as store:
            migrated(store.url).dispose()
            serve = self._serve(store.url, interval=30)
            db = make_engine(store.url)
            try:
                wait_ready(serve, timeout=120)
                busy = machine_busy_seconds()
                posted = post_all(serve.base_url, bodies, self.plan.http_clients)
                # The claims' goals are recomputed after the acknowledgement (the leader's
                # materialiser): the figure counts until the last of them is done.
                posted.settled = posted.seconds + settled_after(db, timeout=600)
                posted.machine_cpu = machine_busy_seconds() - busy
                posted.peak_kb = serve.rss_kb()[1]
                if posted.errors:  # the server's own words: the last error line of its log
                    said = [ln for ln in serve.output(200_000).splitlines() if "Error:" in ln]
                    if said:
                        posted.errors[0] += f" (serve log: {said[-1].strip()[:300]})"
            finally:
                serve.stop(grace=SERVE_GRACE)
                db.dispose()
        return posted

    # ----------------------------------------------------------------- evaluation

    def evaluation(self) -> None:
        plan = self.plan
        end = end_instant()
        for backend in plan.backends:
            label = "SQLite" if backend == "sqlite" else "PostgreSQL"
            measured: dict[int, tuple[float, float, float, int, int]] = {}
            for size in plan.sizes:
                name = f"evaluation, {size:,} open claims, {label}"
                if self.skipped(name, backend):
                    break
                with self.guard(name):
                    measured[size] = self._evaluate_size(backend, label, size, end)
                    steady, midnight, recount, breaches, open_goals = measured[size]
                    smallest = min(measured)
                    cases = (
                        (f"steady state, {open_goals:,} open goals", steady),
                        (f"across a deadline midnight: records {breaches:,} breaches", midnight),
                        ("with a full recount: the leader's first, then hourly", recount),
                    )
                    for index, (what, seconds) in enumerate(cases):
                        base = measured[smallest][index]
                        ref, growth = NA, NA
                        if size != smallest:
                            ref = f"{smallest:,} open claims: {secs(base)}"
                            growth = f"x{seconds / base:.1f} for x{size / smallest:g} claims"
                        row = Row(
                            f"{name} ({what})",
                            secs(seconds),
                            "< 2 s",
                            ref,
                            growth,
                            yes(seconds < 2),
                        )
                        self.add(row)

    def _evaluate_size(
        self, backend: str, label: str, size: int, end: int
    ) -> tuple[float, float, float, int, int]:
        plan = self.plan
        load = Workload(size, seed=plan.seed, days=12, open_only=True, prefix="OPEN")
        with self.stores.fresh(backend, f"open{size}") as store:
            db = migrated(store.url)
            try:
                fill = fill_store(db=db, sla=self.sla, workload=load, progress=log)
                settle(db)
                self.notes.append(f"Evaluation store, {label}: {fill.describe()}.")
                evaluate(db=db, now=end)  # the first: counts every open goal
                # What the leader does on its first evaluation and then hourly.
                recounts = []
                for run in range(plan.runs):
                    seconds, _ = timed(lambda r=run: evaluate(db=db, now=end + r + 1, recount=True))
                    recounts.append(seconds)
                steady = []
                open_goals = 0
                for run in range(plan.runs):
                    seconds, result = timed(
                        lambda r=run: evaluate(db=db, now=end + (r + 1) * 30_000_000)
                    )
                    steady.append(seconds)
                    open_goals = result.open_goals
                # The first evaluation after the next local midnights: every deadline of the day
                # passes at once. Between runs the recorded breaches and the counts' instant
                # are put back, so each run does the same work.
                after = end + 86_400_000_000
                before = saved_counts(db)
                midnight, breaches = [], 0
                for run in range(plan.runs):
                    seconds, result = timed(lambda: evaluate(db=db, now=after))
                    midnight.append(seconds)
                    breaches = result.breaches_recorded
                    if run < plan.runs - 1:
                        clear_breaches(db, after)
                        restore_counts(db, before)
                log(
                    f"  {size:,} open claims: steady {median(steady):.2f} s, midnight "
                    f"{median(midnight):.2f} s ({breaches:,} breaches), full recount "
                    f"{median(recounts):.2f} s"
                )
                return median(steady), median(midnight), median(recounts), breaches, open_goals
            finally:
                db.dispose()

    # ----------------------------------------------------------------- report and /metrics

    def report(self) -> None:
        plan = self.plan
        sizes = sorted({plan.sizes[0], plan.sizes[-1]})
        first, last = report_month()
        self.notes += [
            f"Month reports: `period_report` of {first} to {last} (the workload's last month; "
            "its claims run until the 30th) at the end of the data, the national report "
            "with no filter, as a table lists it (its first 50 breaches, and how many there "
            "are) and as JSON (every breach); and of the month before, as of 10 days after its "
            "end, the store holding three more weeks of events (the kept day counts corrected "
            "by every version changed since). Each figure is the wall time "
            "and, beside it, the CPU time of the benchmark process: on SQLite all the work, "
            "on PostgreSQL the client's share (the server's is not in it). The CPU time "
            "is less inflated than the wall time when other work shares the cores.",
            f"Backlog: `backlog` with status breached and no filter, as of "
            f"{BACKLOG_LATER_DAYS} days after the workload's end (every goal still open then "
            "is past its deadline, so the backlog is every open goal but the paused ones: "
            "about one claim in ten), the iterator consumed to the end (rows fetched "
            f"{BACKLOG_FETCH:,} at a time). Its memory: the peak of the Python memory "
            "`tracemalloc` traces while it streams every row, against the same for its "
            "first tenth; and how far the process' peak RSS (VmHWM, reset through "
            "/proc/self/clear_refs) rose above its RSS before.",
        ]
        for backend in plan.backends:
            label = "SQLite" if backend == "sqlite" else "PostgreSQL"
            reports: dict[tuple[int, str], float] = {}
            scrapes: dict[int, float] = {}
            for size in sizes:
                name = f"report / metrics, {size:,} claims stored, {label}"
                if self.skipped(name, backend):
                    break
                with self.guard(name):
                    self._history_size(backend, label, size, reports, scrapes)

    def _history_size(
        self,
        backend: str,
        label: str,
        size: int,
        reports: dict[tuple[int, str], float],
        scrapes: dict[int, float],
    ) -> None:
        plan = self.plan
        load = Workload(size, seed=plan.seed, prefix="HIST")
        name = f"hist{size}-seed{plan.seed}"
        with self.stores.history(backend, name) as (store, earlier):
            db = migrated(store.url)
            try:
                if earlier is None:
                    fill = fill_store(db=db, sla=self.sla, workload=load, progress=log)
                    settle(db)
                    how = fill.describe()
                    self.stores.filled(backend, name, how)
                    self.notes.append(f"Report store, {label}: {how}.")
                else:
                    self.notes.append(
                        f"Report store, {label}: kept from an earlier run (--stores), "
                        f"filled as: {earlier}."
                    )
                # A store filled or upgraded before the day counts were kept builds them
                # once, as the first recomputation after the upgrade does.
                seconds, built = timed(
                    lambda: day_counts.ensure(db, self.sla.config.report_timezone)
                )
                if built:
                    self.add(
                        Row(
                            f"Day counts built from the goals, {size:,} claims stored, {label} "
                            "(once, after the upgrade to them)",
                            secs(seconds),
                            NA,
                            NA,
                            NA,
                        )
                    )
                self._daily_reports(db, label, size, reports)
                self._month_reports(db, label, size, reports)
                self._backlog(db, label, size, reports)
            finally:
                db.dispose()
            self._metrics(store.url, label, size, scrapes)

    def _daily_reports(
        self, db: DbEngine, label: str, size: int, reports: dict[tuple[int, str], float]
    ) -> None:
        plan, end, smallest = self.plan, end_instant(), self.plan.sizes[0]
        days = (
            ("the last day", END_DATE - timedelta(days=1)),
            ("a day 10 days back", END_DATE - timedelta(days=11)),
        )
        for what, day in days:
            as_of = default_report_as_of(self.sla, day, end)
            runs = []
            report = None
            for _ in range(plan.runs):
                with session_scope(db) as session:
                    seconds, report = timed(
                        lambda s=session, d=day, a=as_of: daily_report(
                            session=s, sla=self.sla, day=d, as_of=a
                        )
                    )
                runs.append(seconds)
            assert report is not None
            figure = median(runs)
            reports[(size, what)] = figure
            closed = sum(r.closed for r in report.summary)
            ref, growth = NA, NA
            if size != smallest and (smallest, what) in reports:
                base = reports[(smallest, what)]
                ref = f"{smallest:,} claims: {secs(base)}"
                growth = f"x{figure / base:.1f} for x{size / smallest:g} claims"
            self.add(
                Row(
                    f"`daily_report` for {what} ({day}), {size:,} claims stored, {label} "
                    f"({closed:,} closed, {len(report.breaches):,} breaches)",
                    secs(figure),
                    "< 1 s",
                    ref,
                    growth,
                    yes(figure < 1),
                )
            )

    def _month_reports(
        self, db: DbEngine, label: str, size: int, reports: dict[tuple[int, str], float]
    ) -> None:
        """`period_report` of the workload's last month, by branch, region and channel, as a
        table lists it (its first 50 breaches) and as JSON (every breach); and of the month
        before, as of 10 days after its end."""
        smallest = self.plan.sizes[0]
        first, last = report_month()
        as_of = default_report_as_of(self.sla, last, end_instant())
        before_last = report_month(first - timedelta(days=1))
        late_as_of = report_window(self.sla, before_last[1])[1] + 10 * DAY_US
        daily = reports.get((size, "the last day"))
        cases: list[tuple[Period, int, int | None, str]] = [
            (Period(first, last, by=by), as_of, TABLE_BREACHES, f"month by {by}")
            for by in ("branch", "region", "channel")
        ]
        cases.append((Period(first, last, by="branch"), as_of, None, "month by branch, JSON"))
        cases.append(
            (Period(*before_last, by="branch"), late_as_of, TABLE_BREACHES, "earlier month")
        )
        for period, moment, limit, what in cases:
            figure, cpu, report = self._time_report(db, period, moment, limit)
            reports[(size, what)] = figure
            closed = sum(r.closed for r in report.totals)
            refs, ratio = [], NA
            if size != smallest and (smallest, what) in reports:
                base = reports[(smallest, what)]
                refs.append(f"{smallest:,} claims: {secs(base)}")
                ratio = f"x{figure / base:.1f} for x{size / smallest:g} claims"
            if daily is not None:
                refs.append(f"`daily_report` of the last day: {secs(daily)}")
                if ratio == NA:
                    ratio = f"x{figure / daily:.1f} the daily report"
            listed = "every breach listed" if limit is None else f"the first {limit} listed"
            when = "at the end of the data" if moment == as_of else "10 days after its end"
            self.add(
                Row(
                    f"`period_report` for a month ({period.first:%Y-%m}) by {period.by}, "
                    f"{when}, {size:,} claims stored, {label} ({len(report.summary):,} rows, "
                    f"{closed:,} closed, {report.breach_count:,} breaches, {listed})",
                    f"{secs(figure)} (CPU of this process {secs(cpu)})",
                    "< 2 s",
                    "; ".join(refs) or NA,
                    ratio,
                    yes(figure < 2),
                )
            )

    def _time_report(
        self, db: DbEngine, period: Period, as_of: int, limit: int | None
    ) -> tuple[float, float, Any]:
        """The median wall and CPU time of a period report, and the report."""
        runs, cpu = [], []
        report = None
        for _ in range(self.plan.runs):
            with session_scope(db) as session:
                started = time.process_time()
                seconds, report = timed(
                    lambda s=session: period_report(
                        session=s, sla=self.sla, period=period, as_of=as_of, breach_limit=limit
                    )
                )
                cpu.append(time.process_time() - started)
            runs.append(seconds)
        assert report is not None
        return median(runs), median(cpu), report

    def _backlog(
        self, db: DbEngine, label: str, size: int, reports: dict[tuple[int, str], float]
    ) -> None:
        """`backlog` of the breached goals over the whole store, consumed: its time, and the
        memory it holds while streaming every row against the first tenth of them."""
        plan, smallest = self.plan, self.plan.sizes[0]
        as_of = end_instant() + BACKLOG_LATER_DAYS * DAY_US
        query = BacklogQuery(status="breached")

        def stream(limit: int | None = None) -> int:
            with session_scope(db) as session:
                items = backlog(session=session, sla=self.sla, query=query, as_of=as_of)
                return sum(1 for _ in itertools.islice(items, limit))

        runs, cpu = [], []
        rows = 0
        for _ in range(plan.runs):
            started = time.process_time()
            seconds, rows = timed(stream)
            cpu.append(time.process_time() - started)
            runs.append(seconds)
        figure = median(runs)
        reports[(size, "backlog")] = figure
        ref, growth = NA, NA
        if size != smallest and (smallest, "backlog") in reports:
            base = reports[(smallest, "backlog")]
            ref = f"{smallest:,} claims: {secs(base)}"
            growth = f"x{figure / base:.1f} for x{size / smallest:g} claims"
        when = f"as of {BACKLOG_LATER_DAYS} days after the workload's end"
        self.add(
            Row(
                f"`backlog` of breached goals, {when}, {size:,} claims stored, {label} "
                f"({rows:,} rows streamed)",
                f"{secs(figure)} ({rate(rows, figure, 'rows')}; CPU of this process "
                f"{secs(median(cpu))})",
                NA,
                ref,
                growth,
            )
        )
        tenth = max(1, rows // 10)
        whole, whole_rss = streaming_memory(lambda: stream())
        part, part_rss = streaming_memory(lambda: stream(tenth))
        ok = whole < BACKLOG_MEMORY_MB * 2**20 and whole < 2 * part
        self.add(
            Row(
                f"`backlog` memory while streaming, {when}, {size:,} claims stored, {label}",
                f"peak {mib(whole)} traced for {rows:,} rows (RSS +{mib(whole_rss)})",
                f"< {BACKLOG_MEMORY_MB} MB and < 2x the peak for a tenth of the rows",
                f"the first {tenth:,} rows: peak {mib(part)} (RSS +{mib(part_rss)})",
                f"x{whole / max(1, part):.2f} for x{rows / tenth:.0f} rows",
                yes(ok),
            )
        )

    def _metrics(self, url: str, label: str, size: int, scrapes: dict[int, float]) -> None:
        plan = self.plan
        serve = self._serve(url, interval=5)
        try:
            ready = wait_ready(serve, timeout=max(120.0, size / 500))
            latencies: list[float] = []
            body = b""
            with httpx.Client(base_url=serve.base_url, timeout=30.0) as client:
                for _ in range(3):  # warm-up
                    client.get("/metrics")
                for _ in range(plan.scrapes):
                    started = time.perf_counter()
                    response = client.get("/metrics")
                    latencies.append(time.perf_counter() - started)
                    if response.status_code != 200 or b"sla_open_claims" not in response.content:
                        raise BenchError(f"/metrics answered {response.status_code}")
                    body = response.content
                    time.sleep(plan.scrape_pause)
            current, peak = serve.rss_kb()
        finally:
            serve.stop(grace=SERVE_GRACE)
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        scrapes[size] = p99
        smallest = min(scrapes)
        ref, growth = NA, NA
        if size != smallest:
            ref = f"{smallest:,} claims: p99 {ms(scrapes[smallest])}"
            growth = f"x{p99 / scrapes[smallest]:.2f} for x{size / smallest:g} claims"
        self.add(
            Row(
                f"`/metrics` scrape, {size:,} claims stored, {label} ({plan.scrapes} scrapes)",
                f"p50 {ms(p50)}, p99 {ms(p99)} (max {ms(max(latencies))})",
                "p99 < 50 ms, independent of claims stored",
                ref,
                growth,
                yes(p99 < 0.050),
            )
        )
        self.add(
            Row(
                f"`sla-monitor serve` peak RSS, {size:,} claims stored, {label}",
                f"{peak / MB:.0f} MB (now {current / MB:.0f} MB)",
                "< 500 MB",
                met=yes(peak < 500 * MB),
            )
        )
        series = sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
        self.notes.append(
            f"/metrics, {label}, {size:,} claims: serve (evaluation every 5 s) was ready after "
            f"{ready:.1f} s (its first evaluation, at the wall clock, records every passed "
            f"deadline); then {plan.scrapes} sequential scrapes {plan.scrape_pause * 1000:.0f} ms "
            f"apart, so some overlap an evaluation; {series:,} series, {len(body) / 1e6:.1f} MB."
        )


def report_month(end: date = END_DATE) -> tuple[date, date]:
    """The first and last day of the month of the workload's last day with events."""
    first = (end - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def mib(count: float) -> str:
    return f"{count / 2**20:.1f} MB"


def own_memory(field: str) -> int | None:
    """A figure of this process' memory in bytes from /proc/self/status (VmRSS: resident now,
    VmHWM: its peak), or None where /proc does not give it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def streaming_memory(action: Callable[[], Any]) -> tuple[int, int]:
    """The peak of the Python memory `action` allocates (tracemalloc), and how far the
    process' resident memory rose above where it was (Linux resets the high-water mark when
    5 is written to /proc/self/clear_refs; 0 where it cannot be measured)."""
    gc.collect()
    before = own_memory("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        before = None
    tracemalloc.start()
    try:
        action()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    after = own_memory("VmHWM")
    grown = 0 if before is None or after is None else max(0, after - before)
    return peak, grown


def settle(db: DbEngine) -> None:
    """What PostgreSQL's autovacuum does soon after a bulk load, done now: planner statistics,
    and the visibility map that lets a covering index be read without the table."""
    if db.dialect.name == "postgresql":
        with db.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def clear_breaches(db: DbEngine, recorded_at: int) -> None:
    """Undo an evaluation's breach recording, so the next run does the same work: its breach
    records (a store before migration 0014 stamped the goal rows instead)."""
    goals = GoalRow.__table__  # type: ignore[attr-defined]
    with session_scope(db) as session:
        session.execute(
            update(goals)
            .where(goals.c.breach_recorded_at == recorded_at)
            .values(breach_recorded_at=None)
        )
        records = BREACH_RECORDS.c
        session.execute(delete(BREACH_RECORDS).where(records.recorded_at == recorded_at))


def saved_counts(db: DbEngine) -> tuple[list[dict[str, Any]], int | None]:
    """The open-goal counts and the instant they describe."""
    with session_scope(db) as session:
        rows = [dict(r) for r in session.execute(select(OPEN_COUNTS)).mappings()]
        at = evaluator.counted_at(session)
    return rows, at


def restore_counts(db: DbEngine, saved: tuple[list[dict[str, Any]], int | None]) -> None:
    """Put back what `saved_counts` read, so the next evaluation moves them the same way."""
    rows, at = saved
    with session_scope(db) as session:
        session.execute(delete(OPEN_COUNTS))
        if rows:
            session.execute(insert(OPEN_COUNTS), rows)
        evaluator.set_counted_at(session, at)


@dataclass
class Posted:
    seconds: float  # until the last batch was answered
    counted: int  # events of the batches answered 200
    failed_events: int  # events of the batches that failed
    retried: int
    errors: list[str]
    peak_kb: int = 0
    settled: float = 0.0  # until every claim posted had its goals recomputed
    machine_cpu: float = 0.0  # CPU seconds of every process until then (server, clients, database)


def settled_after(db: DbEngine, timeout: float) -> float:
    """Seconds until no claim of the store is waiting for its goals to be recomputed."""
    started = time.perf_counter()
    while True:
        with session_scope(db) as session:
            if not stale_claims(session=session):
                return time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise BenchError(f"claims still stale {timeout:.0f} s after the last batch")
        time.sleep(0.02)


def post_all(base_url: str, bodies: list[bytes], clients: int) -> Posted:
    """POST every body with `clients` concurrent clients. A 503 is retried (the API says it
    is safe), at most 5 times a batch; any other failure is counted, not retried."""
    work: queue.Queue[bytes] = queue.Queue()
    for body in bodies:
        work.put(body)
    lock = threading.Lock()
    totals = {"counted": 0, "retried": 0, "failed": 0}
    errors: list[str] = []
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

    def client_loop() -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=120.0) as client:
            while True:
                try:
                    body = work.get_nowait()
                except queue.Empty:
                    return
                for attempt in range(5):
                    try:
                        response = client.post("/v1/events", content=body)
                    except httpx.HTTPError as exc:
                        with lock:
                            errors.append(f"{type(exc).__name__}: {exc}")
                            totals["failed"] += body.count(b'"event_id"')
                        break
                    if response.status_code == 503 and attempt < 4:
                        with lock:
                            totals["retried"] += 1
                        time.sleep(0.1 * (attempt + 1))
                        continue
                    if response.status_code != 200:
                        with lock:
                            errors.append(f"{response.status_code}: {response.text[:200]}")
                            totals["failed"] += body.count(b'"event_id"')
                        break
                    result = response.json()
                    with lock:
                        totals["counted"] += (
                            result["accepted"] + result["duplicates"] + len(result["rejected"])
                        )
                    break

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=3600)
    seconds = time.perf_counter() - started
    if any(thread.is_alive() for thread in threads):
        errors.append("a client did not finish within an hour")
    return Posted(seconds, totals["counted"], totals["failed"], totals["retried"], errors)


# --------------------------------------------------------------------------- the header


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"machine: {cpu}, {os.cpu_count()} cores ({usable} usable), {memory} RAM, "
        f"{platform.system()} {platform.release()}",
    ]


def code_state() -> str:
    """The commit of the code measured, and whether sla_monitor/ differs from it (by a digest
    of the difference, so two states with different uncommitted changes differ)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(REPOSITORY), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        changes = git("status", "--porcelain", "--", "sla_monitor")
        if changes:
            digest = hashlib.sha1(git("diff", "HEAD", "--", "sla_monitor").encode()).hexdigest()
            commit += f" with uncommitted changes in sla_monitor/ (diff {digest[:8]})"
        return commit
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"


def versions(stores: Stores) -> list[str]:
    packages = []
    for name in (
        "sla-monitor",
        "SQLAlchemy",
        "sqlmodel",
        "psycopg",
        "fastapi",
        "uvicorn",
        "httpx",
        "holidays",
        "pydantic",
        "prometheus-client",
    ):
        try:
            packages.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            packages.append(f"{name} (not installed)")
    postgres = (
        f"PostgreSQL {stores.postgres_version}"
        if stores.postgres_version
        else f"PostgreSQL: {stores.postgres_problem}"
    )
    return [
        f"software: Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{postgres}",
        f"packages: {', '.join(packages)}",
    ]


def render(suite: Suite, command: str, started: datetime, seconds: float) -> str:
    plan = suite.plan
    code = f"code: git {suite.code_at_start}"
    now = code_state()
    if now != suite.code_at_start:
        code += (
            f" at the start, git {now} at the end: **the code changed during the run**, "
            "so benchmarks run at different times measured different code"
        )
    lines = [
        "# sla-monitor benchmarks",
        "",
        f"- date: {started.isoformat(timespec='seconds')} (took {seconds / 60:.1f} min)",
        f"- command: `{command}`",
        *[f"- {line}" for line in machine()],
        f"- {code}",
        *[f"- {line}" for line in versions(suite.stores)],
        f"- mode: {'quick' if plan.quick else 'full'}; every timing is the median of "
        f"{plan.runs} run(s); every reference is measured in the same process on the same data",
        f"- sizes: stores of {', '.join(f'{n:,}' for n in plan.sizes)} claims; import of "
        f"{plan.import_events:,} events; HTTP ingest of {plan.http_events:,} events; "
        f"{plan.deadline_goals:,} deadlines; {plan.scrapes} scrapes",
        "",
        "| benchmark | figure | target | reference | ratio | met? |",
        "|---|---|---|---|---|---|",
    ]
    for row in sorted(suite.rows, key=section):
        cells = [row.benchmark, row.figure, row.target, row.reference, row.ratio, row.met]
        lines.append("| " + " | ".join(c.replace("|", "\\|") or NA for c in cells) + " |")
    lines += ["", "## How the figures were made", ""]
    lines += [f"- {note}" for note in suite.notes]
    if suite.findings:
        lines += ["", "## Failures of the service under load", ""]
        lines += [f"- {f}" for f in suite.findings]
    if suite.errors:
        lines += ["", "## Benchmarks that could not run", ""] + [f"- {e}" for e in suite.errors]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run (CI)")
    parser.add_argument("--sizes", type=int, nargs="+", help="claims in the stores")
    parser.add_argument("--runs", type=int, help="runs per timing (median); default 3, quick 1")
    parser.add_argument("--import-events", type=int, help="events imported (default 1,000,000)")
    parser.add_argument("--http-events", type=int, help="events posted (default 200,000)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument("--deadline-goals", type=int, help="deadlines computed (1,000,000)")
    parser.add_argument("--materialise-claims", type=int, help="claims materialised (100,000)")
    parser.add_argument("--scrapes", type=int, help="/metrics scrapes per store (200)")
    parser.add_argument("--seed", type=int, default=2022, help="workload seed")
    parser.add_argument("--out", type=Path, default=Path("bench/RESULTS.md"), help="Markdown out")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="SQLAlchemy URL")
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--skip", nargs="+", choices=GROUPS, help="benchmark groups to leave out")
    parser.add_argument("--work-dir", type=Path, help="where databases and files go (a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder afterwards")
    parser.add_argument(
        "--stores",
        type=Path,
        help="keep the report stores here (SQLite files; PostgreSQL schemas bench_kept_*) and "
        "reuse those an earlier run filled",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = make_plan(args)
    started_at, started = datetime.now(UTC), time.perf_counter()
    command = "python -m bench.run " + " ".join(sys.argv[1:] if argv is None else argv)
    base = args.work_dir
    if base is not None:
        base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sla-bench-", dir=base))
    log(f"work folder {work}; plan {plan}")
    try:
        config_dir = workload.write_config(work / "config")
        config = load_config(config_dir)
        postgres = args.postgres_url if "postgresql" in plan.backends else None
        suite = Suite(
            plan=plan,
            work=work,
            config_dir=config_dir,
            config=config,
            sla=SlaTimer(config),
            stores=Stores(work, postgres, args.stores),
            code_at_start=code_state(),
        )
        if suite.stores.postgres_problem and "postgresql" in plan.backends:
            log(f"PostgreSQL skipped: {suite.stores.postgres_problem}")
            suite.notes.append(f"PostgreSQL benchmarks skipped: {suite.stores.postgres_problem}.")
        zones = sorted({b.timezone for b in config.branches.values()})
        suite.notes += [
            f"Configuration: config/sla.toml and a generated branches.toml with "
            f"{len(config.branches):,} branches in {', '.join(zones)} (bench/workload.py).",
            "Stores for the evaluation, report and /metrics benchmarks are filled by "
            f"`bench.workload.fill_store`: {workload.FILL_METHOD}, with the store's clock at the "
            "workload's end (2026-10-31 00:00 WIT). Evaluation stores hold an open backlog "
            "(every claim's clock started, none closed); report stores a history. A PostgreSQL "
            "store is then vacuumed and analysed (`VACUUM ANALYZE`), as autovacuum does soon "
            "after a bulk load.",
        ]
        steps = {
            "deadlines": suite.deadlines,
            "import": suite.imports,
            "http": suite.http,
            "evaluation": suite.evaluation,
            "report": suite.report,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        for group in plan.groups:
            steps[group]()
            # The table so far, so a long run that is stopped still leaves what it measured.
            partial = render(suite, command, started_at, time.perf_counter() - started)
            args.out.write_text(partial + "\n(unfinished: more groups follow)\n", encoding="utf-8")
        text_out = render(suite, command, started_at, time.perf_counter() - started)
        args.out.write_text(text_out, encoding="utf-8")
        log(f"wrote {args.out} in {(time.perf_counter() - started) / 60:.1f} min")
        print(text_out)
        return 1 if suite.errors else 0
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
