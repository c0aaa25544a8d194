"""Claim locks: a transaction that reads a claim's events and then rewrites its goals holds
the claim from before its first read until its commit.

Without them two batches for one claim (a `paid` racing a `documents_incomplete`, a
`submitted` racing a later event, the same batch sent to two replicas) each read the
claim before the other committed and wrote goals from half the story, or took a resent
`submitted` for a second submission.

- PostgreSQL: a transaction-level advisory lock per claim id, taken in one statement in a
  fixed order, released by the commit or rollback (a batch of more than MANY claims locks
  them all at once instead, so the lock table never overflows). Locking ids rather than rows also
  covers claims whose `submitted` has not arrived. A rare deadlock (two hashes ordered
  differently) is resolved by PostgreSQL and the batch is retried whole.
- SQLite: one writer at a time already; the transaction takes the database's write lock
  with its first statement, so its reads see every earlier commit and no writer can come
  between its reads and its writes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlmodel import Session

_POSTGRESQL = text(
    "SELECT count(pg_advisory_xact_lock(k)) FROM "
    "(SELECT DISTINCT hashtextextended(id, 0) AS k FROM unnest(CAST(:ids AS text[])) AS id "
    "ORDER BY k) AS keys"
)
# PostgreSQL's lock table is small (max_locks_per_transaction, 64 a connection by default):
# a batch of many claims takes one lock on all claims instead of one per claim. Every
# batch takes this lock first, shared when it then locks its claims one by one.
MANY = 256
_ALL_CLAIMS = "(7347, 1)"  # the two-key form: its own space, apart from the per-claim keys
_ALL_SHARED = text(f"SELECT pg_advisory_xact_lock_shared{_ALL_CLAIMS}")
_ALL_EXCLUSIVE = text(f"SELECT pg_advisory_xact_lock{_ALL_CLAIMS}")
# Any write takes SQLite's write lock; this one changes nothing.
_SQLITE = text("UPDATE evaluator SET name = name WHERE 1 = 0")


def lock_claims(session: Session, claim_ids: Iterable[str]) -> None:
    """Hold these claims until the session's transaction ends. Call before reading them."""
    ids = sorted(set(claim_ids))
    if session.get_bind().dialect.name == "postgresql":
        if len(ids) > MANY:
            session.execute(_ALL_EXCLUSIVE)
        elif ids:
            session.execute(_ALL_SHARED)
            session.execute(_POSTGRESQL, {"ids": ids})
    else:
        session.execute(_SQLITE)


def lock_all_claims(session: Session) -> None:
    """Hold every claim until the session's transaction ends: one lock however many claims
    the transaction then reads and writes (a dry run of a whole import)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_ALL_EXCLUSIVE)
    else:
        session.execute(_SQLITE)
