"""Proving the stored numbers: every claim recomputed from its events, compared with the store.

`verify` only reads. `recompute` writes the recomputed goals of the claims that differ (after a
calendar or policy change, say a new SKB decree on cuti bersama) and returns what changed, so
the change can be recorded and audited. Both work a chunk of claims at a time, in claim order,
so memory stays flat whatever the size of the store.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, bindparam, select, update
from sqlmodel import Session

from sla_monitor.domain.goals import COUNTED_PHASES, GoalRecord
from sla_monitor.domain.timer import Claim, GoalVersion, SlaTimer
from sla_monitor.domain.timeutil import Instant, format_rfc3339
from sla_monitor.store import delays
from sla_monitor.store.db import session_scope
from sla_monitor.store.goal_rows import recompute_claims
from sla_monitor.store.locks import lock_claims
from sla_monitor.store.queries import RECORD_COLUMNS, histories
from sla_monitor.store.tables import CLAIMS, GOALS, VERSIONS
from sla_monitor.store.transactions import chunks, retrying

GOAL_FIELDS = ("policy_id", *RECORD_COLUMNS[1:])  # goal_id is the key
VERSION_FIELDS = ("valid_from", "valid_to", *RECORD_COLUMNS[1:])


@dataclass(frozen=True)
class Difference:
    """One stored value that is not what the claim's events give under the configuration."""

    claim_id: str
    goal_id: str  # "" for the claim itself
    field: str
    stored: Any
    recomputed: Any

    def to_json(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "goal_id": self.goal_id,
            "field": self.field,
            "stored": _plain(self.field, self.stored),
            "recomputed": _plain(self.field, self.recomputed),
        }


CalendarKey = tuple[str, str | None]  # a calendar, and the fingerprint a goal was computed in


@dataclass(frozen=True)
class Outdated:
    """A goal computed in another version of its calendar than the current one."""

    claim_id: str
    goal_id: str
    calendar: str
    stored: str | None  # the digest stored with it; None: none was recorded
    current: str


@dataclass
class Check:
    claims: int = 0
    goals: int = 0
    differences: list[Difference] = field(default_factory=list)
    # Claims with events their goals do not reflect yet (stored, recomputed within seconds
    # by the running service): their stored goals are known to be behind, so not compared.
    stale: int = 0
    # Goals and claims computed in an older version of their calendar, by calendar and
    # the fingerprint stored with them: the calendar changed since they were computed.
    outdated_goals: Counter[CalendarKey] = field(default_factory=Counter)
    outdated_claims: Counter[CalendarKey] = field(default_factory=Counter)

    @property
    def claims_differing(self) -> int:
        return len({d.claim_id for d in self.differences})

    def add(self, part: Check) -> None:
        self.claims += part.claims
        self.goals += part.goals
        self.differences.extend(part.differences)
        self.stale += part.stale
        self.outdated_goals.update(part.outdated_goals)
        self.outdated_claims.update(part.outdated_claims)

    def note_outdated(self, found: list[Outdated]) -> None:
        self.outdated_goals.update((o.calendar, o.stored) for o in found)
        claims = {(o.claim_id, o.calendar, o.stored) for o in found}
        self.outdated_claims.update((calendar, stored) for _claim, calendar, stored in claims)


def _record_values(r: GoalRecord) -> tuple[Any, ...]:
    """A record in the order of RECORD_COLUMNS after goal_id."""
    return (r.phase.value, r.started_at, r.ended_at, r.due_at, r.at_risk_at, r.elapsed, r.target)


def _plain(name: str, value: Any) -> Any:
    """Instants as RFC 3339 UTC for people; everything else as it is."""
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and name.endswith(("_at", "_from", "_to"))
    ):
        return format_rfc3339(value)
    return value


def _claim_chunks(db: Engine, size: int) -> Iterator[list[tuple[Claim, bool]]]:
    """Every claim with whether it is stale, `size` at a time, each chunk read in its own
    short transaction."""
    after = ""
    c = CLAIMS.c
    while True:
        with session_scope(db) as session:
            query = (
                select(c.claim_id, c.channel, c.branch_code, c.submitted_at, c.stale)
                .where(c.claim_id > after)
                .order_by(c.claim_id)
                .limit(size)
            )
            rows = session.execute(query).all()
        if not rows:
            return
        yield [(Claim(*row[:4]), row.stale) for row in rows]
        after = rows[-1].claim_id


Stored = tuple[dict[tuple[str, str], dict[str, Any]], dict[tuple[str, str], list[tuple[Any, ...]]]]


def _stored(session: Session, ids: list[str]) -> Stored:
    """These claims' goal rows, and their goal versions in order, by (claim, goal)."""
    goals: dict[tuple[str, str], dict[str, Any]] = {}
    versions: defaultdict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for part in chunks(ids):
        for row in session.execute(select(GOALS).where(GOALS.c.claim_id.in_(part))):
            goals[(row.claim_id, row.goal_id)] = dict(row._mapping)
        query = (
            select(VERSIONS)
            .where(VERSIONS.c.claim_id.in_(part))
            .order_by(VERSIONS.c.claim_id, VERSIONS.c.goal_id, VERSIONS.c.valid_from)
        )
        for row in session.execute(query):
            values = tuple(getattr(row, name) for name in VERSION_FIELDS)
            versions[(row.claim_id, row.goal_id)].append(values)
    return goals, versions


def compare(
    session: Session, sla: SlaTimer, claims: Sequence[Claim]
) -> tuple[Check, list[Outdated]]:
    """The stored goals and goal versions of these claims against a fresh computation, and
    the goals stored with another fingerprint of their calendar than the current one."""
    check = Check(claims=len(claims))
    outdated: list[Outdated] = []
    ids = [claim.claim_id for claim in claims]
    events = histories(session=session, claim_ids=ids)
    stored_goals, stored_versions = _stored(session, ids)
    for claim in claims:
        policy_id, versions = sla.versions(claim, events[claim.claim_id])
        expected = set()
        for goal_versions in versions:
            final = goal_versions[-1].record
            key = (claim.claim_id, final.goal_id)
            expected.add(key)
            check.goals += 1
            stored = stored_goals.get(key)
            if stored is None:
                check.differences.append(
                    Difference(claim.claim_id, final.goal_id, "goal", "missing", "present")
                )
                continue
            check.differences.extend(
                _goal_differences(claim, policy_id, goal_versions, stored, stored_versions[key])
            )
            calendar = sla.fingerprints.get((policy_id or "", final.goal_id))
            if calendar is not None and stored["calendar_fingerprint"] != calendar.digest:
                outdated.append(
                    Outdated(
                        claim.claim_id,
                        final.goal_id,
                        calendar.calendar,
                        stored["calendar_fingerprint"],
                        calendar.digest,
                    )
                )
        for key in sorted(k for k in stored_goals if k[0] == claim.claim_id and k not in expected):
            check.differences.append(Difference(key[0], key[1], "goal", "present", "not a goal"))
    # Each claim's delay before and around its clock, stored with its goals.
    found = delays.differences(session, sla, claims, events)
    check.differences.extend(Difference(c, "", f"delay.{f}", s, r) for c, f, s, r in found)
    check.note_outdated(outdated)
    return check, outdated


def _goal_differences(
    claim: Claim,
    policy_id: str | None,
    goal_versions: list[GoalVersion],
    stored: dict[str, Any],
    stored_versions: list[tuple[Any, ...]],
) -> list[Difference]:
    """What differs between one stored goal (its row and its versions) and its recomputation."""
    final = goal_versions[-1].record
    recomputed = dict(zip(GOAL_FIELDS, (policy_id, *_record_values(final)), strict=True))
    found = [
        Difference(claim.claim_id, final.goal_id, name, stored[name], value)
        for name, value in recomputed.items()
        if stored[name] != value
    ]
    fresh = [
        (v.valid_from, v.valid_to, *_record_values(v.record))
        for v in goal_versions
        if v.record.phase in COUNTED_PHASES
    ]
    if stored_versions != fresh:
        found.append(
            Difference(claim.claim_id, final.goal_id, "versions", len(stored_versions), len(fresh))
        )
    return found


def _restamp(session: Session, outdated: Sequence[Outdated]) -> None:
    if outdated:
        g = GOALS.c
        session.execute(
            update(GOALS)
            .where(g.claim_id == bindparam("claim"), g.goal_id == bindparam("goal"))
            .values(calendar_fingerprint=bindparam("digest")),
            [{"claim": o.claim_id, "goal": o.goal_id, "digest": o.current} for o in outdated],
        )


def verify(
    *,
    db: Engine,
    sla: SlaTimer,
    chunk: int = 1000,
    progress: Callable[[int], None] = lambda n: None,
) -> Check:
    """Recompute every claim from its events and list what differs from the store."""
    total = Check()
    for chunk_claims in _claim_chunks(db, chunk):
        claims = [claim for claim, stale in chunk_claims if not stale]
        total.stale += len(chunk_claims) - len(claims)
        with session_scope(db) as session:
            part, _outdated = compare(session, sla, claims)
        total.add(part)
        progress(len(chunk_claims))
    return total


def recompute_all(
    *,
    db: Engine,
    sla: SlaTimer,
    now: Instant,
    chunk: int = 1000,
    progress: Callable[[int], None] = lambda n: None,
) -> Check:
    """Rewrite the goals of every claim that differs; returns the differences it applied.

    Each chunk is compared and rewritten in one transaction, so what is returned is exactly
    what was changed, and an interrupted run leaves every chunk either done or untouched.
    """
    total = Check()
    for chunk_claims in _claim_chunks(db, chunk):
        claims = [claim for claim, _stale in chunk_claims]

        def one_chunk(session: Session, claims: list[Claim] = claims) -> Check:
            lock_claims(session, (claim.claim_id for claim in claims))  # no batch in between
            part, outdated = compare(session, sla, claims)
            changed = {d.claim_id for d in part.differences}
            recompute_claims(
                session=session,
                sla=sla,
                claims=[claim for claim in claims if claim.claim_id in changed],
                now=now,
            )
            # The others' values stand; they now say which calendar they were checked in.
            _restamp(session, [o for o in outdated if o.claim_id not in changed])
            return part

        total.add(retrying(db, one_chunk))
        progress(len(claims))
    return total
