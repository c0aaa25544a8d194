"""The open backlog: every open goal of one status at an instant, most overdue first
(docs/rules.md#the-open-backlog)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sla_monitor.domain.calendar import WorkingTime
from sla_monitor.domain.goals import GoalRecord, Status
from sla_monitor.domain.timeutil import Instant

# What `backlog --status` may ask for; "open" is every open goal, whatever its status.
BACKLOG_STATUSES = ("breached", "at_risk", "paused", "open")


@dataclass(frozen=True)
class BacklogItem:
    """One open goal at `as_of`, and how far past (positive) or short of (negative) its
    deadline it is."""

    claim_id: str
    channel: str
    branch_code: str
    goal_id: str
    status: Status
    started_at: Instant
    due_at: Instant | None  # None: paused before its target was reached (no deadline yet)
    zone: ZoneInfo  # the branch's
    # Calendar time past the deadline (negative: left until it); None without a deadline.
    overdue: int | None
    # Working time of the goal's lateness calendar past the deadline (negative: left); for a
    # paused goal without a deadline, minus the working time left of its target.
    overdue_working: int | None


def backlog_item(
    *,
    claim_id: str,
    channel: str,
    branch_code: str,
    record: GoalRecord,
    as_of: Instant,
    zone: ZoneInfo,
    lateness: WorkingTime | None,
) -> BacklogItem:
    """The backlog row of an open goal's record at `as_of`."""
    assert record.started_at is not None  # an open goal has started
    due = record.due_at
    if due is None:
        # Paused with working time left: the clock is stopped, so only the rest of the
        # target is known (in the goal's own working time, as the target is).
        overdue, working = None, record.elapsed - record.target
    else:
        overdue = as_of - due
        if lateness is None:
            working = None
        elif as_of >= due:
            working = lateness.measure(due, as_of)
        else:
            working = -lateness.measure(as_of, due)
    return BacklogItem(
        claim_id,
        channel,
        branch_code,
        record.goal_id,
        record.status_at(as_of),
        record.started_at,
        due,
        zone,
        overdue,
        working,
    )
