"""Events waiting for their claim: stored for a claim whose `submitted` event is not (yet).

A claim exists once its `submitted` is stored (the claims table); until then its events are
kept, checked, and wait (docs/events.md#waiting-events). These queries tell which claims are
in that state and what an import needs to know about claims from the store.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from sqlalchemy import select
from sqlmodel import Session

from sla_monitor.domain.waiting import WaitingClaim
from sla_monitor.store.tables import CLAIMS, EVENTS
from sla_monitor.store.transactions import chunks


def waiting_claims(*, session: Session) -> list[WaitingClaim]:
    """Every claim with stored events and no stored `submitted`, the longest waiting first."""
    e = EVENTS.c
    query = (
        select(e.claim_id, e.event_id, e.type, e.occurred_at, e.branch_code)
        .where(~select(CLAIMS.c.claim_id).where(CLAIMS.c.claim_id == e.claim_id).exists())
        .order_by(e.claim_id, e.occurred_at, e.event_id)
    )
    claims: dict[str, WaitingClaim] = {}
    for claim_id, event_id, kind, occurred_at, branch_code in session.connection().execute(query):
        known = claims.get(claim_id)
        if known is None:  # its oldest event: the rows come in that order
            claims[claim_id] = WaitingClaim(claim_id, 1, event_id, kind, occurred_at, branch_code)
        else:
            branch = known.branch_code or branch_code
            claims[claim_id] = replace(known, events=known.events + 1, branch_code=branch)
    return sorted(claims.values(), key=lambda w: (w.oldest_at, w.claim_id))


def unsubmitted(*, session: Session, claim_ids: Collection[str]) -> set[str]:
    """Those of these claims whose `submitted` event is not stored."""
    missing = set(claim_ids)
    for part in chunks(sorted(missing)):
        query = select(CLAIMS.c.claim_id).where(CLAIMS.c.claim_id.in_(part))
        missing.difference_update(session.connection().execute(query).scalars())
    return missing


def stored_branches(*, session: Session, claim_ids: Collection[str]) -> dict[str, str]:
    """The branch of each of these claims the store knows: its `submitted` event's, else one
    that its waiting events name."""
    found: dict[str, str] = {}
    ids = sorted(set(claim_ids))
    for part in chunks(ids):
        query = select(CLAIMS.c.claim_id, CLAIMS.c.branch_code).where(CLAIMS.c.claim_id.in_(part))
        # Not dict.update(result): a result has keys() (its column names), so update takes it
        # for a mapping.
        for claim_id, branch_code in session.connection().execute(query):
            found[claim_id] = branch_code
    e = EVENTS.c
    for part in chunks([c for c in ids if c not in found]):
        query = select(e.claim_id, e.branch_code).where(
            e.claim_id.in_(part), e.branch_code.is_not(None)
        )
        for claim_id, branch_code in session.connection().execute(query):
            found.setdefault(claim_id, branch_code)
    return found
