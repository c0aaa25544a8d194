"""What the metrics count for a goal, once: closures, breaches, reclassifications (SPEC §8).

Pure: given what was recorded for a goal and its new materialised state, say what is
recorded now and which counters go up. Counters never go down; a late event that changes
a recorded outcome is counted as a reclassification instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from sla_monitor.domain.goals import GoalRecord, Phase
from sla_monitor.domain.timeutil import Instant

CLOSED, BREACHES, RECLASSIFIED, EVENTS = "closed", "breaches", "reclassified", "events"


@dataclass(frozen=True)
class Recorded:
    breach_at: Instant | None = None  # when the breach was first counted
    outcome: str | None = None  # "met", "breached" or "cancelled", as last counted


def outcome_of(record: GoalRecord) -> str | None:
    if record.phase is Phase.STOPPED:
        assert record.ended_at is not None and record.due_at is not None
        return "breached" if record.ended_at > record.due_at else "met"
    if record.phase is Phase.CANCELLED:
        return "cancelled"
    return None


def is_breached(record: GoalRecord, now: Instant) -> bool:
    if record.phase is Phase.STOPPED:
        return outcome_of(record) == "breached"
    if record.phase in (Phase.RUNNING, Phase.PAUSED):
        return record.due_at is not None and now > record.due_at
    return False


def account(
    old: Recorded, record: GoalRecord, now: Instant
) -> tuple[Recorded, list[tuple[str, str]]]:
    """The new recorded state and the counter increments as (counter, detail) pairs."""
    increments: list[tuple[str, str]] = []
    breach_at = old.breach_at
    if breach_at is None and is_breached(record, now):
        breach_at = now
        increments.append((BREACHES, ""))
    outcome = outcome_of(record)
    if outcome in ("met", "breached") and old.outcome in (None, "cancelled"):
        increments.append((CLOSED, outcome or ""))
    # An open goal whose breach was counted stands as "breached" until it closes.
    before = old.outcome or ("breached" if old.breach_at is not None else None)
    if before is not None and outcome is not None and outcome != before:
        increments.append((RECLASSIFIED, f"{before}:{outcome}"))
    return Recorded(breach_at, outcome or old.outcome), increments
