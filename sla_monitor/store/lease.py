"""One evaluator at a time among replicas: a lease row renewed by its holder.

A row in `evaluator`, taken with one conditional UPDATE that succeeds only for the
current holder or once the lease has expired, works the same on SQLite and PostgreSQL.
A replica that dies stops renewing and another takes over when the lease expires; one
that stops cleanly releases it at once.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Engine, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from sla_monitor.domain.timeutil import Instant
from sla_monitor.store.db import session_scope
from sla_monitor.store.tables import EvaluatorRow

EVALUATOR = SQLModel.metadata.tables[EvaluatorRow.__tablename__]


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
