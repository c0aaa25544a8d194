"""The benchmark suite never rots: its quick version runs, and its references are right.

`python -m bench.run --quick` must finish and write a table with every benchmark and a
number in each row; the naive day-by-day walk it compares deadlines with must agree with
the real calendar; the workload generator must be deterministic and valid.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bench import workload
from bench.reference import DayByDay
from sla_monitor.config import load_config
from sla_monitor.domain.calendar import Calendars
from sla_monitor.domain.events import Event, parse_events
from sla_monitor.domain.policy import CalendarSpec, HolidaySource, SlaConfig
from sla_monitor.domain.timeutil import parse_rfc3339

REPOSITORY = Path(__file__).resolve().parents[2]
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
BACKENDS = ("SQLite", "PostgreSQL")
# (the start of a benchmark's name, whether it has one row per backend)
EXPECTED = (
    ("deadline computation", False),
    ("goal materialisation", False),
    ("`sla-monitor import` of", True),
    ("`sla-monitor import` peak RSS", True),
    ("event parsing: `parse_lines`", False),
    ("HTTP ingest", True),
    ("evaluation, 1,000 open claims", True),
    ("evaluation, 10,000 open claims", True),
    ("`daily_report` for the last day", True),
    ("`daily_report` for a day 10 days back", True),
    ("`period_report` for a month (2026-10) by branch", True),
    ("`period_report` for a month (2026-10) by region", True),
    ("`period_report` for a month (2026-10) by channel", True),
    ("`backlog` of breached goals", True),
    ("`backlog` memory while streaming", True),
    ("`/metrics` scrape", True),
    ("`sla-monitor serve` peak RSS", True),
)


def table_rows(markdown: str) -> list[list[str]]:
    rows = []
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith(("| benchmark |", "|---")):
            rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


@pytest.mark.slow
def test_quick_suite_writes_every_benchmark_with_a_number(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    command = [sys.executable, "-m", "bench.run", "--quick", "--out", str(out)]
    command += ["--work-dir", str(tmp_path / "work")]
    done = subprocess.run(
        command, cwd=REPOSITORY, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-6000:]}"
    markdown = out.read_text(encoding="utf-8")
    assert "machine:" in markdown and "Python" in markdown and "SQLite" in markdown
    rows = table_rows(markdown)
    assert rows, markdown
    for cells in rows:
        assert len(cells) == 6 and all(cells), f"an empty cell: {cells}"
    postgres_required = os.environ.get("SLA_MONITOR_REQUIRE_POSTGRES") == "1"
    for prefix, per_backend in EXPECTED:
        found = [r for r in rows if r[0].startswith(prefix)]
        assert found, f"no row for {prefix!r}:\n{markdown}"
        for backend in BACKENDS if per_backend else ("",):
            mine = [r for r in found if backend in r[0]]
            if backend == "PostgreSQL" and not postgres_required:
                skipped = [r for r in rows if "PostgreSQL" in r[0] and "skipped" in r[1]]
                if skipped and not mine:
                    continue
            assert mine, f"no {backend} row for {prefix!r}:\n{markdown}"
            for cells in mine:
                assert any(ch.isdigit() for ch in cells[1]), f"no number in {cells}"
                assert not cells[1].startswith(("error", "skipped")), cells
    # The working folder (databases, files) is removed afterwards.
    assert not any((tmp_path / "work").iterdir())


def deadlines_agree(spec: CalendarSpec, starts: list[tuple[int, str]], days: int) -> None:
    calendars, naive = Calendars({spec.id: spec}), DayByDay(spec)
    target = days * 86_400 * 1_000_000
    for start, zone in starts:
        time = calendars.working_time("working_days", spec.id, ZoneInfo(zone))
        real = time.deadline(time.advance(time.count_from(start), target))
        walked = naive.deadline(start, ZoneInfo(zone), days)
        assert real == walked, (start, zone, days)


@pytest.fixture(scope="module")
def config() -> SlaConfig:
    return load_config(REPOSITORY / "config")


def test_day_by_day_walk_agrees_with_the_calendar(config: SlaConfig) -> None:
    spec = config.calendars["default"]
    rng = random.Random(7)
    low = parse_rfc3339("2024-01-01T00:00:00+07:00")
    high = parse_rfc3339("2028-01-01T00:00:00+07:00")
    starts = [(rng.randrange(low, high), rng.choice(ZONES)) for _ in range(300)]
    # and the edges: midnight, the last microsecond of a day, the README's example
    starts += [
        (parse_rfc3339("2026-03-16T10:00:00+07:00"), "Asia/Jakarta"),
        (parse_rfc3339("2026-03-17T00:00:00+08:00"), "Asia/Makassar"),
        (parse_rfc3339("2026-03-17T23:59:59.999999+09:00"), "Asia/Jayapura"),
        (parse_rfc3339("2026-12-23T16:00:00+07:00"), "Asia/Jakarta"),
    ]
    deadlines_agree(spec, starts, 5)
    time = Calendars(config.calendars).working_time(
        "working_days", "default", ZoneInfo("Asia/Jakarta")
    )
    start = parse_rfc3339("2026-03-16T10:00:00+07:00")
    assert DayByDay(spec).deadline(start, ZoneInfo("Asia/Jakarta"), 5) == parse_rfc3339(
        "2026-03-31T00:00:00+07:00"
    )  # the README: due at the end of Monday 30 March
    assert time.deadline(time.advance(time.count_from(start), 5 * 86_400 * 10**6)) == (
        parse_rfc3339("2026-03-31T00:00:00+07:00")
    )


def test_day_by_day_walk_follows_the_configured_exceptions() -> None:
    spec = CalendarSpec(
        id="custom",
        weekdays=frozenset(range(5)),
        office_hours=None,
        holidays=HolidaySource("ID", ("public", "government")),
        extra_holidays=frozenset({date(2026, 11, 24), date(2026, 11, 25)}),
        extra_working_days=frozenset({date(2026, 11, 28), date(2026, 5, 14)}),
    )
    rng = random.Random(11)
    low = parse_rfc3339("2026-05-01T00:00:00+07:00")
    high = parse_rfc3339("2026-12-31T00:00:00+07:00")
    starts = [(rng.randrange(low, high), rng.choice(ZONES)) for _ in range(200)]
    for days in (1, 5, 20):
        deadlines_agree(spec, starts, days)


def test_workload_is_deterministic_and_valid(tmp_path: Path) -> None:
    config = load_config(workload.write_config(tmp_path / "config"))
    assert len(config.branches) == 1000
    assert {b.timezone for b in config.branches.values()} == set(ZONES)
    load = workload.Workload(1500, seed=5)
    stats = workload.Stats()
    first = list(workload.events(config, load, stats))
    assert first == list(workload.events(config, load))
    assert 8 <= stats.events_per_claim() <= 11
    assert 0.005 <= stats.duplicates / stats.events <= 0.02
    assert {e["channel"] for e in first if e["type"] == "submitted"} == set(config.channels)
    assert stats.open_claims and stats.late_payments and stats.kinds["cancelled"]
    assert stats.kinds["rejected"] and stats.kinds["documents_incomplete"]
    # delivered out of order: some claim's events arrive before its submitted event
    position: dict[str, int] = {}
    early = 0
    for index, e in enumerate(first):
        if e["type"] == "submitted":
            position[e["claim_id"]] = index
        elif e["claim_id"] not in position:
            early += 1
    assert early > 0
    # every event is valid and in the past of the workload's end
    end = workload.end_instant()
    parsed = parse_events(first, now=end, channels=config.channels, branches=config.branches)
    assert all(isinstance(p, Event) for p in parsed), [
        p for p in parsed if not isinstance(p, Event)
    ][:3]
    assert max(p.occurred_at for p in parsed if isinstance(p, Event)) <= end


def test_month_report_is_the_workloads_last_month() -> None:
    from bench.run import report_month

    assert report_month() == (date(2026, 10, 1), date(2026, 10, 31))
    assert report_month(date(2026, 3, 1)) == (date(2026, 2, 1), date(2026, 2, 28))


def test_kept_stores_are_reused_only_once_filled(tmp_path: Path) -> None:
    from bench.run import Stores

    stores = Stores(tmp_path / "work", None, tmp_path)
    with stores.history("sqlite", "hist10") as (store, earlier):
        assert earlier is None
        Path(store.url.removeprefix("sqlite:///")).write_text("half filled")
    with stores.history("sqlite", "hist10") as (store, earlier):
        assert earlier is None  # never marked full: filled again from nothing
        assert not Path(store.url.removeprefix("sqlite:///")).exists()
        stores.filled("sqlite", "hist10", "10 claims")
    with stores.history("sqlite", "hist10") as (store, earlier):
        assert earlier == "10 claims"
