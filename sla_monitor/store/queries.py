"""Read queries, keyword-only, returning table rows or plain values."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlmodel import Session, col

from sla_monitor.domain.goals import ClockEvent, GoalRecord, Phase
from sla_monitor.domain.report import WindowCount
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store.rules import open_status, window_conditions
from sla_monitor.store.tables import CLAIMS, OPEN_PHASES, VERSIONS, ClaimRow, EventRow

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
        # On the connection: plain columns need none of the ORM's result processing.
        for claim_id, event_id, kind, occurred_at in session.connection().execute(query):
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


def stored_record(values: Sequence[Any]) -> GoalRecord:
    """The GoalRecord of a row's RECORD_COLUMNS, in their order."""
    goal_id, phase, *instants = values
    return GoalRecord(goal_id, Phase(phase), *instants)


@dataclass(frozen=True)
class ReportGoal:
    """A goal as it was at a report's `as_of`, with its claim's channel and branch."""

    claim_id: str
    channel: str
    branch_code: str
    record: GoalRecord


def _valid_at(as_of: Instant) -> ColumnElement[bool]:
    """The goal versions valid at `as_of`: one a goal, the goal's record as of then (docs/rules.md#the-clock-of-a-goal:
    a view ignores later events). A goal not started or cancelled then has none."""
    v = VERSIONS.c
    return and_(v.valid_from <= as_of, or_(v.valid_to.is_(None), v.valid_to > as_of))


def _filtered(
    query: Select[Any], channels: Sequence[str] | None, branches: Sequence[str] | None
) -> Select[Any]:
    """`query` on goal versions, narrowed to these channels or branches when given."""
    if channels is not None:
        query = query.where(VERSIONS.c.channel.in_(channels))
    if branches is not None:
        query = query.where(VERSIONS.c.branch_code.in_(branches))
    return query


def window_goals(
    *,
    session: Session,
    window_start: Instant,
    window_end: Instant,
    as_of: Instant,
    channels: Sequence[str] | None = None,
    branches: Sequence[str] | None = None,
) -> tuple[dict[tuple[str, str, str], WindowCount], list[ReportGoal]]:
    """The goals, as they were at `as_of`, that closed in the window or fell due in it:
    counted in SQL by (channel, branch, goal) (closed, met, newly breached), and the breaches the
    report lists (closed late, or past a deadline in the window) read one by one. Open goals
    are counted by `open_status_counts`.
    """
    v = VERSIONS.c
    w = window_conditions(VERSIONS.c, window_start, window_end, as_of)
    counting = (
        select(
            v.channel,
            v.branch_code,
            v.goal_id,
            *(func.sum(case((c, 1), else_=0)) for c in (w.closed, w.met, w.newly_breached)),
        )
        .where(_valid_at(as_of), w.in_window)
        .group_by(v.channel, v.branch_code, v.goal_id)
    )
    listing = select(v.claim_id, v.channel, v.branch_code, *(v[name] for name in RECORD_COLUMNS))
    listing = listing.where(_valid_at(as_of), w.in_window, w.listed)
    counts = {
        (ch, branch, goal): WindowCount(int(c), int(m), int(n))
        for ch, branch, goal, c, m, n in session.execute(_filtered(counting, channels, branches))
    }
    listed = [
        ReportGoal(row.claim_id, row.channel, row.branch_code, stored_record(row[3:]))
        for row in session.execute(_filtered(listing, channels, branches))
    ]
    return counts, listed


def claim_policies(*, session: Session, claim_ids: Sequence[str]) -> dict[str, str | None]:
    """The policy each of these claims is timed by."""
    found: dict[str, str | None] = {}
    c = CLAIMS.c
    for start in range(0, len(claim_ids), CHUNK):
        part = claim_ids[start : start + CHUNK]
        query = select(c.claim_id, c.policy_id).where(c.claim_id.in_(part))
        found.update(
            {claim_id: policy_id for claim_id, policy_id in session.connection().execute(query)}
        )
    return found


def claim_count(*, session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(ClaimRow)).scalar_one())


def stale_claims(*, session: Session) -> int:
    """Claims whose goals do not reflect all their stored events yet (ix_claims_stale)."""
    query = select(func.count()).select_from(ClaimRow).where(col(ClaimRow.stale))
    return int(session.execute(query).scalar_one())


def open_status_counts(
    *,
    session: Session,
    as_of: Instant,
    channels: Sequence[str] | None = None,
    branches: Sequence[str] | None = None,
) -> dict[tuple[str, str, str, str], int]:
    """Open goals at `as_of` by (channel, branch, goal, status).

    Each goal's record at `as_of` is its version valid then (`_valid_at`), so its status is
    a comparison of `as_of` with the stored instants. The open versions are read from one
    partial covering index ordered by valid_to, in two ranges: the versions still current
    (valid_to NULL: the open goals now) and those superseded after `as_of` (few for a recent
    day). No query reads the closed goals of the years stored.
    """
    v = VERSIONS.c
    status = open_status(v, as_of)
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for current in (v.valid_to.is_(None), v.valid_to > as_of):
        query = (
            select(v.channel, v.branch_code, v.goal_id, status, func.count())
            .where(OPEN_PHASES, current, v.valid_from <= as_of)
            .group_by(v.channel, v.branch_code, v.goal_id, status)
        )
        for ch, branch, goal, state, n in session.execute(_filtered(query, channels, branches)):
            counts[(ch, branch, goal, state)] += int(n)
    return dict(counts)
