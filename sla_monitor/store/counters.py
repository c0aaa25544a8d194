"""Prometheus counter values kept in the database, so replicas and restarts agree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from sqlalchemy import select
from sqlmodel import Session

from sla_monitor.domain.recording import CounterKey
from sla_monitor.store.bulk import add_to_values
from sla_monitor.store.tables import COUNTERS


def add(*, session: Session, increments: Mapping[CounterKey, int]) -> None:
    """Add to counters inside the caller's transaction (an upsert on either database)."""
    rows = [
        {"name": n, "channel": c, "goal": g, "branch": b, "detail": d, "value": v}
        for (n, c, g, b, d), v in sorted(increments.items())
        if v
    ]
    add_to_values(session, COUNTERS, "value", rows)


def read(*, session: Session) -> Counter[CounterKey]:
    """Every counter. Plain tuples, unpacked in order: this runs on every replica at every
    tick, in the process that answers scrapes, for some ten thousand series."""
    c = COUNTERS.c
    rows = session.execute(select(c.name, c.channel, c.goal, c.branch, c.detail, c.value))
    return Counter({(n, ch, g, b, d): v for n, ch, g, b, d, v in rows})
