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
from .tables import ClaimRow, EventRow, GoalRow, GoalVersionRow

GOALS, VERSIONS, CLAIMS = (
    SQLModel.metadata.tables[t.__tablename__] for t in (GoalRow, GoalVersionRow, ClaimRow)
)

CHUNK = 500
OPEN = (Phase.RUNNING.value, Phase.PAUSED.value)


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


def _as_of_sources(as_of: Instant) -> list[tuple[Table, ColumnElement[bool]]]:
    """Where each goal's record at `as_of` is stored, and the condition that selects it.

    A claim with no event after `as_of` is exactly its goal row; a claim with later events
    is the goal version valid at `as_of` (SPEC §3: a view ignores later events).
    """
    goals, versions, claims = GOALS, VERSIONS, CLAIMS
    return [
        (goals, claims.c.last_event_at <= as_of),
        (
            versions,
            and_(
                claims.c.last_event_at > as_of,
                versions.c.valid_from <= as_of,
                or_(versions.c.valid_to.is_(None), versions.c.valid_to > as_of),
            ),
        ),
    ]


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
    found = []
    for source, as_of_condition in _as_of_sources(as_of):
        c = source.c
        # Each side of the OR is a range of one index (ended_at, due_at). The phase test is
        # made below: in SQL it would let a planner without statistics pick the phase index
        # and read every stopped goal of the years stored.
        in_window = or_(
            and_(c.ended_at >= window_start, c.ended_at < window_end),
            and_(c.due_at >= window_start, c.due_at < due_until),
        )
        columns = [c[name] for name in RECORD_COLUMNS]
        query = (
            select(c.claim_id, c.channel, c.branch_code, *columns)
            .join(CLAIMS, CLAIMS.c.claim_id == c.claim_id)
            .where(as_of_condition, in_window)
        )
        for row in session.execute(_filtered(query, source, channel, branch_code)):
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

    Each goal's record at `as_of` is stored (`_as_of_sources`), so its status is a
    comparison of `as_of` with the stored instants. Counted as: every open goal row, less
    the rows of claims with events after `as_of`, plus those claims' versions valid at
    `as_of`. The corrections read only the claims with
    later events (few for a recent day), so no query reads every claim.
    """
    later = select(CLAIMS.c.claim_id).where(CLAIMS.c.last_event_at > as_of)
    v = VERSIONS.c
    # The corrections find their rows by claim id alone (the primary key's first column);
    # their closed rows are left out below, not in SQL, so no planner reads by phase instead.
    parts: list[tuple[Table, ColumnElement[bool], int]] = [
        (GOALS, GOALS.c.phase.in_(OPEN), 1),
        (GOALS, GOALS.c.claim_id.in_(later), -1),
        (
            VERSIONS,
            and_(
                v.claim_id.in_(later),
                v.valid_from <= as_of,
                or_(v.valid_to.is_(None), v.valid_to > as_of),
            ),
            1,
        ),
    ]
    counts: Counter[tuple[str, str, str]] = Counter()
    for source, condition, sign in parts:
        c = source.c
        status = case(
            (c.due_at < as_of, "breached"),
            (c.phase == Phase.PAUSED.value, "paused"),
            (c.at_risk_at <= as_of, "at_risk"),
            else_="on_track",
        )
        query = (
            select(c.channel, c.goal_id, c.phase, status, func.count())
            .where(condition)
            .group_by(c.channel, c.goal_id, c.phase, status)
        )
        rows = session.execute(_filtered(query, source, channel, branch_code))
        for ch, goal, phase, state, n in rows:
            if phase in OPEN:
                counts[(ch, goal, state)] += sign * int(n)
    return {key: n for key, n in counts.items() if n}
