"""Recomputing the goals of the claims whose stored events they do not reflect yet."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import Engine, select
from sqlmodel import Session

from sla_monitor.domain.goals import ClockEvent
from sla_monitor.domain.timer import Claim, SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store import day_counts
from sla_monitor.store.goal_rows import recompute_claims
from sla_monitor.store.locks import lock_claims
from sla_monitor.store.tables import CLAIMS
from sla_monitor.store.transactions import retrying


def recompute_stale(
    *,
    db: Engine,
    sla: SlaTimer,
    now: Instant,
    chunk: int = 1000,
    progress: Callable[[int], None] = lambda done: None,
    known: Mapping[str, Sequence[ClockEvent]] | None = None,
) -> int:
    """Recompute the goals of every stale claim, a chunk a transaction; returns how many.
    `known`: events the caller stored itself, by claim, which need not be read back
    (an import's: services/import_files.py).

    One pass in claim id order: a claim made stale again behind the pass waits for the next
    one, so a pass ends however fast new events arrive (an evaluation that finishes the
    stale claims before it counts is never held up by a steady stream of posts).
    """
    # The day counts follow every rewrite from here on; built first if they are not kept
    # in the report zone (a new store, an upgraded one, or a changed report_timezone).
    day_counts.ensure(db, sla.config.report_timezone)
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
            recompute_claims(session=session, sla=sla, claims=claims, now=now, known=known)
        return claims

    while claims := retrying(db, one_chunk):
        done += len(claims)
        after = claims[-1].claim_id
        progress(len(claims))
    return done
