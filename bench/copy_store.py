"""Copy a filled SQLite report store into a PostgreSQL schema, table by table, with COPY.

Filling a 1M-claim store through ingestion takes over an hour on PostgreSQL; the rows it
would write are the rows the same workload wrote into SQLite (the same events, goals,
versions, counters), so `bench.run --stores` can measure PostgreSQL's reports on a copy.
The copy is marked as kept, with how it was made, so the run reports it. Its tables are
freshly written (no dead rows of the recomputations a real fill leaves), then analysed.

    python -m bench.copy_store STORES NAME [--postgres-url URL]

STORES is the folder given to `bench.run --stores`, NAME a store in it (e.g.
hist1000000-seed2022): STORES/NAME.db is copied into the schema bench_kept_NAME.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

from bench.run import DEFAULT_POSTGRES, Stores, migrated

# Parents before children; goal_day_counts is rebuilt by the run, not copied.
TABLES = (
    "events",
    "claims",
    "claim_goals",
    "goal_versions",
    "claim_delays",
    "metric_counters",
    "open_goal_counts",
    "calendar_fingerprints",
    "evaluator",
)


def copy_store(stores: Path, name: str, postgres_url: str) -> None:
    source = stores / f"{name}.db"
    marker = stores / f"{name}-sqlite.filled"
    if not source.exists() or not marker.exists():
        raise SystemExit(f"{source}: no filled SQLite store of that name in {stores}")
    kept = Stores(stores, postgres_url, kept=stores)
    with kept.history("postgresql", name) as (store, earlier):
        if earlier is not None:
            raise SystemExit(f"{name}: PostgreSQL already holds a filled copy ({earlier})")
        migrated(store.url).dispose()
        assert store.schema is not None
        lite = sqlite3.connect(source)
        started = time.perf_counter()
        with psycopg.connect(kept.conninfo()) as pg:
            pg.execute(f'SET search_path TO "{store.schema}"')
            pg.execute("DELETE FROM evaluator")
            for table in TABLES:
                columns = [row[1] for row in lite.execute(f"PRAGMA table_info({table})")]
                names = ", ".join(columns)
                rows = 0
                with pg.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in lite.execute(f"SELECT {names} FROM {table}"):
                        copy.write_row(row)
                        rows += 1
                print(f"{table}: {rows:,} rows ({time.perf_counter() - started:.0f} s)")
            pg.execute("UPDATE evaluator SET day_counts_zone = NULL")
            pg.commit()
            pg.autocommit = True
            pg.execute("ANALYZE")
        lite.close()
        how = (marker.read_text(encoding="utf-8")).strip()
        kept.filled(
            "postgresql",
            name,
            f"copied with COPY from the SQLite store filled as: {how}",
        )
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        size = connection.execute(
            text(
                "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s"
            ),
            {"s": store.schema},
        ).scalar()
    engine.dispose()
    print(f"copied in {time.perf_counter() - started:.0f} s; schema {store.schema}: {size}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stores", type=Path, help="the folder given to bench.run --stores")
    parser.add_argument("name", help="the store's name, e.g. hist1000000-seed2022")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="SQLAlchemy URL")
    args = parser.parse_args()
    copy_store(args.stores, args.name, args.postgres_url)


if __name__ == "__main__":
    main()
