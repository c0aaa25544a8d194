"""A claim whose events wait for its `submitted` event (docs/events.md#waiting-events)."""

from __future__ import annotations

from dataclasses import dataclass

from sla_monitor.domain.timeutil import Instant


@dataclass(frozen=True)
class WaitingClaim:
    claim_id: str
    events: int
    oldest_event_id: str  # the first of its events by occurred_at (then event_id)
    oldest_type: str
    oldest_at: Instant
    branch_code: str | None  # named by one of its events, if any does
