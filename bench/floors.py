"""What an import cannot do without, each part measured alone at its cheapest.

Whatever its design, `sla-monitor import` must decode and check every line, run the SLA
core over every claim's history (the goals' versions through time and the delay figures),
and write the rows it leaves in the store, with the store's indexes. Here:

- the SLA core runs in this process over the file's histories, already in memory;
- the rows the import left in its store are read back (not timed) and written raw into a
  fresh store of the same schema, with the same indexes: SQLite one `executemany` of one
  statement per table and 5,000 rows a transaction, as the events reference does;
  PostgreSQL one `COPY` per table and 5,000 rows a transaction.

(The parse floor is the parsing benchmark's figure.) The import's time beyond the sum is
its own work: the idempotency and claim checks, the counters, building rows, its queries.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import SQLModel

from sla_monitor.domain.goals import ClockEvent
from sla_monitor.domain.timer import Claim, SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.store import count_tables, tables
from sla_monitor.store.delays import delay_of

assert tables and count_tables  # their tables are in SQLModel.metadata
CHUNK = 5000


def histories(path: Path) -> list[tuple[Claim, list[ClockEvent]]]:
    """Each submitted claim of the JSONL file with its events (claim_histories)."""
    with path.open("rb") as source:
        return claim_histories(json.loads(line) for line in source)


def claim_histories(raws: Iterable[dict[str, Any]]) -> list[tuple[Claim, list[ClockEvent]]]:
    """Each submitted claim of these events (as JSON objects) with its events, a repeated
    event_id once: the claims an import computes goals for (a claim never submitted has
    none)."""
    claims: dict[str, Claim] = {}
    events: dict[str, list[ClockEvent]] = {}
    seen: set[str] = set()
    for e in raws:
        if e["event_id"] in seen:
            continue
        seen.add(e["event_id"])
        at = parse_rfc3339(e["occurred_at"])
        events.setdefault(e["claim_id"], []).append(ClockEvent(e["event_id"], e["type"], at))
        if e["type"] == "submitted":
            claims[e["claim_id"]] = Claim(e["claim_id"], e["channel"], e["branch_code"], at)
    return [(claim, events[claim_id]) for claim_id, claim in claims.items()]


def core_seconds(sla: SlaTimer, claims: Sequence[tuple[Claim, list[ClockEvent]]]) -> float:
    """Seconds the SLA core takes over these histories: every goal's versions and the delay
    figures, as a recomputation computes them, and nothing else."""
    started = time.perf_counter()
    for claim, events in claims:
        sla.versions(claim, events)
        delay_of(sla, claim, events)
    return time.perf_counter() - started


@dataclass(frozen=True)
class StoredRows:
    table: str
    columns: list[str]
    rows: list[tuple[Any, ...]]


def stored_rows(db: Engine) -> list[StoredRows]:
    """Every row of every table of the store (the schema's tables; not Alembic's)."""
    found: list[StoredRows] = []
    connection = db.raw_connection()
    try:
        for table in SQLModel.metadata.sorted_tables:
            cursor = connection.cursor()
            cursor.execute(f"SELECT * FROM {table.name}")
            columns = [d[0] for d in cursor.description]
            rows = [tuple(r) for r in cursor.fetchall()]
            if rows:
                found.append(StoredRows(table.name, columns, rows))
    finally:
        connection.close()
    return found


def _chunks(rows: list[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def write_sqlite(stored: Sequence[StoredRows], database: Path) -> float:
    """Seconds to write the rows into a migrated, emptied SQLite store, WAL and
    synchronous=FULL as sla-monitor runs it."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        for s in stored:
            connection.execute(f"DELETE FROM {s.table}")
        started = time.perf_counter()
        for s in stored:
            marks = ", ".join("?" for _ in s.columns)
            statement = f"INSERT INTO {s.table} ({', '.join(s.columns)}) VALUES ({marks})"
            for chunk in _chunks(s.rows):
                connection.execute("BEGIN")
                connection.executemany(statement, chunk)
                connection.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        connection.close()


def write_postgres(stored: Sequence[StoredRows], conninfo: str, schema: str) -> float:
    """Seconds to COPY the rows into a migrated, emptied PostgreSQL schema."""
    import psycopg

    with psycopg.connect(conninfo) as connection:
        connection.execute(f'SET search_path TO "{schema}"')
        for s in stored:
            connection.execute(f"DELETE FROM {s.table}")
        connection.commit()
        started = time.perf_counter()
        for s in stored:
            statement = f"COPY {s.table} ({', '.join(s.columns)}) FROM STDIN"
            for chunk in _chunks(s.rows):
                with connection.cursor() as cursor, cursor.copy(statement) as copy:
                    for row in chunk:
                        copy.write_row(row)
                connection.commit()
        return time.perf_counter() - started
