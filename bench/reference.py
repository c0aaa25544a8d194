"""The references the benchmarks are compared with: deliberately straightforward code.

* `DayByDay`: a deadline found by walking the calendar one day at a time from the start date,
  counting working days, with the same holiday set (the `holidays` package with the
  calendar's country and categories, plus the configured extra holidays and working days).
  It is written independently of `sla_monitor.calendar`, so agreeing with it is a check.
* `raw_sqlite`, `raw_postgres_executemany`, `raw_postgres_copy`: the same event rows as an
  import stores, inserted into a plain table with the same columns (no claim or goal rows, no
  validation), in transactions of the same size as the import's; with no index, or with the
  two indexes the events table cannot do without (`indexed`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from sla_monitor.domain.events import FIELDS
from sla_monitor.domain.policy import CalendarSpec

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_WALK = 3660  # days: no target in the configuration is longer than ten years


class DayByDay:
    """`N working days` the naive way: the start day does not count; due at 24:00 local of
    the Nth working day after it."""

    def __init__(self, spec: CalendarSpec, first_year: int = 2000, last_year: int = 2100):
        closed: set[date] = set(spec.extra_holidays)
        if spec.holidays is not None:
            found = holidays.country_holidays(
                spec.holidays.country,
                subdiv=spec.holidays.subdiv,
                categories=spec.holidays.categories,
                years=range(first_year, last_year + 1),
            )
            closed.update(found.keys())
        self.closed = frozenset(closed)
        self.weekdays = spec.weekdays
        self.extra_working = spec.extra_working_days

    def is_working(self, day: date) -> bool:
        if day in self.extra_working:
            return True
        return day.weekday() in self.weekdays and day not in self.closed

    def deadline(self, start: int, zone: ZoneInfo, days: int) -> int:
        """The deadline (µs since the epoch) of a clock started at `start` (µs)."""
        day = (EPOCH + timedelta(microseconds=start)).astimezone(zone).date()
        counted = walked = 0
        while counted < days:
            day += timedelta(days=1)
            walked += 1
            if walked > MAX_WALK:
                raise ValueError(f"no {days} working days within {MAX_WALK} days of {day}")
            if self.is_working(day):
                counted += 1
        end = datetime.combine(day + timedelta(days=1), clock_time(0), tzinfo=zone)
        delta = end - EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


# --------------------------------------------------------------------------- raw inserts

COLUMNS = (*FIELDS, "received_at")  # the columns sla-monitor stores for an event
SQLITE_TABLE = """CREATE TABLE events_raw (
    id INTEGER PRIMARY KEY,
    event_id VARCHAR(128) NOT NULL, claim_id VARCHAR(64) NOT NULL, type VARCHAR(32) NOT NULL,
    occurred_at DATETIME NOT NULL, channel VARCHAR(64), branch_code VARCHAR(32),
    employer_id VARCHAR(64), batch_id VARCHAR(64), amount BIGINT, reason VARCHAR(500),
    received_at DATETIME NOT NULL)"""
POSTGRES_TABLE = """CREATE TABLE events_raw (
    id BIGSERIAL PRIMARY KEY,
    event_id VARCHAR(128) NOT NULL, claim_id VARCHAR(64) NOT NULL, type VARCHAR(32) NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL, channel VARCHAR(64), branch_code VARCHAR(32),
    employer_id VARCHAR(64), batch_id VARCHAR(64), amount BIGINT, reason VARCHAR(500),
    received_at TIMESTAMPTZ NOT NULL)"""


def rows(path: Path, batch: int) -> Iterator[list[tuple[Any, ...]]]:
    """The file's events as row tuples, `batch` at a time (decoding is part of the cost)."""
    received = datetime.now(UTC).isoformat()
    out: list[tuple[Any, ...]] = []
    with path.open("rb") as source:
        for line in source:
            e = json.loads(line)
            out.append(
                (
                    e["event_id"],
                    e["claim_id"],
                    e["type"],
                    e["occurred_at"],
                    e.get("channel"),
                    e.get("branch_code"),
                    e.get("employer_id"),
                    e.get("batch_id"),
                    e.get("amount"),
                    e.get("reason"),
                    received,
                )
            )
            if len(out) >= batch:
                yield out
                out = []
    if out:
        yield out


# The two indexes sla-monitor's events table needs: the idempotency key, and each claim's
# history in time order.
INDEXES = (
    "CREATE UNIQUE INDEX raw_event_id ON events_raw (event_id)",
    "CREATE INDEX raw_claim_time ON events_raw (claim_id, occurred_at)",
)


def raw_sqlite(
    events: Path, database: Path, *, batch: int = 5000, indexed: bool = False
) -> tuple[int, float]:
    """executemany into a plain table, WAL and synchronous=FULL as sla-monitor runs SQLite;
    `indexed`: with the events table's two indexes (a repeated event_id is skipped)."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(SQLITE_TABLE)
        for index in INDEXES if indexed else ():
            connection.execute(index)
        placeholders = ", ".join("?" for _ in COLUMNS)
        verb = "INSERT OR IGNORE" if indexed else "INSERT"
        statement = f"{verb} INTO events_raw ({', '.join(COLUMNS)}) VALUES ({placeholders})"
        count = 0
        started = time.perf_counter()
        for chunk in rows(events, batch):
            connection.execute("BEGIN")
            connection.executemany(statement, chunk)
            connection.execute("COMMIT")
            count += len(chunk)
        return count, time.perf_counter() - started
    finally:
        connection.close()


def raw_postgres_executemany(
    events: Path, conninfo: str, schema: str, *, batch: int = 5000
) -> tuple[int, float]:
    """psycopg executemany (pipelined) into a plain table in `schema`."""
    import psycopg

    with psycopg.connect(conninfo) as connection:
        connection.execute(f'SET search_path TO "{schema}"')
        connection.execute(POSTGRES_TABLE)
        connection.commit()
        placeholders = ", ".join("%s" for _ in COLUMNS)
        statement = f"INSERT INTO events_raw ({', '.join(COLUMNS)}) VALUES ({placeholders})"
        count = 0
        started = time.perf_counter()
        for chunk in rows(events, batch):
            with connection.cursor() as cursor:
                cursor.executemany(statement, chunk)
            connection.commit()
            count += len(chunk)
        return count, time.perf_counter() - started


def raw_postgres_copy(
    events: Path, conninfo: str, schema: str, *, batch: int = 5000, indexed: bool = False
) -> tuple[int, float]:
    """COPY FROM STDIN into a plain table in `schema`, one COPY a transaction; `indexed`: with
    the events table's two indexes, a repeated event_id skipped (COPY cannot skip a row that
    a unique index refuses, so the ids already copied are remembered)."""
    import psycopg

    with psycopg.connect(conninfo) as connection:
        connection.execute(f'SET search_path TO "{schema}"')
        connection.execute(POSTGRES_TABLE)
        for index in INDEXES if indexed else ():
            connection.execute(index)
        connection.commit()
        statement = f"COPY events_raw ({', '.join(COLUMNS)}) FROM STDIN"
        count = 0
        seen: set[str] = set()
        started = time.perf_counter()
        for chunk in rows(events, batch):
            with connection.cursor() as cursor, cursor.copy(statement) as copy:
                for row in chunk:
                    if indexed:
                        if row[0] in seen:
                            continue
                        seen.add(row[0])
                    copy.write_row(row)
            connection.commit()
            count += len(chunk)
        return count, time.perf_counter() - started
