"""How a stored goal is counted among the open goals (store.open_counts.status_at)."""

from __future__ import annotations

import pytest

from sla_monitor.domain.goals import GoalRecord, Phase
from sla_monitor.store.open_counts import status_at

AT_RISK, DUE = 1_000, 2_000
RECORDS = [
    GoalRecord("g", Phase.RUNNING, 0, None, DUE, AT_RISK, 0, 10),
    GoalRecord("g", Phase.PAUSED, 0, None, None, None, 5, 10),  # target not reached
    GoalRecord("g", Phase.PAUSED, 0, None, DUE, None, 10, 10),  # paused after its deadline
    GoalRecord("g", Phase.STOPPED, 0, 1_500, DUE, None, 7, 10),
    GoalRecord("g", Phase.CANCELLED, 0, 1_500, None, None, 0, 10),
    GoalRecord("g", Phase.NOT_STARTED, None, None, None, None, 0, 10),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.phase.value)
@pytest.mark.parametrize("instant", [0, AT_RISK - 1, AT_RISK, AT_RISK + 1, DUE, DUE + 1, 9_999])
def test_an_open_goal_counts_under_its_own_status(record: GoalRecord, instant: int) -> None:
    open_ = record.phase in (Phase.RUNNING, Phase.PAUSED)
    assert status_at(record, instant) == (record.status_at(instant).value if open_ else None)


def test_a_running_row_without_an_at_risk_instant_counts_as_the_sql_does() -> None:
    """A missing instant compares false in SQL: on track, until its deadline passes."""
    row = GoalRecord("g", Phase.RUNNING, 0, None, DUE, None, 0, 10)
    assert status_at(row, DUE) == "on_track"
    assert status_at(row, DUE + 1) == "breached"
