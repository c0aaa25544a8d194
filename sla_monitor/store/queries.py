"""Read queries, keyword-only, returning table rows or plain values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    func,
    select,
)
from sqlmodel import Session, col

from sla_monitor.domain.goals import ClockEvent, GoalRecord, Phase
from sla_monitor.store.tables import (
    EVENTS,
    ClaimRow,
    EventRow,
)
from sla_monitor.store.transactions import chunks, one_of

CHUNK = 500


def get_claim(*, session: Session, claim_id: str) -> ClaimRow | None:
    return session.get(ClaimRow, claim_id)


def claim_events(*, session: Session, claim_id: str) -> list[EventRow]:
    query = (
        select(EventRow)
        .where(col(EventRow.claim_id) == claim_id)
        .order_by(col(EventRow.occurred_at), col(EventRow.id))
    )
    return list(session.execute(query).scalars())


def histories(
    *,
    session: Session,
    claim_ids: Sequence[str],
    known: Mapping[str, Sequence[ClockEvent]] | None = None,
) -> Mapping[str, Sequence[ClockEvent]]:
    """Every stored event of these claims, as the clock sees them.

    `known`: events the caller stored itself, by claim (an import keeps them). A claim's
    known events are its history when the store holds exactly as many events of it: events
    are never changed or removed and their ids are unique, so no other can be missing. Only
    the others are read, row by row; the counts come from the claim index alone."""
    found: defaultdict[str, Sequence[ClockEvent]] = defaultdict(list)
    read: defaultdict[str, list[ClockEvent]] = defaultdict(list)
    if known:
        counts = event_counts(session=session, claim_ids=[c for c in claim_ids if c in known])
        for claim_id, count in counts.items():
            if count == len(known[claim_id]):
                found[claim_id] = known[claim_id]
        claim_ids = [c for c in claim_ids if c not in found]
    for start in range(0, len(claim_ids), CHUNK):
        part = claim_ids[start : start + CHUNK]
        query = select(
            col(EventRow.claim_id),
            col(EventRow.event_id),
            col(EventRow.type),
            col(EventRow.occurred_at),
        ).where(one_of(session, EVENTS.c.claim_id, part))
        # On the connection: plain columns need none of the ORM's result processing.
        for claim_id, event_id, kind, occurred_at in session.connection().execute(query):
            read[claim_id].append(ClockEvent(event_id, kind, occurred_at))
    found.update(read)
    return found


def event_counts(*, session: Session, claim_ids: Sequence[str]) -> dict[str, int]:
    """How many events the store holds of each of these claims (none: not in the result)."""
    counts: dict[str, int] = {}
    claim = EVENTS.c.claim_id
    for part in chunks(claim_ids):
        query = select(claim, func.count()).where(one_of(session, claim, part)).group_by(claim)
        counts.update((c, n) for c, n in session.connection().execute(query))
    return counts


def waiting_events(*, session: Session) -> int:
    """Events stored for claims whose `submitted` has not arrived."""
    query = (
        select(func.count())
        .select_from(EventRow)
        .where(
            ~select(col(ClaimRow.claim_id))
            .where(col(ClaimRow.claim_id) == col(EventRow.claim_id))
            .exists()
        )
    )
    return int(session.execute(query).scalar_one())


# The columns of a stored goal record, in the order of clock.GoalRecord's fields.
RECORD_COLUMNS = (
    "goal_id",
    "phase",
    "started_at",
    "ended_at",
    "due_at",
    "at_risk_at",
    "elapsed_us",
    "target_us",
)


def stored_record(values: Sequence[Any]) -> GoalRecord:
    """The GoalRecord of a row's RECORD_COLUMNS, in their order."""
    goal_id, phase, *instants = values
    return GoalRecord(goal_id, Phase(phase), *instants)


def claim_count(*, session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(ClaimRow)).scalar_one())


def stale_claims(*, session: Session) -> int:
    """Claims whose goals do not reflect all their stored events yet (ix_claims_stale)."""
    query = select(func.count()).select_from(ClaimRow).where(col(ClaimRow.stale))
    return int(session.execute(query).scalar_one())
