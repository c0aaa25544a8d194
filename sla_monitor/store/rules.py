"""The SQL form of the SLA rules that are counted in the database, one builder each.

Each mirrors one definition of the domain, case for case, and a property test checks that
they agree on random goals (tests/integration/test_rules_sql.py):

- `open_status`: domain.goals.status_of for a running or paused goal;
- `window_conditions`: domain.report's closed_in_window and newly_breached.

A NULL instant compares false in SQL, as a missing instant does in the domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, not_, or_
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from sla_monitor.domain.goals import Phase, Status
from sla_monitor.domain.timeutil import Instant


def open_status(
    c: ReadOnlyColumnCollection[str, ColumnElement[Any]], instant: Instant
) -> ColumnElement[str]:
    """The status at `instant` of an open goal (a row of goals or goal versions): breached
    once past its deadline, else paused, else at risk once past its at-risk instant."""
    return case(
        (c.due_at < instant, Status.BREACHED.value),
        (c.phase == Phase.PAUSED.value, Status.PAUSED.value),
        (c.at_risk_at <= instant, Status.AT_RISK.value),
        else_=Status.ON_TRACK.value,
    )


@dataclass(frozen=True)
class WindowConditions:
    """A report's conditions on a goal version: domain.report.closed_in_window and
    newly_breached, in SQL."""

    in_window: ColumnElement[bool]  # closed in the window or due in it: two index ranges
    closed: ColumnElement[bool]
    met: ColumnElement[bool]
    newly_breached: ColumnElement[bool]
    listed: ColumnElement[bool]  # a breach the report lists: closed late, or newly breached
    # The two ranges of `in_window`, each of one index, and the breaches closed late, which
    # `listed` is with `newly_breached`; `not_closed_late` is its negation, NULL-safe.
    ended_in_window: ColumnElement[bool]
    due_in_window: ColumnElement[bool]
    closed_late: ColumnElement[bool]
    not_closed_late: ColumnElement[bool]


def window_conditions(
    v: ReadOnlyColumnCollection[str, ColumnElement[Any]],
    window_start: Instant,
    window_end: Instant,
    as_of: Instant,
) -> WindowConditions:
    """The conditions on the goal versions `v` of a report of [window_start, window_end) at
    `as_of`: the SQL form of the window rules of domain.report."""
    due_until = min(window_end, as_of)
    stopped = v.phase == Phase.STOPPED.value
    # Each side of the OR is a range of one index (ended_at or due_at, then valid_from and
    # valid_to), so a version not valid at as_of is passed over in the index, unread. The
    # phase is tested only on the rows in range: in the WHERE clause's index terms it would
    # let a planner without statistics read by phase instead.
    ended_in_window = and_(v.ended_at >= window_start, v.ended_at < window_end)
    due_in_window = and_(v.due_at >= window_start, v.due_at < due_until)
    in_window = or_(ended_in_window, due_in_window)
    closed = and_(stopped, v.ended_at >= window_start, v.ended_at < window_end, v.ended_at <= as_of)
    newly_breached = and_(
        v.due_at >= window_start, v.due_at < due_until, not_(and_(stopped, v.ended_at <= v.due_at))
    )
    closed_late = and_(closed, v.ended_at > v.due_at)
    return WindowConditions(
        in_window,
        closed,
        and_(closed, v.ended_at <= v.due_at),
        newly_breached,
        or_(closed_late, newly_breached),
        ended_in_window,
        due_in_window,
        closed_late,
        or_(v.ended_at.is_(None), v.due_at.is_(None), not_(closed_late)),
    )
