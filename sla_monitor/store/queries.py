"""Read queries, keyword-only, returning table rows or plain values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import and_, case, func, or_, select
from sqlmodel import Session, col

from ..clock import ClockEvent, Phase
from ..timeutil import Instant
from .tables import ClaimRow, EventRow, GoalRow

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


def report_candidates(
    *,
    session: Session,
    window_start: Instant,
    window_end: Instant,
    as_of: Instant,
    channel: str | None = None,
    branch_code: str | None = None,
) -> list[tuple[GoalRow, ClaimRow]]:
    """Every goal that can count in a report: closed in the window, due in it, or open at as_of.

    Computed from the materialised goals (all events); a goal whose claim has events after
    `as_of` is recomputed by the caller, and the as-of view of any goal is always inside
    this set because it is a prefix of the full history.
    """
    open_phases = [Phase.RUNNING.value, Phase.PAUSED.value]
    # Open goals of claims with no event after as_of are counted in SQL (open_status_counts);
    # only those of claims with later events are listed here, to be replayed.
    relevant = or_(
        and_(
            col(GoalRow.phase) == Phase.STOPPED.value,
            col(GoalRow.ended_at) >= window_start,
            col(GoalRow.ended_at) < window_end,
        ),
        and_(col(GoalRow.due_at) >= window_start, col(GoalRow.due_at) < min(window_end, as_of)),
        and_(
            col(GoalRow.started_at) <= as_of,
            or_(col(GoalRow.phase).in_(open_phases), col(GoalRow.ended_at) > as_of),
            col(ClaimRow.last_event_at) > as_of,
        ),
    )
    query = (
        select(GoalRow, ClaimRow)
        .join(ClaimRow, col(ClaimRow.claim_id) == col(GoalRow.claim_id))
        .where(relevant)
    )
    if channel is not None:
        query = query.where(col(GoalRow.channel) == channel)
    if branch_code is not None:
        query = query.where(col(GoalRow.branch_code) == branch_code)
    return [(goal, claim) for goal, claim in session.execute(query)]


def claim_count(*, session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(ClaimRow)).scalar_one())


def open_status_counts(
    *,
    session: Session,
    as_of: Instant,
    channel: str | None = None,
    branch_code: str | None = None,
) -> dict[tuple[str, str, str], int]:
    """Open goals at `as_of` by (channel, goal, status), for claims with no later event.

    For those claims the stored goal is exactly the goal at `as_of`, so its status is a
    comparison of `as_of` with the stored instants: one aggregate, no replay.
    """
    g = col
    status = case(
        (g(GoalRow.due_at) < as_of, "breached"),
        (g(GoalRow.phase) == Phase.PAUSED.value, "paused"),
        (g(GoalRow.at_risk_at) <= as_of, "at_risk"),
        else_="on_track",
    )
    query = (
        select(g(GoalRow.channel), g(GoalRow.goal_id), status, func.count())
        .join(ClaimRow, g(ClaimRow.claim_id) == g(GoalRow.claim_id))
        .where(
            g(GoalRow.phase).in_([Phase.RUNNING.value, Phase.PAUSED.value]),
            g(ClaimRow.last_event_at) <= as_of,
        )
        .group_by(g(GoalRow.channel), g(GoalRow.goal_id), status)
    )
    if channel is not None:
        query = query.where(g(GoalRow.channel) == channel)
    if branch_code is not None:
        query = query.where(g(GoalRow.branch_code) == branch_code)
    return {(c, goal, s): int(n) for c, goal, s, n in session.execute(query)}
