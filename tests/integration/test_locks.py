"""Claim locks work for batches of any size, within PostgreSQL's lock table."""

from __future__ import annotations

from sqlalchemy import Engine

from sla_monitor.store.db import session_scope
from sla_monitor.store.locks import MANY, lock_claims


def test_locking_many_claims_fits_the_lock_table(db: Engine) -> None:
    # 20,000 per-claim locks would overflow PostgreSQL's default lock table (64 a connection
    # times 100 connections); many claims take the one lock on all claims instead.
    for count in (1, MANY, MANY + 1, 20_000):
        with session_scope(db) as session:
            lock_claims(session, (f"C{n:06d}" for n in range(count)))
