"""The claim view: one claim's events and its goals as of an instant (docs/rules.md)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from sla_monitor.domain.events import Event
from sla_monitor.domain.explanation import Explanation, explain
from sla_monitor.domain.timer import ClaimView, SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store.batches import row_to_event
from sla_monitor.store.goal_rows import claim_of
from sla_monitor.store.queries import claim_events, get_claim, histories


@dataclass(frozen=True)
class ClaimDetail:
    view: ClaimView
    events: list[Event]  # every stored event, those after view.as_of too
    # Per goal of the view, why its deadline falls where it does (None: it has none).
    explanations: tuple[Explanation | None, ...] = ()

    @property
    def known_events(self) -> list[Event]:
        """The events the view counts: those at or before its as_of."""
        return [e for e in self.events if e.occurred_at <= self.view.as_of]

    @property
    def later_events(self) -> list[Event]:
        """The events after the view's as_of, which it ignores (docs/rules.md#the-clock-of-a-goal)."""
        return [e for e in self.events if e.occurred_at > self.view.as_of]


@dataclass(frozen=True)
class WaitingClaim:
    """Events are stored for this claim id, but its `submitted` event has not arrived."""

    claim_id: str
    waiting: int


def claim_detail(
    *, session: Session, sla: SlaTimer, claim_id: str, as_of: Instant
) -> ClaimDetail | WaitingClaim | None:
    rows = claim_events(session=session, claim_id=claim_id)
    claim_row = get_claim(session=session, claim_id=claim_id)
    if claim_row is None:
        return WaitingClaim(claim_id, len(rows)) if rows else None
    events = [row_to_event(r) for r in rows]
    clock_events = histories(session=session, claim_ids=[claim_id])[claim_id]
    view = sla.view(claim_of(claim_row), clock_events, as_of)
    return ClaimDetail(view, events, explain(sla, view, clock_events))
