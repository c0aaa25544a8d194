"""Each claim's delay before and around its clock (domain.delay), written with its goals, and
what reports read of them (docs/rules.md#the-delay-before-and-around-the-clock)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import cast

from sqlalchemy import delete, select
from sqlmodel import Session

from sla_monitor.domain.delay import (
    ClaimDelay,
    claim_delay,
    delay_goal,
    delay_increments,
    delay_time,
)
from sla_monitor.domain.delay_figures import ClosedRow
from sla_monitor.domain.goals import ClockEvent
from sla_monitor.domain.recording import CounterKey
from sla_monitor.domain.timer import Claim, SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store.bulk import driver_rows, driver_style, insert_rows
from sla_monitor.store.count_tables import CLOSED_DELAY_COLUMNS
from sla_monitor.store.tables import DELAYS
from sla_monitor.store.transactions import chunks, one_of

# ClaimDelay's fields and the columns that hold them, in the same order.
COLUMNS = (
    "submitted_at",
    "first_complete_at",
    "wait_us",
    "send_backs",
    "paused_us",
    "clock_us",
    "closed_at",
    "end_to_end_us",
    "end_to_end_calendar_us",
)
assert len(COLUMNS) == len(fields(ClaimDelay))


def delay_of(sla: SlaTimer, claim: Claim, events: Sequence[ClockEvent]) -> ClaimDelay | None:
    """The claim's figures, measured by its goal (delay_goal); None for a claim no goal times."""
    _policy, goals = sla.goals_for(claim)
    goal = delay_goal(goals)
    if goal is None:
        return None
    time = delay_time(sla.calendars, goal, sla.config.branches[claim.branch_code].zone)
    return claim_delay(claim.submitted_at, events, goal, time)


def stored(
    session: Session, claim_ids: Sequence[str], *, lock: bool = True
) -> dict[str, ClaimDelay]:
    """These claims' figures as stored, locked until the caller's transaction ends (unless
    only read) so that two recomputations of a claim count its metrics once."""
    d = DELAYS.c
    found: dict[str, ClaimDelay] = {}
    for part in chunks(claim_ids):
        query = select(d.claim_id, *(d[n] for n in COLUMNS)).where(
            one_of(session, d.claim_id, part)
        )
        for row in session.execute(query.with_for_update() if lock else query):
            found[row[0]] = ClaimDelay(*row[1:])
    return found


def differences(
    session: Session,
    sla: SlaTimer,
    claims: Sequence[Claim],
    history: Mapping[str, Sequence[ClockEvent]],
) -> list[tuple[str, str, object, object]]:
    """(claim, column, stored, recomputed) for each stored figure that is not what the claim's
    events give; the column "row" for a row missing or left over."""
    found: list[tuple[str, str, object, object]] = []
    old = stored(session, [c.claim_id for c in claims], lock=False)
    for claim in claims:
        new, was = delay_of(sla, claim, history.get(claim.claim_id, ())), old.get(claim.claim_id)
        if (new is None) != (was is None):
            found.append((claim.claim_id, "row", _presence(was), _presence(new)))
        elif new is not None and was is not None:
            for column, f in zip(COLUMNS, fields(new), strict=True):
                if getattr(was, f.name) != getattr(new, f.name):
                    found.append(
                        (claim.claim_id, column, getattr(was, f.name), getattr(new, f.name))
                    )
    return found


def _presence(delay: ClaimDelay | None) -> str:
    return "missing" if delay is None else "present"


def rewrite(
    session: Session,
    sla: SlaTimer,
    claims: Sequence[Claim],
    history: Mapping[str, Sequence[ClockEvent]],
) -> Counter[CounterKey]:
    """Rewrite these claims' figures from all their events, in the caller's transaction; the
    counter increments of figures first written (delay_increments)."""
    ids = [c.claim_id for c in claims]
    old = stored(session, ids)
    rows: list[dict[str, object]] = []
    increments: Counter[CounterKey] = Counter()
    for claim in claims:
        new = delay_of(sla, claim, history.get(claim.claim_id, ()))
        if new is None:
            continue
        for name, detail, amount in delay_increments(old.get(claim.claim_id), new):
            increments[(name, claim.channel, "", claim.branch_code, detail)] += amount
        values = dict(zip(COLUMNS, (getattr(new, f.name) for f in fields(new)), strict=True))
        rows.append(
            {
                "claim_id": claim.claim_id,
                "channel": claim.channel,
                "branch_code": claim.branch_code,
                **values,
            }
        )
    for part in chunks(ids):
        session.execute(delete(DELAYS).where(one_of(session, DELAYS.c.claim_id, part)))
    insert_rows(session, DELAYS, rows)
    return increments


def closed_delays(
    session: Session,
    window: tuple[Instant, Instant],
    as_of: Instant,
    *,
    channels: Sequence[str] | None = None,
    branches: Sequence[str] | None = None,
) -> list[ClosedRow]:
    """The claims paid or rejected in the window [start, end) and by `as_of`, as plain tuples
    in ClosedDelay's order: one range of ix_claim_delays_closed, which holds every column
    read. Read row by row, so that both databases give the same percentiles (computed in
    Python: domain.delay has no SQL form, and SQLite has no percentile_cont)."""
    mark, instant = driver_style(session)
    conditions = [f"closed_at >= {mark}", f"closed_at < {mark}"]
    params: list[object] = [instant(window[0]), instant(min(window[1], as_of + 1))]
    for column, wanted in (("channel", channels), ("branch_code", branches)):
        if wanted is not None:
            conditions.append(f"{column} IN ({', '.join(mark for _ in wanted) or 'NULL'})")
            params += wanted
    sql = f"SELECT {', '.join(CLOSED_DELAY_COLUMNS)} FROM {DELAYS.name} WHERE {' AND '.join(conditions)}"
    return cast(list[ClosedRow], driver_rows(session, sql, params))
