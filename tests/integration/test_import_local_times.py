"""Import with --assume-local and --dry-run, on each backend (services/local_times.py,
services/import_target.py): a local time is placed in its claim's branch zone whichever batch,
parse worker or earlier import names the branch; a dry run classifies as an import would and
leaves the database as it was."""

from __future__ import annotations

import io
from collections.abc import Iterator

from sqlalchemy import Engine, inspect, text

from sla_monitor.domain.spelling import FileReading
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.services.import_files import ImportResult, SourceLine, import_lines
from sla_monitor.services.import_target import ImportTarget, dry_run_target
from sla_monitor.services.spreadsheets import read_csv

from .helpers import NOW, ev, store, submitted

HEADER = "event_id;claim_id;type;occurred_at;channel;branch_code\n"
# Claim K-DPS (Denpasar, WITA): its other events come before its submitted, in earlier batches.
# Claim K-JYP (Jayapura DJJ, WIT): submitted first. K-OLD: submitted by an earlier import, in
# Makassar (MKS). K-NONE: no branch anywhere.
LOCAL_ROWS = [
    "D-2;K-DPS;documents_completed;11/11/2026 10:00;;",
    "D-3;K-DPS;paid;13/11/2026 14:00;;",
    "J-1;K-JYP;submitted;2026-11-09 08:00;online;djj",
    "J-2;K-JYP;documents_completed;2026-11-09 09:30:00;;",
    "O-2;K-OLD;documents_completed;2026-11-10T11:00;;",
    "N-1;K-NONE;paid;2026-11-10 11:00;;",
    "J-3;K-JYP;paid;2026-11-12 16:00+07:00;;",  # an offset: kept, and not RFC 3339 either
    "D-1;K-DPS;submitted;10/11/2026 09:00;collective;DPS",
]
# The same events written in RFC 3339, in each claim's zone.
RFC_ROWS = [
    "D-2;K-DPS;documents_completed;2026-11-11T10:00:00+08:00;;",
    "D-3;K-DPS;paid;2026-11-13T14:00:00+08:00;;",
    "J-1;K-JYP;submitted;2026-11-09T08:00:00+09:00;online;DJJ",
    "J-2;K-JYP;documents_completed;2026-11-09T09:30:00+09:00;;",
    "O-2;K-OLD;documents_completed;2026-11-10T11:00:00+08:00;;",
    "D-1;K-DPS;submitted;2026-11-10T09:00:00+08:00;collective;DPS",
]


def lines(rows: list[str]) -> Iterator[SourceLine]:
    return read_csv(io.BytesIO((HEADER + "\n".join(rows) + "\n").encode()), lambda _n: None)


def run(
    db: Engine, sla: SlaTimer, rows: list[str], *, workers: int = 0, **options: object
) -> ImportResult:
    reading = FileReading.of(sla.config.channels, sla.config.branches, assume_local=True)
    return import_lines(
        lines(rows),
        source="f.csv",
        db=db,
        sla=sla,
        clock=lambda: NOW,
        batch_size=2,  # each claim's events over several batches
        parse_workers=workers,
        reading=reading,
        **options,  # type: ignore[arg-type]
    )


def stored(db: Engine) -> list[tuple[object, ...]]:
    with db.connect() as connection:
        events = connection.execute(
            text("SELECT event_id, occurred_at FROM events ORDER BY event_id")
        )
        goals = connection.execute(
            text("SELECT claim_id, goal_id, phase, due_at FROM claim_goals ORDER BY claim_id")
        )
        return [*map(tuple, events), *map(tuple, goals)]


def clear(db: Engine) -> None:
    with db.begin() as connection:
        for table in ("goal_versions", "claim_goals", "claims", "events", "metric_counters"):
            connection.execute(text(f"DELETE FROM {table}"))


def test_local_times_give_the_instants_and_deadlines_of_rfc3339(db: Engine, sla: SlaTimer) -> None:
    old = submitted("O-1", "K-OLD", "2026-11-10T09:00:00+08:00", branch="MKS")
    for workers in (0, 2):
        store(db, sla, old)
        result = run(db, sla, LOCAL_ROWS, workers=workers)
        assert (result.accepted, result.lines) == (6, 8)
        assert [(r.line, r.event_id) for r in result.rejections] == [(7, "N-1"), (8, "J-3")]
        assert "the branch of claim 'K-NONE' is not known" in result.rejections[0].reason
        assert "not an RFC 3339 timestamp" in result.rejections[1].reason
        local = stored(db)
        clear(db)
        store(db, sla, old)
        assert run(db, sla, RFC_ROWS).accepted == 6
        assert stored(db) == local, f"with {workers} parse workers"
        clear(db)


def test_a_dry_run_classifies_as_an_import_and_stores_nothing(db: Engine, sla: SlaTimer) -> None:
    store(
        db,
        sla,
        submitted("O-1", "K-OLD", "2026-11-10T09:00:00+08:00", branch="MKS"),
        ev("W-1", "K-WAIT", "paid", "2026-11-12T10:00:00+07:00"),
    )
    rows = [
        *LOCAL_ROWS[:6],
        LOCAL_ROWS[7],
        "O-1;K-OLD;submitted;2026-11-10 09:00;online;mks",  # a duplicate of the stored one
        "W-1;K-WAIT;paid;2026-11-12 11:00:00;;JKT",  # the same id, another time: a conflict
        "W-2;K-WAIT;verified;2026-11-11 09:00;;",  # waits, in the zone of JKT
    ]
    before = snapshot(db)
    with dry_run_target(db, sla) as target:
        rehearsed = run(db, sla, rows, target=target)
        waiting = target.unsubmitted(["K-WAIT", "K-DPS", "K-OLD", "K-NONE"])
    assert snapshot(db) == before
    assert (rehearsed.accepted, rehearsed.duplicates, rehearsed.recomputed) == (7, 1, 0)
    assert [(r.line, r.event_id) for r in rehearsed.rejections] == [(7, "N-1"), (10, "W-1")]
    assert "differs in occurred_at" in rehearsed.rejections[1].reason
    assert waiting == {"K-WAIT", "K-NONE"}  # K-DPS was submitted, in the dry run's transaction
    # The same import for real gives the same counts.
    real = run(db, sla, rows, target=ImportTarget(db, sla))
    assert (real.accepted, real.duplicates, real.rejections) == (
        rehearsed.accepted,
        rehearsed.duplicates,
        rehearsed.rejections,
    )
    assert snapshot(db) != before


def snapshot(db: Engine) -> dict[str, list[str]]:
    """Every row of every table, as text, in a stable order."""
    with db.connect() as connection:
        return {
            table: sorted(map(repr, connection.execute(text(f"SELECT * FROM {table}"))))
            for table in inspect(connection).get_table_names()
        }
