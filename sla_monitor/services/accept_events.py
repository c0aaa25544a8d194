"""Accepting events: a batch parsed by the one event parser, its valid events stored.

One transaction a batch (store.batches): acknowledged only once committed. The claims it
touches are left stale, and their goals recomputed after (services.recompute): by the
service's recomputer, or at the end of an import.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from sla_monitor.auth import Token
from sla_monitor.domain.events import Event, EventError, parse_events, parse_values
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store.batches import IngestResult, ingest


def accept_events(
    *, db: Engine, sla: SlaTimer, raws: Sequence[object], now: Instant, writer: Token | None = None
) -> IngestResult:
    """Parse raw events (JSON values) received at `now` and store the valid ones."""
    config = sla.config
    items = parse_events(raws, now=now, channels=config.channels, branches=config.branches)
    return store_events(db=db, sla=sla, items=items, received_at=now, writer=writer)


def accept_values(
    *,
    db: Engine,
    sla: SlaTimer,
    values: Sequence[Sequence[object]],
    now: Instant,
    writer: Token | None = None,
) -> IngestResult:
    """`accept_events` for events decoded in C (domain/event_wire.py): each event's field
    values in the order of FIELDS, checked by the same rules."""
    config = sla.config
    channels, branches = config.channels, config.branches
    items = [parse_values(v, now=now, channels=channels, branches=branches) for v in values]
    return store_events(db=db, sla=sla, items=items, received_at=now, writer=writer)


def store_events(
    *,
    db: Engine,
    sla: SlaTimer,
    items: Sequence[Event | EventError],
    received_at: Instant,
    writer: Token | None = None,
) -> IngestResult:
    """Store the valid events of a parsed batch; `items[i]` is an event or why it is not."""
    return ingest(
        db=db,
        items=items,
        received_at=received_at,
        goal_event_types=sla.config.goal_event_types,
        writer=writer,
    )
