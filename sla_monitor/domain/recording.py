"""What the metrics count for a goal, once: closures, breaches, reclassifications (docs/metrics.md).

Pure: given what was recorded for a goal and its new stored record, say what is
recorded now and which counters go up. Counters never go down; a late event that changes
a recorded outcome is counted as a reclassification instead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from sla_monitor.domain.goals import GoalRecord, Phase, Status
from sla_monitor.domain.timeutil import Instant


class Counted(StrEnum):
    """The counters kept in the store, by the name stored; each is one metric family
    (observability.metrics: sla_closed_claims_total, sla_breaches_total, ...)."""

    CLOSED = "closed"  # goals closed, by outcome first recorded
    BREACHES = "breaches"  # goals that passed their deadline, counted once
    RECLASSIFIED = "reclassified"  # recorded outcomes a late event changed, "from:to"
    EVENTS = "events"  # events received, by outcome


@dataclass(frozen=True)
class Recorded:
    breach_at: Instant | None = None  # when the breach was first counted
    outcome: str | None = None  # "met", "breached" or "cancelled", as last counted


def outcome_of(record: GoalRecord) -> str | None:
    """How a closed goal ended ("met", "breached" or "cancelled"); None while it is open."""
    if record.phase in (Phase.STOPPED, Phase.CANCELLED):
        return record.status_at(record.ended_at or 0).value  # a closed goal's status is fixed
    return None


def account(
    old: Recorded, record: GoalRecord, now: Instant
) -> tuple[Recorded, list[tuple[str, str]]]:
    """The new recorded state and the counter increments as (counter, detail) pairs."""
    increments: list[tuple[str, str]] = []
    breach_at = old.breach_at
    if breach_at is None and record.status_at(now) is Status.BREACHED:
        breach_at = now
        increments.append((Counted.BREACHES, ""))
    outcome = outcome_of(record)
    if outcome in ("met", "breached") and old.outcome in (None, "cancelled"):
        increments.append((Counted.CLOSED, outcome or ""))
    # An open goal whose breach was counted stands as "breached" until it closes.
    before = old.outcome or ("breached" if old.breach_at is not None else None)
    if before is not None and outcome is not None and outcome != before:
        increments.append((Counted.RECLASSIFIED, f"{before}:{outcome}"))
    return Recorded(breach_at, outcome or old.outcome), increments


CounterKey = tuple[str, str, str, str, str]  # Counted, channel, goal, branch, detail
CountKey = tuple[str, str, str, str]  # channel, goal, branch, open status


@dataclass(frozen=True)
class Snapshot:
    """Everything /metrics shows about SLAs, as the last evaluation left it in the store."""

    open_goals: dict[CountKey, int] = field(default_factory=dict)
    counters: Counter[CounterKey] = field(default_factory=Counter)
    evaluated_at: Instant | None = None
    duration_us: int | None = None
    loaded: bool = False  # False until read from the database: nothing to expose yet
