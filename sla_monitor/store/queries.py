"""Read queries, keyword-only, returning table rows or plain values."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, and_, case, func, or_, select
from sqlmodel import Session, SQLModel, col

from ..clock import ClockEvent, GoalRecord, Phase
from ..timeutil import Instant
from .tables import OPEN_PHASES, ClaimRow, EventRow, GoalVersionRow

VERSIONS = SQLModel.metadata.tables[GoalVersionRow.__tablename__]

CHUNK = 500


def get_claim(*, session: Session, claim_id: str) -> ClaimRow | None:
    return session.get(ClaimRow, claim_id)


def claim_events(*, session: Session, claim_id: str) -> list[EventRow]:
    query = (
        select(EventRow)
        .where(col(EventRow.claim_id) == claim_id)
        .order_by(col(EventRow.occurred_at), col(EventRow.id))
    )
    return list(session.execute(query).scalars())


def histories(*, session: Session, claim_ids: Sequence[str]) -> dict[str, list[ClockEvent]]:
    """Every stored event of these claims, as the clock sees them."""
    found: defaultdict[str, list[ClockEvent]] = defaultdict(list)
    for start in range(0, len(claim_ids), CHUNK):
        part = claim_ids[start : start + CHUNK]
        query = select(
            col(EventRow.claim_id),
            col(EventRow.event_id),
            col(EventRow.type),
            col(EventRow.occurred_at),
        ).where(col(EventRow.claim_id).in_(part))
        for claim_id, event_id, kind, occurred_at in session.execute(query):
            found[claim_id].append(ClockEvent(event_id, kind, occurred_at))
    return found


def waiting_events(*, session: Session) -> int:
    """Events stored for claims whose `submitted` has not arrived."""
    query = (
        select(func.count())
        .select_from(EventRow)
        .where(
            ~select(col(ClaimRow.claim_id))
            .where(col(ClaimRow.claim_id) == col(EventRow.claim_id))
            .exists()
        )
    )
    return int(session.execute(query).scalar_one())


# The columns of a stored goal record, in the order of clock.GoalRecord's fields.
RECORD_COLUMNS = (
    "goal_id",
    "phase",
    "started_at",
    "ended_at",
    "due_at",
    "at_risk_at",
    "elapsed_us",
    "target_us",
)


@dataclass(frozen=True)
class ReportGoal:
    """A goal as it was at a report's `as_of`, with its claim's channel and branch."""

    claim_id: str
    channel: str
    branch_code: str
    record: GoalRecord


def _valid_at(as_of: Instant) -> ColumnElement[bool]:
    """The goal versions valid at `as_of`: one a goal, the goal's record as of then (SPEC §3:
    a view ignores later events). A goal not started or cancelled then has none."""
    v = VERSIONS.c
    return and_(v.valid_from <= as_of, or_(v.valid_to.is_(None), v.valid_to > as_of))


def _filtered(
    query: Select[Any], source: Table, channel: str | None, branch: str | None
) -> Select[Any]:
    if channel is not None:
        query = query.where(source.c.channel == channel)
    if branch is not None:
        query = query.where(source.c.branch_code == branch)
    return query


def report_candidates(
    *,
    session: Session,
    window_start: Instant,
    window_end: Instant,
    as_of: Instant,
    channel: str | None = None,
    branch_code: str | None = None,
) -> list[ReportGoal]:
    """The goals, as they were at `as_of`, that closed in the window or fell due in it.

    Open goals are counted by `open_status_counts`, in SQL, without being listed.
    """
    due_until = min(window_end, as_of)
    v = VERSIONS.c
    # Each side of the OR is a range of one index (ended_at or due_at, then valid_from and
    # valid_to), so a version not valid at as_of is passed over in the index, unread. The
    # phase test is made below: in SQL it would let a planner without statistics read by
    # phase instead.
    in_window = or_(
        and_(v.ended_at >= window_start, v.ended_at < window_end),
        and_(v.due_at >= window_start, v.due_at < due_until),
    )
    query = select(v.claim_id, v.channel, v.branch_code, *(v[name] for name in RECORD_COLUMNS))
    query = query.where(_valid_at(as_of), in_window)
    found = []
    for row in session.execute(_filtered(query, VERSIONS, channel, branch_code)):
        goal_id, phase, *instants = row[3:]
        record = GoalRecord(goal_id, Phase(phase), *instants)
        ended, due = record.ended_at, record.due_at
        closed_in_window = (
            record.phase is Phase.STOPPED
            and ended is not None
            and window_start <= ended < window_end
        )
        due_in_window = due is not None and window_start <= due < due_until
        if closed_in_window or due_in_window:
            found.append(ReportGoal(row.claim_id, row.channel, row.branch_code, record))
    return found


def claim_count(*, session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(ClaimRow)).scalar_one())


def open_status_counts(
    *,
    session: Session,
    as_of: Instant,
    channel: str | None = None,
    branch_code: str | None = None,
) -> dict[tuple[str, str, str], int]:
    """Open goals at `as_of` by (channel, goal, status).

    Each goal's record at `as_of` is its version valid then (`_valid_at`), so its status is
    a comparison of `as_of` with the stored instants. The open versions are read from one
    partial covering index ordered by valid_to, in two ranges: the versions still current
    (valid_to NULL: the open goals now) and those superseded after `as_of` (few for a recent
    day). No query reads the closed goals of the years stored.
    """
    v = VERSIONS.c
    status = case(
        (v.due_at < as_of, "breached"),
        (v.phase == Phase.PAUSED.value, "paused"),
        (v.at_risk_at <= as_of, "at_risk"),
        else_="on_track",
    )
    counts: Counter[tuple[str, str, str]] = Counter()
    for current in (v.valid_to.is_(None), v.valid_to > as_of):
        query = (
            select(v.channel, v.goal_id, status, func.count())
            .where(OPEN_PHASES, current, v.valid_from <= as_of)
            .group_by(v.channel, v.goal_id, status)
        )
        for ch, goal, state, n in session.execute(_filtered(query, VERSIONS, channel, branch_code)):
            counts[(ch, goal, state)] += int(n)
    return dict(counts)
