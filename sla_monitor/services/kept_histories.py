"""The events an import stored, kept by claim for the recomputation at its end, so that its
claims' goals are computed from them instead of being read back (store/queries.histories
checks each claim's kept events against the store's count of them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from sys import intern

from sla_monitor.domain.events import Event
from sla_monitor.domain.goals import ClockEvent

# About 160 bytes an event: past this many, the claims an import meets next are read back
# from the store instead, so that a backfill of any length stays within its memory.
KEPT_EVENTS = 1_500_000


@dataclass
class KeptHistories:
    """Every event an import stored of the claims it met before `limit` events: a claim is
    kept whole or not at all, so that its kept events can be all of its history."""

    limit: int = KEPT_EVENTS
    claims: dict[str, list[ClockEvent]] = field(default_factory=dict)
    size: int = 0

    def add(self, events: Iterable[Event]) -> None:
        for e in events:
            kept = self.claims.get(e.claim_id)
            if kept is None:
                if self.size >= self.limit:
                    continue
                kept = self.claims[e.claim_id] = []
            # One string of each type for all: a decoded type is a new string each time.
            kept.append(ClockEvent(e.event_id, intern(e.type), e.occurred_at))
            self.size += 1
