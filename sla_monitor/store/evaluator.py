"""The evaluator row: one replica's lease to evaluate, and the stamp of the last evaluation.

One row of `evaluator` (name LEASE) serves three purposes, each with its functions here:

- the lease, one evaluator at a time among replicas (`acquire`, `release`): taken with one
  conditional UPDATE that succeeds only for the current holder or once the lease has
  expired, the same on SQLite and PostgreSQL. A replica that dies stops renewing it and
  another takes over when it expires; one that stops cleanly releases it at once;
- the stamp of the last evaluation (`stamp`, `last_evaluation`): when it ran, how long it
  took, and `counted_at`, the instant the kept open-goal counts describe (store.open_counts);
- the lock that orders an evaluation and the rewrites of goals around `counted_at`, and a
  rebuild of the day counts and the rewrites that keep them (`hold_for_evaluation`,
  exclusive; `hold_for_rewrite`, shared).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from sla_monitor.domain.timeutil import Instant
from sla_monitor.store.db import session_scope
from sla_monitor.store.tables import EVALUATOR

LEASE = "evaluation"  # the name of the evaluator row


def acquire(*, db: Engine, name: str, holder: str, now: Instant, ttl: int) -> bool:
    """Take or renew the lease; True if `holder` holds it until now + ttl."""
    e = EVALUATOR.c
    with session_scope(db) as session:
        taken = session.execute(
            update(EVALUATOR)
            .where(
                e.name == name,
                or_(e.holder == holder, e.holder.is_(None), e.lease_expires_at < now),
            )
            .values(holder=holder, lease_expires_at=now + ttl)
        )
        if cast(CursorResult[Any], taken).rowcount == 1:
            return True
    try:
        with session_scope(db) as session:
            session.execute(
                insert(EVALUATOR).values(name=name, holder=holder, lease_expires_at=now + ttl)
            )
        return True
    except IntegrityError:  # the row exists and another replica holds the lease
        return False


def release(*, db: Engine, name: str, holder: str) -> None:
    e = EVALUATOR.c
    with session_scope(db) as session:
        session.execute(
            update(EVALUATOR)
            .where(e.name == name, e.holder == holder)
            .values(holder=None, lease_expires_at=None)
        )


def hold_for_evaluation(session: Session) -> Instant | None:
    """Take the evaluator row exclusively for this transaction; returns counted_at.

    The UPDATE that changes nothing is the lock: PostgreSQL's row lock, and SQLite's write
    lock taken before the read, so no rewrite commits between reading counted_at and moving it.
    """
    e = EVALUATOR.c
    session.execute(update(EVALUATOR).where(e.name == LEASE).values(name=e.name))
    return session.execute(select(e.counted_at).where(e.name == LEASE)).scalar()


@dataclass(frozen=True)
class Kept:
    """What the kept counts describe: open goals at `counted_at` (None: not kept, the next
    evaluation counts in full), and goals by day in `day_counts_zone` (None: not kept)."""

    counted_at: Instant | None
    day_counts_zone: str | None


def hold_for_rewrite(session: Session) -> Kept:
    """Hold the evaluator row shared for this transaction (an evaluation, or a rebuild of
    the day counts, waits for the rewrite, and the rewrite for them); returns what the kept
    counts describe, which the rewrite keeps current."""
    e = EVALUATOR.c
    query = (
        select(e.counted_at, e.day_counts_zone).where(e.name == LEASE).with_for_update(read=True)
    )
    row = session.execute(query).first()
    return Kept(*row) if row else Kept(None, None)


def stamp(session: Session, *, evaluated_at: Instant, duration_us: int | None) -> None:
    """Record an evaluation at `evaluated_at`, whose counts describe that instant."""
    done = {
        "last_evaluated_at": evaluated_at,
        "last_duration_us": duration_us,
        "counted_at": evaluated_at,
    }
    stamped = session.execute(update(EVALUATOR).where(EVALUATOR.c.name == LEASE).values(**done))
    if cast(CursorResult[Any], stamped).rowcount == 0:  # no evaluator row yet
        session.execute(insert(EVALUATOR).values(name=LEASE, **done))


@dataclass(frozen=True)
class LastEvaluation:
    evaluated_at: Instant | None
    duration_us: int | None


def last_evaluation(session: Session) -> LastEvaluation:
    e = EVALUATOR.c
    row = session.execute(
        select(e.last_evaluated_at, e.last_duration_us).where(e.name == LEASE)
    ).first()
    return LastEvaluation(*row) if row else LastEvaluation(None, None)


def counted_at(session: Session) -> Instant | None:
    """The instant the kept open-goal counts describe (None: they are rebuilt next time)."""
    return session.execute(select(EVALUATOR.c.counted_at).where(EVALUATOR.c.name == LEASE)).scalar()


def set_counted_at(session: Session, instant: Instant | None) -> None:
    session.execute(update(EVALUATOR).where(EVALUATOR.c.name == LEASE).values(counted_at=instant))
