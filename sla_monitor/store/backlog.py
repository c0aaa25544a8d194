"""The open goals of one status at an instant, most overdue first, streamed
(docs/reports.md#the-open-backlog)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from sla_monitor.domain.goals import GoalRecord
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store.queries import RECORD_COLUMNS, _filtered, _valid_at, stored_record
from sla_monitor.store.rules import open_status
from sla_monitor.store.tables import CLAIMS, OPEN_PHASES, VERSIONS

# Rows fetched from the database at a time: a backlog of any size is read in pieces of this.
BATCH = 1000


@dataclass(frozen=True)
class OpenGoal:
    """An open goal's record at the backlog's as_of, with its claim's policy and group."""

    claim_id: str
    channel: str
    branch_code: str
    policy_id: str
    record: GoalRecord


def open_goals(
    *,
    session: Session,
    as_of: Instant,
    status: str | None,
    channels: Sequence[str] | None = None,
    branches: Sequence[str] | None = None,
) -> Iterator[OpenGoal]:
    """The goals open at `as_of` (their versions valid then), of this status (None: any),
    by deadline: the longest passed first, the paused goals without a deadline last.

    The rows are streamed in batches of BATCH (a server-side cursor on PostgreSQL), so the
    caller holds one batch at a time.
    """
    v, c = VERSIONS.c, CLAIMS.c
    query = (
        select(v.claim_id, v.channel, v.branch_code, c.policy_id, *(v[n] for n in RECORD_COLUMNS))
        .join(CLAIMS, c.claim_id == v.claim_id)
        .where(OPEN_PHASES, _valid_at(as_of))
        .order_by(v.due_at.asc().nulls_last(), v.claim_id, v.goal_id)
    )
    if status is not None:
        query = query.where(open_status(v, as_of) == status)
    connection = session.connection().execution_options(stream_results=True, yield_per=BATCH)
    for row in connection.execute(_filtered(query, channels, branches)):
        yield OpenGoal(row[0], row[1], row[2], row[3], stored_record(row[4:]))
