"""The open backlog of an instant: which goals are late, at risk or paused right now, and by
how much (docs/reports.md#the-open-backlog)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlmodel import Session

from sla_monitor.domain.backlog import BacklogItem, backlog_item
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.services.reports import Filters, lateness_time
from sla_monitor.store.backlog import open_goals


@dataclass(frozen=True)
class BacklogQuery:
    """Which open goals: of one status ("open": any), narrowed by the filters."""

    status: str = "breached"
    filters: Filters = field(default_factory=Filters)


def backlog(
    *, session: Session, sla: SlaTimer, query: BacklogQuery, as_of: Instant
) -> Iterator[BacklogItem]:
    """Every open goal of the query at `as_of`, most overdue first, one at a time."""
    config = sla.config
    goals = open_goals(
        session=session,
        as_of=as_of,
        status=None if query.status == "open" else query.status,
        channels=list(query.filters.channels) or None,
        branches=query.filters.branch_codes(config),
    )
    for goal in goals:
        yield backlog_item(
            claim_id=goal.claim_id,
            channel=goal.channel,
            branch_code=goal.branch_code,
            record=goal.record,
            as_of=as_of,
            zone=config.branches[goal.branch_code].zone,
            lateness=lateness_time(sla, goal.policy_id, goal.record.goal_id, goal.branch_code),
        )
