"""Claim locks: a transaction that reads a claim's events and then rewrites its goals holds
the claim from before its first read until its commit.

Without them two batches for one claim (a `paid` racing a `documents_incomplete`, a
`submitted` racing a later event, the same batch sent to two replicas) each read the
claim before the other committed and wrote goals from half the story, or took a resent
`submitted` for a second submission.

- PostgreSQL: a transaction-level advisory lock per claim id, taken in one statement in a
  fixed order, released by the commit or rollback. Locking ids rather than rows also
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
# Any write takes SQLite's write lock; this one changes nothing.
_SQLITE = text("UPDATE evaluator SET name = name WHERE 1 = 0")


def lock_claims(session: Session, claim_ids: Iterable[str]) -> None:
    """Hold these claims until the session's transaction ends. Call before reading them."""
    ids = sorted(set(claim_ids))
    if session.get_bind().dialect.name == "postgresql":
        if ids:
            session.execute(_POSTGRESQL, {"ids": ids})
    else:
        session.execute(_SQLITE)
