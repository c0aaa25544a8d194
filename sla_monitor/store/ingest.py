"""Storing a batch of parsed events (idempotency, claim consistency), and recomputing the
goals of the claims they touched (materialisation).

One transaction a batch: its events, the claims they create and the marks that their claims'
goals are stale are committed together, and the result is returned only after the commit, so
nothing half-written is ever acknowledged. `materialise_stale` then recomputes each stale
claim once from all its stored events, however many batches touched it, a chunk of claims a
transaction; the claim view replays events and never waits for it.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TypeVar

from sqlalchemy import Engine, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, SQLModel, col

from sla_monitor.auth import Token
from sla_monitor.domain.calendar_data import Fingerprint
from sla_monitor.domain.events import FIELDS, Event, EventError
from sla_monitor.domain.goals import GoalRecord, Phase
from sla_monitor.domain.recording import EVENTS as EVENTS_TOTAL
from sla_monitor.domain.recording import Recorded, account
from sla_monitor.domain.timer import Claim
from sla_monitor.domain.timer import Engine as SlaEngine
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store import counters, fingerprints, open_counts
from sla_monitor.store.bulk import insert_rows, insert_tuples
from sla_monitor.store.db import session_scope
from sla_monitor.store.locks import lock_claims
from sla_monitor.store.queries import RECORD_COLUMNS, histories, stored_record
from sla_monitor.store.tables import ClaimRow, EventRow, GoalRow, GoalVersionRow

# Core tables: executemany without the ORM's per-row bookkeeping, and reads of plain columns
# on the session's connection, past the ORM's result processing (about a fifth of a read's time).
EVENTS, CLAIMS, GOALS, VERSIONS = (
    SQLModel.metadata.tables[t.__tablename__] for t in (EventRow, ClaimRow, GoalRow, GoalVersionRow)
)
EVENT_COLUMNS = (*FIELDS, "received_at")
_event_values = attrgetter(*FIELDS)  # an Event's stored values, in the order of FIELDS
# Versions a report can count: a goal not started or cancelled counts in none.
COUNTED_PHASES = (Phase.RUNNING, Phase.PAUSED, Phase.STOPPED)
T = TypeVar("T")
CHUNK = 2000  # keeps IN (...) lists well under every database's parameter limit
RETRIES = 12  # a concurrent writer stored one of our event_ids first: classify again


@dataclass(frozen=True)
class Rejection:
    index: int
    event_id: str | None
    error: str


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected.extend(other.rejected)


def chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def row_to_event(row: EventRow) -> Event:
    return Event(
        event_id=row.event_id,
        claim_id=row.claim_id,
        type=row.type,
        occurred_at=row.occurred_at,
        channel=row.channel,
        branch_code=row.branch_code,
        employer_id=row.employer_id,
        batch_id=row.batch_id,
        amount=row.amount,
        reason=row.reason,
    )


# PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back
# because of a concurrent writer, and running it again is the documented remedy.
RETRYABLE_SQLSTATES = {"40P01", "40001"}


def is_write_conflict(exc: IntegrityError | OperationalError) -> bool:
    """A concurrent writer got in first: the whole batch can be classified and written again."""
    if isinstance(exc, IntegrityError):
        return True
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def ingest(
    *,
    db: Engine,
    items: Sequence[Event | EventError],
    received_at: Instant,
    goal_event_types: Collection[str],
    writer: Token | None = None,
) -> IngestResult:
    """Store the valid events of a batch; `items[i]` is an event or why it could not be parsed.

    The claims they create, and the stored claims an event of `goal_event_types` reaches
    (`SlaConfig.goal_event_types`: no other type changes a goal), are marked stale for
    `materialise_stale`. With a `writer`, events outside its channels or branches are
    rejected, each with the reason.
    """
    return retrying(
        db, lambda session: _ingest(session, items, received_at, goal_event_types, writer)
    )


@dataclass
class _Pin:
    """What a claim's events agree on so far: the submitted event, channel and branch."""

    submitted_event_id: str | None = None
    channel: str | None = None
    branch_code: str | None = None


def _ingest(
    session: Session,
    items: Sequence[Event | EventError],
    received_at: Instant,
    goal_event_types: Collection[str],
    writer: Token | None,
) -> IngestResult:
    result = IngestResult()
    events = [item for item in items if isinstance(item, Event)]
    lock_claims(session, (e.claim_id for e in events))  # before any read of them
    stored = _stored_events(session, [e.event_id for e in events])
    stored_claims: set[str] = set()
    pins = _pins(session, sorted({e.claim_id for e in events}), stored_claims)
    batch: dict[str, Event] = {}
    for index, item in enumerate(items):
        if isinstance(item, EventError):
            result.rejected.append(Rejection(index, item.event_id, str(item)))
            continue
        if writer is not None:
            pin = pins[item.claim_id]  # a stored claim's channel and branch decide
            refusal = writer.refusal(
                channel=pin.channel or item.channel, branch_code=pin.branch_code or item.branch_code
            )
            if refusal:
                result.rejected.append(Rejection(index, item.event_id, refusal))
                continue
        earlier = stored.get(item.event_id) or batch.get(item.event_id)
        if earlier is not None:
            differs = item.differences(earlier)
            if not differs:
                result.duplicates += 1
                continue
            error = (
                f"event_id {item.event_id!r} was already used for a different event "
                f"(it differs in {', '.join(differs)}); an event_id names one event forever"
            )
            result.rejected.append(Rejection(index, item.event_id, error))
            continue
        problem = _conflict(item, pins[item.claim_id])
        if problem:
            result.rejected.append(Rejection(index, item.event_id, problem))
            continue
        pin = pins[item.claim_id]
        if item.type == "submitted":
            pin.submitted_event_id = item.event_id
        pin.channel = pin.channel or item.channel
        pin.branch_code = pin.branch_code or item.branch_code
        batch[item.event_id] = item
        result.accepted += 1
    if batch:
        _store(session, list(batch.values()), stored_claims, received_at, goal_event_types)
    outcomes = {
        "accepted": result.accepted,
        "duplicate": result.duplicates,
        "rejected": len(result.rejected),
    }
    counters.add(
        session=session,
        increments={(EVENTS_TOTAL, "", "", "", outcome): n for outcome, n in outcomes.items()},
    )
    return result


def _conflict(event: Event, pin: _Pin) -> str | None:
    claim = f"claim {event.claim_id!r}"
    if event.type == "submitted" and pin.submitted_event_id is not None:
        return (
            f"{claim} was already submitted by event {pin.submitted_event_id!r}; "
            "a claim has one submitted event"
        )
    for name, value, pinned in (
        ("channel", event.channel, pin.channel),
        ("branch_code", event.branch_code, pin.branch_code),
    ):
        if value is not None and pinned is not None and value != pinned:
            source = "is" if pin.submitted_event_id else "has waiting events with"
            return f"{claim} {source} {name} {pinned!r}, but this event says {value!r}"
    return None


def _stored_events(session: Session, event_ids: list[str]) -> dict[str, Event]:
    found: dict[str, Event] = {}
    for part in chunks(sorted(set(event_ids))):
        query = select(*(EVENTS.c[name] for name in FIELDS)).where(EVENTS.c.event_id.in_(part))
        for row in session.connection().execute(query):
            found[row.event_id] = Event(**row._mapping)
    return found


def _pins(
    session: Session, claim_ids: list[str], stored_claims: set[str]
) -> defaultdict[str, _Pin]:
    """What the stored events of these claims agree on; fills `stored_claims` on the way."""
    pins: defaultdict[str, _Pin] = defaultdict(_Pin)
    c = CLAIMS.c
    for part in chunks(claim_ids):
        query = select(c.claim_id, c.channel, c.branch_code, c.submitted_event_id)
        for claim_id, channel, branch_code, submitted_event_id in session.connection().execute(
            query.where(c.claim_id.in_(part))
        ):
            stored_claims.add(claim_id)
            pins[claim_id] = _Pin(submitted_event_id, channel, branch_code)
        waiting = select(
            col(EventRow.claim_id), col(EventRow.channel), col(EventRow.branch_code)
        ).where(
            col(EventRow.claim_id).in_([c for c in part if c not in pins]),
            (col(EventRow.channel).is_not(None)) | (col(EventRow.branch_code).is_not(None)),
        )
        for claim_id, channel, branch_code in session.connection().execute(waiting):
            pin = pins[claim_id]
            pin.channel = pin.channel or channel
            pin.branch_code = pin.branch_code or branch_code
    return pins


def _store(
    session: Session,
    events: list[Event],
    stored_claims: set[str],
    received_at: Instant,
    goal_event_types: Collection[str],
) -> None:
    # Rows in key order, so concurrent batches holding the same keys lock them in the same
    # order and wait for each other instead of deadlocking.
    events = sorted(events, key=lambda e: e.event_id)
    insert_tuples(
        session, EVENTS, EVENT_COLUMNS, [(*_event_values(e), received_at) for e in events]
    )
    new_claims = [
        {
            "claim_id": e.claim_id,
            "channel": e.channel,
            "branch_code": e.branch_code,
            "submitted_at": e.occurred_at,
            "submitted_event_id": e.event_id,
            "updated_at": received_at,
            "stale": True,
        }
        for e in sorted(events, key=lambda e: e.claim_id)
        if e.type == "submitted"
    ]
    insert_rows(session, CLAIMS, new_claims)
    touched = sorted({e.claim_id for e in events if e.type in goal_event_types} & stored_claims)
    for part in chunks(touched):
        # A claim already waiting to be recomputed is not written again.
        marked = CLAIMS.c.claim_id.in_(part) & ~CLAIMS.c.stale
        session.execute(update(CLAIMS).where(marked).values(stale=True))


def claim_of(row: ClaimRow) -> Claim:
    return Claim(row.claim_id, row.channel, row.branch_code, row.submitted_at)


def rematerialise(
    *, session: Session, sla: SlaEngine, claims: Sequence[Claim], now: Instant
) -> None:
    """Recompute the goal rows of these claims from all their stored events."""
    if not claims:
        return
    ids = [c.claim_id for c in claims]
    # The evaluator row before the goals, in the order an evaluation takes them.
    changes = open_counts.Changes(open_counts.hold_for_rewrite(session))
    history = histories(session=session, claim_ids=ids)
    stored = _stored_goals(session, ids)
    increments: Counter[counters.CounterKey] = Counter()
    goal_rows: list[dict[str, object]] = []
    calendars = sla.fingerprints
    claim_rows: list[dict[str, object]] = []
    version_rows: list[dict[str, object]] = []
    for claim in claims:
        events = history[claim.claim_id]
        policy_id, versions = sla.versions(claim, events)
        claim_rows.append(
            {
                "claim_id": claim.claim_id,
                "policy_id": policy_id,
                "updated_at": now,
                "stale": False,
            }
        )
        old_goals = stored.get(claim.claim_id, {})
        for goal_versions in versions:
            r = goal_versions[-1].record
            old = old_goals.pop(r.goal_id, None)
            changes.replace(claim.channel, claim.branch_code, old.record if old else None, r)
            before = old.recorded if old else Recorded()
            after, counted = account(before, r, now)
            for name, detail in counted:
                increments[(name, claim.channel, r.goal_id, claim.branch_code, detail)] += 1
            goal_rows.append(
                {
                    **_record_columns(claim, r),
                    "policy_id": policy_id,
                    "breach_recorded_at": after.breach_at,
                    "outcome_recorded": after.outcome,
                    "calendar_fingerprint": _digest(calendars.get((policy_id or "", r.goal_id))),
                }
            )
            version_rows.extend(
                {
                    **_record_columns(claim, v.record),
                    "valid_from": v.valid_from,
                    "valid_to": v.valid_to,
                }
                for v in goal_versions
                if v.record.phase in COUNTED_PHASES
            )
        for gone in old_goals.values():  # a goal its policy no longer has
            changes.replace(claim.channel, claim.branch_code, gone.record, None)
    session.execute(
        update(CLAIMS).where(CLAIMS.c.claim_id == bindparam("key")),
        [{**row, "key": row.pop("claim_id")} for row in claim_rows],
    )
    for part in chunks(ids):
        session.execute(delete(GOALS).where(GOALS.c.claim_id.in_(part)))
        session.execute(delete(VERSIONS).where(VERSIONS.c.claim_id.in_(part)))
    fingerprints.keep(session=session, fingerprints=filter(None, calendars.values()), now=now)
    insert_rows(session, GOALS, goal_rows)
    insert_rows(session, VERSIONS, version_rows)
    counters.add(session=session, increments=increments)
    open_counts.apply(session, changes.deltas)


def _digest(fingerprint: Fingerprint | None) -> str | None:
    return None if fingerprint is None else fingerprint.digest


def _record_columns(claim: Claim, r: GoalRecord) -> dict[str, object]:
    return {
        "claim_id": claim.claim_id,
        "goal_id": r.goal_id,
        "channel": claim.channel,
        "branch_code": claim.branch_code,
        "phase": r.phase.value,
        "started_at": r.started_at,
        "ended_at": r.ended_at,
        "due_at": r.due_at,
        "at_risk_at": r.at_risk_at,
        "elapsed_us": r.elapsed,
        "target_us": r.target,
    }


@dataclass(frozen=True)
class _StoredGoal:
    record: GoalRecord  # as stored before this rewrite
    recorded: Recorded  # what the metrics have already counted of it


def _stored_goals(session: Session, claim_ids: Sequence[str]) -> dict[str, dict[str, _StoredGoal]]:
    """These claims' goal rows as stored, by claim and goal."""
    g = GOALS.c
    found: defaultdict[str, dict[str, _StoredGoal]] = defaultdict(dict)
    for part in chunks(claim_ids):
        query = select(
            g.claim_id, g.breach_recorded_at, g.outcome_recorded, *(g[n] for n in RECORD_COLUMNS)
        ).where(g.claim_id.in_(part))
        # FOR UPDATE: an evaluation recording a breach of these goals commits before this
        # read, or waits until these rows are rewritten; it is never counted twice.
        for row in session.connection().execute(query.with_for_update()):
            record = stored_record(row[3:])
            recorded = Recorded(row.breach_recorded_at, row.outcome_recorded)
            found[row.claim_id][record.goal_id] = _StoredGoal(record, recorded)
    return found


def materialise_stale(
    *,
    db: Engine,
    sla: SlaEngine,
    now: Instant,
    chunk: int = 1000,
    progress: Callable[[int], None] = lambda done: None,
) -> int:
    """Recompute the goals of every stale claim, a chunk a transaction; returns how many.

    One pass in claim id order: a claim made stale again behind the pass waits for the next
    one, so a pass ends however fast new events arrive (an evaluation that finishes the
    stale claims before it counts is never held up by a steady stream of posts).
    """
    done, after = 0, ""
    c = CLAIMS.c

    def one_chunk(session: Session) -> list[Claim]:
        query = (
            select(c.claim_id, c.channel, c.branch_code, c.submitted_at)
            .where(c.stale, c.claim_id > after)
            .order_by(c.claim_id)
            .limit(chunk)
        )
        claims = [Claim(*row) for row in session.execute(query)]
        if claims:
            lock_claims(session, (claim.claim_id for claim in claims))
            rematerialise(session=session, sla=sla, claims=claims, now=now)
        return claims

    while claims := retrying(db, one_chunk):
        done += len(claims)
        after = claims[-1].claim_id
        progress(len(claims))
    return done


def retrying(db: Engine, work: Callable[[Session], T]) -> T:
    """Run `work` in a transaction, again from the start when a concurrent writer forced a
    rollback (a unique key taken first, a deadlock): nothing of a failed attempt remains.
    """
    for attempt in range(RETRIES):
        try:
            with session_scope(db) as session:
                return work(session)
        except (IntegrityError, OperationalError) as exc:
            if attempt == RETRIES - 1 or not is_write_conflict(exc):
                raise
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))
    raise AssertionError("unreachable")
