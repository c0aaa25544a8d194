"""The open goals of one status at an instant, most overdue first, streamed
(docs/reports.md#the-open-backlog)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select, text, union_all
from sqlmodel import Session

from sla_monitor.domain.goals import GoalRecord
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store.queries import RECORD_COLUMNS, stored_record
from sla_monitor.store.report_reads import narrowed_to
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
    # The versions valid at as_of in the two ranges of the open versions' partial index
    # (as open_status_counts reads them): those current now, and those superseded after
    # as_of. In one condition (valid_to NULL or later) no index range is seen, and every
    # version stored, open or closed, is read.
    parts = []
    for current in (v.valid_to.is_(None), v.valid_to > as_of):
        part = (
            select(
                v.claim_id, v.channel, v.branch_code, c.policy_id, *(v[n] for n in RECORD_COLUMNS)
            )
            .join(CLAIMS, c.claim_id == v.claim_id)
            .where(OPEN_PHASES, current, v.valid_from <= as_of)
        )
        if status is not None:
            part = part.where(open_status(v, as_of) == status)
        parts.append(narrowed_to(part, channels, branches))
    both = union_all(*parts).subquery()
    query = select(both).order_by(both.c.due_at.asc().nulls_last(), both.c.claim_id, both.c.goal_id)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # A cursor is planned for its first tenth by default (cursor_tuple_fraction 0.1):
        # here a walk of the whole due_at index in its order, reading every version's row
        # to test it, which grows with the versions stored. The caller reads every row:
        # plan for all of them (the two index ranges, then one sort), for this transaction.
        connection.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
    connection = connection.execution_options(stream_results=True, yield_per=BATCH)
    for row in connection.execute(query):
        yield OpenGoal(row[0], row[1], row[2], row[3], stored_record(row[4:]))
