"""Storing a batch of parsed events: idempotency, claim consistency, a writer's scopes.

One transaction a batch: its events, the claims they create and the marks that their claims'
goals are stale are committed together, and the result is returned only after the commit, so
nothing half-written is ever acknowledged. The goals of the stale claims are recomputed after
(services.recompute), each claim once however many batches touched it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from sla_monitor.auth import Token
from sla_monitor.domain.events import FIELDS, Event, EventError
from sla_monitor.domain.recording import Counted
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store import counters
from sla_monitor.store.bulk import insert_rows, insert_tuples
from sla_monitor.store.locks import lock_claims
from sla_monitor.store.tables import CLAIMS, EVENTS, EventRow
from sla_monitor.store.transactions import chunks, one_of, retrying

EVENT_COLUMNS = (*FIELDS, "received_at")
_event_values = attrgetter(*FIELDS)  # an Event's stored values, in the order of FIELDS


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
    stored: list[Event] = field(default_factory=list)  # the accepted events, as stored


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
    `recompute_stale`. With a `writer`, events outside its channels or branches are
    rejected, each with the reason.
    """
    return retrying(
        db, lambda session: _ingest(session, items, received_at, goal_event_types, writer)
    )


def ingest_in(
    session: Session,
    *,
    items: Sequence[Event | EventError],
    received_at: Instant,
    goal_event_types: Collection[str],
) -> IngestResult:
    """`ingest` in the caller's transaction, which holds every claim already (`lock_all_claims`):
    a dry run classifies a whole import in one transaction and rolls it back."""
    return _ingest(session, items, received_at, goal_event_types, None, lock=False)


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
    *,
    lock: bool = True,
) -> IngestResult:
    result = IngestResult()
    events = [item for item in items if isinstance(item, Event)]
    if lock:
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
        result.stored = list(batch.values())
        _store(session, result.stored, stored_claims, received_at, goal_event_types)
    outcomes = {
        "accepted": result.accepted,
        "duplicate": result.duplicates,
        "rejected": len(result.rejected),
    }
    counters.add(
        session=session,
        increments={(Counted.EVENTS, "", "", "", outcome): n for outcome, n in outcomes.items()},
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
        query = select(*(EVENTS.c[name] for name in FIELDS)).where(
            one_of(session, EVENTS.c.event_id, part)
        )
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
            query.where(one_of(session, c.claim_id, part))
        ):
            stored_claims.add(claim_id)
            pins[claim_id] = _Pin(submitted_event_id, channel, branch_code)
        waiting = select(
            col(EventRow.claim_id), col(EventRow.channel), col(EventRow.branch_code)
        ).where(
            one_of(session, EVENTS.c.claim_id, [c for c in part if c not in pins]),
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
        marked = one_of(session, CLAIMS.c.claim_id, part) & ~CLAIMS.c.stale
        session.execute(update(CLAIMS).where(marked).values(stale=True))
