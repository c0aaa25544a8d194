"""The periodic evaluation and its bookkeeping, with an injected clock (docs/metrics.md)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.entrypoints.scheduler import Monitor
from sla_monitor.services.evaluate import evaluate, load_snapshot
from sla_monitor.store import evaluator as lease
from sla_monitor.store.db import session_scope
from sla_monitor.store.evaluator import LEASE
from sla_monitor.store.tables import BREACH_RECORDS, GOALS

from .helpers import ev, store, submitted

# Started Mon 16 Nov 09:00 WIB: at risk from the end of Fri 20 Nov (4 of 5 days used),
# due at the end of Mon 23 Nov (Tue 24 00:00 WIB).
STARTED = "2026-11-16T09:00:00+07:00"
AT_RISK = parse_rfc3339("2026-11-21T00:00:00+07:00")
DUE = parse_rfc3339("2026-11-24T00:00:00+07:00")
LATER = parse_rfc3339("2026-12-01T00:00:00+07:00")
KEY = ("online", "payment", "JKT")


def open_counts(db: Engine) -> dict[str, int]:
    snapshot = load_snapshot(db=db)
    return {s: n for (c, g, b, s), n in snapshot.open_goals.items() if (c, g, b) == KEY}


def counter(db: Engine, name: str, detail: str = "") -> int:
    return load_snapshot(db=db).counters[(name, *KEY, detail)]


def test_time_alone_moves_a_goal_to_at_risk_then_breached(db: Engine, sla: SlaTimer) -> None:
    received = parse_rfc3339("2026-11-16T10:00:00+07:00")
    store(
        db,
        sla,
        submitted("E1", "C1", STARTED),
        ev("E2", "C1", "documents_completed", STARTED),
        now=received,
    )
    evaluate(db=db, now=AT_RISK - 1)
    assert open_counts(db) == {"on_track": 1}
    evaluate(db=db, now=AT_RISK)
    assert open_counts(db) == {"at_risk": 1}
    evaluate(db=db, now=DUE)  # exactly at the deadline: not yet breached
    assert open_counts(db) == {"at_risk": 1} and counter(db, "breaches") == 0
    evaluate(db=db, now=DUE + 1)
    assert open_counts(db) == {"breached": 1} and counter(db, "breaches") == 1
    evaluate(db=db, now=DUE + 2)
    assert counter(db, "breaches") == 1  # counted once
    assert load_snapshot(db=db).evaluated_at == DUE + 2


def test_a_late_payment_is_closed_once_and_reclassified(db: Engine, sla: SlaTimer) -> None:
    store(
        db,
        sla,
        submitted("E1", "C1", STARTED),
        ev("E2", "C1", "documents_completed", STARTED),
        now=LATER,
    )
    evaluate(db=db, now=DUE + 1)
    assert counter(db, "breaches") == 1
    # Paid on Friday, reported only now: the breach was not real.
    store(db, sla, ev("E3", "C1", "paid", "2026-11-20T10:00:00+07:00"), now=LATER)
    evaluate(db=db, now=LATER)
    assert open_counts(db) == {}
    assert counter(db, "closed", "met") == 1
    assert counter(db, "breaches") == 1  # counters never go down
    assert load_snapshot(db=db).counters[("reclassified", *KEY, "breached:met")] == 1
    store(db, sla, ev("E3", "C1", "paid", "2026-11-20T10:00:00+07:00"), now=LATER)  # a duplicate
    assert counter(db, "closed", "met") == 1


def test_a_late_closure_counts_a_breach_at_ingest(db: Engine, sla: SlaTimer) -> None:
    store(
        db,
        sla,
        submitted("E1", "C1", STARTED),
        ev("E2", "C1", "documents_completed", STARTED),
        ev("E3", "C1", "paid", "2026-11-25T10:00:00+07:00"),
        now=LATER,
    )
    assert counter(db, "closed", "breached") == 1 and counter(db, "breaches") == 1
    evaluate(db=db, now=LATER)
    assert counter(db, "breaches") == 1


def test_event_outcomes_are_counted(db: Engine, sla: SlaTimer) -> None:
    store(
        db,
        sla,
        submitted("E1", "C1", STARTED),
        submitted("E1", "C1", STARTED),
        {"event_id": "bad"},
        now=LATER,
    )
    counts = load_snapshot(db=db).counters
    assert [counts[("events", "", "", "", o)] for o in ("accepted", "duplicate", "rejected")] == [
        1,
        1,
        1,
    ]


def test_one_evaluator_at_a_time_and_takeover(db: Engine) -> None:
    ttl = 90_000_000
    assert lease.acquire(db=db, name=LEASE, holder="a", now=0, ttl=ttl)
    assert not lease.acquire(db=db, name=LEASE, holder="b", now=ttl - 1, ttl=ttl)
    assert lease.acquire(db=db, name=LEASE, holder="a", now=ttl - 1, ttl=ttl)  # renewed
    assert not lease.acquire(db=db, name=LEASE, holder="b", now=2 * ttl - 2, ttl=ttl)
    assert lease.acquire(db=db, name=LEASE, holder="b", now=2 * ttl, ttl=ttl)  # a stopped renewing
    lease.release(db=db, name=LEASE, holder="b")
    assert lease.acquire(
        db=db, name=LEASE, holder="a", now=2 * ttl + 1, ttl=ttl
    )  # released: at once


def test_monitors_share_the_work_and_the_snapshot(db: Engine, sla: SlaTimer) -> None:
    clock = [DUE + 1]
    first = Monitor(db=db, sla=sla, interval=30, clock=lambda: clock[0], holder="first")
    second = Monitor(db=db, sla=sla, interval=30, clock=lambda: clock[0], holder="second")
    store(
        db,
        sla,
        submitted("E1", "C1", STARTED),
        ev("E2", "C1", "documents_completed", STARTED),
        now=LATER,
    )
    first.tick()
    second.tick()
    assert (first.leading, second.leading) == (True, False)
    assert first.snapshot == second.snapshot and first.snapshot.open_goals
    assert first.readiness() is None and second.readiness() is None
    first.stop()  # releases the lease
    clock[0] += 1_000_000
    second.tick()
    assert second.leading and second.snapshot.evaluated_at == clock[0]


def test_the_evaluator_finishes_an_interrupted_import(db: Engine, sla: SlaTimer) -> None:
    from .helpers import put

    raws = [submitted("E1", "C1", STARTED), ev("E2", "C1", "documents_completed", STARTED)]
    put(db, sla, raws, now=LATER)  # stored, not recomputed
    monitor = Monitor(db=db, sla=sla, interval=30, clock=lambda: DUE + 1, holder="m")
    monitor.tick()
    assert open_counts(db) == {"breached": 1}


def _random_claims(
    seed: int, count: int
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Claims started over November at two branches, and their later events (paused, some
    after the deadline passed, paid or cancelled): the second list."""
    import random

    rng = random.Random(seed)
    opening, later = [], []
    for n in range(count):
        claim, branch = f"C{n}", rng.choice(["JKT", "DPS"])
        start = parse_rfc3339(
            f"2026-11-{rng.randrange(2, 20):02d}T0{rng.randrange(10)}:00:00+07:00"
        )
        opening += [
            submitted(f"{claim}-s", claim, "2026-11-01T09:00:00+07:00", branch=branch),
            ev(f"{claim}-d", claim, "documents_completed", _stamp(start)),
        ]
        roll = rng.random()
        if roll < 0.3:  # paused, some after the deadline passed
            later.append(ev(f"{claim}-i", claim, "documents_incomplete", _stamp(start + 3_600e6)))
        elif roll < 0.45:
            later.append(ev(f"{claim}-p", claim, "paid", _stamp(start + 7_200e6)))
        elif roll < 0.5:
            later.append(ev(f"{claim}-c", claim, "cancelled", _stamp(start + 600e6)))
    return opening, later


def _statuses_at(db: Engine, now: int) -> tuple[dict[tuple[str, str, str, str], int], set[int]]:
    """Open goals by status at `now`, goal by goal by GoalRecord.status_at, and every stored
    at-risk and due instant."""
    from sqlalchemy import select

    from sla_monitor.domain.goals import Phase
    from sla_monitor.store.db import session_scope
    from sla_monitor.store.queries import RECORD_COLUMNS, stored_record
    from sla_monitor.store.tables import GOALS

    expected: dict[tuple[str, str, str, str], int] = {}
    moments: set[int] = set()
    with session_scope(db) as session:
        g = GOALS.c
        rows = session.execute(select(g.channel, g.branch_code, *(g[c] for c in RECORD_COLUMNS)))
        for channel, branch, *columns in rows:
            record = stored_record(columns)
            moments |= {m for m in (record.due_at, record.at_risk_at) if m is not None}
            if record.phase in (Phase.RUNNING, Phase.PAUSED):
                key = (channel, record.goal_id, branch, record.status_at(now).value)
                expected[key] = expected.get(key, 0) + 1
    return expected, moments


def test_a_recount_agrees_with_each_goals_own_status(db: Engine, sla: SlaTimer) -> None:
    """The index-only aggregate against GoalRecord.status_at, goal by goal, at instants on,
    just before and just after the stored at-risk and due instants."""
    from sla_monitor.store import open_counts
    from sla_monitor.store.db import session_scope

    opening, later = _random_claims(7, 60)
    store(db, sla, *opening, *later, now=LATER)
    _, moments = _statuses_at(db, LATER)
    with session_scope(db) as session:
        for moment in sorted(moments)[::3]:
            for now in (moment - 1, moment, moment + 1):
                expected, _ = _statuses_at(db, now)
                assert dict(open_counts.recount(session, now)) == expected


def test_kept_counts_follow_time_and_late_events(db: Engine, sla: SlaTimer) -> None:
    """Evaluations that only move the counts (never recount) agree with every goal's own
    status at every instant where one changes, while new claims and late events (pauses,
    payments, cancellations after the goal was counted) arrive between them."""
    opening, later = _random_claims(11, 80)
    first, second = opening[: len(opening) // 2], opening[len(opening) // 2 :]
    store(db, sla, *first, now=LATER)
    _, moments = _statuses_at(db, LATER)
    instants = sorted(moments)
    evaluate(db=db, now=instants[0] - 1)  # the first: counts in full
    arrivals = {len(instants) // 4: second, len(instants) // 2: later}
    for index, moment in enumerate(instants):
        if index in arrivals:  # stored after the counts' instant moved past some deadlines
            store(db, sla, *arrivals[index], now=LATER)
        for now in (moment, moment + 1):
            result = evaluate(db=db, now=now)
            expected, _ = _statuses_at(db, now)
            assert not result.recounted
            assert {k: n for k, n in load_snapshot(db=db).open_goals.items() if n} == expected
            assert result.open_goals == sum(expected.values())
    check = evaluate(db=db, now=instants[-1] + 2, recount=True)
    assert check.recounted and check.drift == {}


def test_a_recount_finds_and_repairs_drifted_counts(db: Engine, sla: SlaTimer) -> None:
    from sqlalchemy import update

    from sla_monitor.store.tables import OPEN_COUNTS

    store(db, sla, submitted("E1", "C1", STARTED), ev("E2", "C1", "documents_completed", STARTED))
    evaluate(db=db, now=AT_RISK - 1)
    with db.begin() as connection:  # a hand edit the counts cannot know of
        connection.execute(update(OPEN_COUNTS).values(count=5))
    moved = evaluate(db=db, now=AT_RISK)
    # Time moved the one real goal; the four that are not there stay as they were.
    assert not moved.recounted and open_counts(db) == {"at_risk": 1, "on_track": 4}
    checked = evaluate(db=db, now=AT_RISK + 1, recount=True)
    assert checked.drift == {(*KEY, "on_track"): (4, 0)}
    assert open_counts(db) == {"at_risk": 1}


def test_an_evaluation_earlier_than_the_counts_counts_in_full(db: Engine, sla: SlaTimer) -> None:
    store(db, sla, submitted("E1", "C1", STARTED), ev("E2", "C1", "documents_completed", STARTED))
    evaluate(db=db, now=DUE + 1)
    assert open_counts(db) == {"breached": 1}
    back = evaluate(db=db, now=AT_RISK - 1)  # a clock set back
    assert back.recounted and open_counts(db) == {"on_track": 1}


def _stamp(instant: float) -> str:
    from sla_monitor.domain.timeutil import format_rfc3339

    return format_rfc3339(int(instant))


def test_an_evaluation_reads_goals_through_the_partial_indexes_only(
    tmp_path: Path, sla: SlaTimer
) -> None:
    """Each of a steady evaluation's reads of claim_goals is a search of one of the partial
    indexes of open goals: none reads the goals closed in time, which a five-year store holds
    by the tens of millions (SQLite's plans; PostgreSQL's depend on its statistics)."""
    from sqlalchemy import event

    from sla_monitor.store.db import make_engine, upgrade

    db = make_engine(f"sqlite:///{tmp_path / 'plans.db'}")
    upgrade(db)
    store(
        db,
        sla,
        submitted("E1", "C1", STARTED),
        ev("E2", "C1", "documents_completed", STARTED),
        submitted("E3", "C2", STARTED),
        ev("E4", "C2", "documents_completed", STARTED),
        ev("E5", "C2", "paid", STARTED),
    )
    evaluate(db=db, now=AT_RISK - 1)
    statements: list[tuple[str, object]] = []

    def seen(_conn: object, _cursor: object, statement: str, params: object, *_: object) -> None:
        statements.append((statement, params))

    event.listen(db, "before_cursor_execute", seen)
    evaluate(db=db, now=DUE + 1)
    event.remove(db, "before_cursor_execute", seen)
    partial = {
        "ix_claim_goals_open_unrecorded",
        "ix_claim_goals_open_due",
        "ix_claim_goals_running_at_risk",
    }
    reads = [(s, p) for s, p in statements if "FROM claim_goals" in s or "UPDATE claim_goals" in s]
    assert len(reads) == 3  # the breaches stamped, and the two ranges of changed statuses
    with db.connect() as connection:
        for statement, params in reads:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
            used = " ".join(str(row[-1]) for row in plan)
            assert any(f"INDEX {name} " in used for name in partial), (statement, used)
    db.dispose()


def test_a_breach_recorded_by_an_evaluation_is_folded_into_the_goal_by_a_rewrite(
    db: Engine, sla: SlaTimer
) -> None:
    """An evaluation inserts a breach record and leaves the goal's row as it was; the next
    rewrite of the claim's goals keeps the breach on the goal row and deletes the record;
    the breach is counted once through it all."""
    received = parse_rfc3339("2026-11-16T10:00:00+07:00")
    store(db, sla, submitted("E1", "C1", STARTED), ev("E2", "C1", "documents_completed", STARTED), now=received)  # fmt: skip
    evaluate(db=db, now=AT_RISK)
    evaluate(db=db, now=DUE + 1)
    assert counter(db, "breaches") == 1
    with session_scope(db) as session:
        assert session.execute(select(GOALS.c.breach_recorded_at)).scalar_one() is None
        assert session.execute(select(BREACH_RECORDS.c.recorded_at)).scalar_one() == DUE + 1
    # A later event rewrites the goals: the breach moves onto the goal row, counted once.
    store(db, sla, ev("E3", "C1", "documents_incomplete", "2026-11-25T10:00:00+07:00"), now=LATER)
    evaluate(db=db, now=LATER + 1)
    assert counter(db, "breaches") == 1
    with session_scope(db) as session:
        assert session.execute(select(GOALS.c.breach_recorded_at)).scalar_one() == DUE + 1
        assert session.execute(select(BREACH_RECORDS.c.recorded_at)).all() == []


def test_an_evaluation_records_the_deadlines_passed_since_the_last_and_a_recount_all(
    db: Engine, sla: SlaTimer
) -> None:
    """A deadline left unrecorded before the last evaluation (which cannot happen when
    every rewrite and evaluation share one clock) is out of an evaluation's range; the
    hourly recount records it."""
    received = parse_rfc3339("2026-11-16T10:00:00+07:00")
    store(db, sla, submitted("E1", "C1", STARTED), ev("E2", "C1", "documents_completed", STARTED), now=received)  # fmt: skip
    with session_scope(db) as session:
        lease.stamp(session, evaluated_at=LATER, duration_us=None)  # counts as of after DUE
    evaluate(db=db, now=LATER + 1)
    assert counter(db, "breaches") == 0
    evaluate(db=db, now=LATER + 2, recount=True)
    assert counter(db, "breaches") == 1
    evaluate(db=db, now=LATER + 3, recount=True)
    assert counter(db, "breaches") == 1
