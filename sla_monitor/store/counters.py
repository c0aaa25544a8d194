"""Prometheus counter values kept in the database, so replicas and restarts agree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from sqlmodel import Session

from sla_monitor.domain.recording import CounterKey
from sla_monitor.store.bulk import add_to_values, driver_rows
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
    """Every counter, read on the driver's cursor: this runs on every replica at every tick,
    in the process that answers scrapes, for some fifty thousand series."""
    sql = f"SELECT name, channel, goal, branch, detail, value FROM {COUNTERS.name}"
    return Counter({(n, ch, g, b, d): v for n, ch, g, b, d, v in driver_rows(session, sql)})
