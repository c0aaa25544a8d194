"""Transactions that a concurrent writer can force to roll back, run again from the start."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ARRAY, ColumnElement, Engine, any_, bindparam
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from sla_monitor.store.db import session_scope

T = TypeVar("T")
CHUNK = 2000  # keeps IN (...) lists well under every database's parameter limit
RETRIES = 12  # a concurrent writer stored one of our event_ids first: classify again


def chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def one_of(
    session: Session, column: ColumnElement[Any], values: Sequence[str]
) -> ColumnElement[bool]:
    """`column IN values` as each database takes a chunk's thousand keys best. PostgreSQL:
    one array parameter (`= ANY(...)`), so the statement's text is the same whatever the
    keys and the server parses and plans it once (the driver prepares it); an IN list of a
    thousand parameters was parsed anew each time. SQLite, in the process: the IN list."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


# PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back
# because of a concurrent writer, and running it again is the documented remedy.
RETRYABLE_SQLSTATES = {"40P01", "40001"}


def is_write_conflict(exc: IntegrityError | OperationalError) -> bool:
    """A concurrent writer got in first: the whole batch can be classified and written again."""
    if isinstance(exc, IntegrityError):
        return True
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


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
