"""Rewriting the goal rows of claims from all their stored events: the goals, their
versions through time, the counters and the open-goal counts, in the caller's transaction.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, select, update
from sqlmodel import Session

from sla_monitor.domain.calendar_data import Fingerprint
from sla_monitor.domain.goals import COUNTED_PHASES, ClockEvent, GoalRecord
from sla_monitor.domain.recording import CounterKey, Recorded, account
from sla_monitor.domain.timer import Claim, SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store import (
    breaches,
    counters,
    day_counts,
    delays,
    evaluator,
    fingerprints,
    open_counts,
)
from sla_monitor.store.bulk import insert_rows
from sla_monitor.store.queries import RECORD_COLUMNS, histories, stored_record
from sla_monitor.store.tables import CLAIMS, GOALS, VERSIONS, ClaimRow
from sla_monitor.store.transactions import chunks, one_of


def claim_of(row: ClaimRow) -> Claim:
    return Claim(row.claim_id, row.channel, row.branch_code, row.submitted_at)


@dataclass
class _Rewrite:
    """The rows one recomputation writes, gathered claim by claim."""

    changes: open_counts.Changes
    days: day_counts.Changes
    increments: Counter[CounterKey] = field(default_factory=Counter)
    claims: list[dict[str, object]] = field(default_factory=list)
    goals: list[dict[str, object]] = field(default_factory=list)
    versions: list[dict[str, object]] = field(default_factory=list)


def recompute_claims(
    *,
    session: Session,
    sla: SlaTimer,
    claims: Sequence[Claim],
    now: Instant,
    known: Mapping[str, Sequence[ClockEvent]] | None = None,
) -> None:
    """Recompute the goal rows of these claims from all their stored events (`known`: those
    the caller stored itself, by claim; queries.histories reads only the others)."""
    if not claims:
        return
    ids = [c.claim_id for c in claims]
    # The evaluator row before the goals, in the order an evaluation takes them.
    kept = evaluator.hold_for_rewrite(session)
    # The day counts are kept in the zone they were built in, while it is the report zone.
    zone = sla.config.report_zone if kept.day_counts_zone == sla.config.report_timezone else None
    rewrite = _Rewrite(open_counts.Changes(kept.counted_at), day_counts.Changes(zone))
    history = histories(session=session, claim_ids=ids, known=known)
    stored = _stored_goals(session, ids)
    for claim in claims:
        _recompute_one(rewrite, sla, claim, history[claim.claim_id], stored, now)
    session.execute(
        update(CLAIMS).where(CLAIMS.c.claim_id == bindparam("key")),
        [{**row, "key": row.pop("claim_id")} for row in rewrite.claims],
    )
    for part in chunks(ids):
        session.execute(delete(GOALS).where(one_of(session, GOALS.c.claim_id, part)))
        session.execute(delete(VERSIONS).where(one_of(session, VERSIONS.c.claim_id, part)))
    # The breaches an evaluation recorded are in the new goal rows now (`_stored_goals`).
    breaches.forget_records(session, ids)
    in_use = filter(None, sla.fingerprints.values())
    fingerprints.keep(session=session, fingerprints=in_use, now=now)
    insert_rows(session, GOALS, rewrite.goals)
    insert_rows(session, VERSIONS, rewrite.versions)
    # Each claim's delay before and around its clock, with its goals, from the same events.
    rewrite.increments.update(delays.rewrite(session, sla, claims, history))
    counters.add(session=session, increments=rewrite.increments)
    open_counts.apply(session, rewrite.changes.deltas)
    day_counts.apply(session, rewrite.days)


def _recompute_one(
    rewrite: _Rewrite,
    sla: SlaTimer,
    claim: Claim,
    events: Sequence[ClockEvent],
    stored: dict[str, dict[str, _StoredGoal]],
    now: Instant,
) -> None:
    """One claim's new rows, what its metrics count now, and its open-count changes."""
    policy_id, versions = sla.versions(claim, events)
    rewrite.claims.append(
        {"claim_id": claim.claim_id, "policy_id": policy_id, "updated_at": now, "stale": False}
    )
    old_goals = stored.get(claim.claim_id, {})
    for goal_versions in versions:
        r = goal_versions[-1].record
        old = old_goals.pop(r.goal_id, None)
        for changes in (rewrite.changes, rewrite.days):
            changes.replace(claim.channel, claim.branch_code, old.record if old else None, r)
        after, counted = account(old.recorded if old else Recorded(), r, now)
        for name, detail in counted:
            rewrite.increments[(name, claim.channel, r.goal_id, claim.branch_code, detail)] += 1
        calendar = sla.fingerprints.get((policy_id or "", r.goal_id))
        rewrite.goals.append(
            {
                **_record_columns(claim, r),
                "policy_id": policy_id,
                "breach_recorded_at": after.breach_at,
                "outcome_recorded": after.outcome,
                "calendar_fingerprint": _digest(calendar),
            }
        )
        rewrite.versions.extend(
            {**_record_columns(claim, v.record), "valid_from": v.valid_from, "valid_to": v.valid_to}
            for v in goal_versions
            if v.record.phase in COUNTED_PHASES
        )
    for gone in old_goals.values():  # a goal its policy no longer has
        for changes in (rewrite.changes, rewrite.days):
            changes.replace(claim.channel, claim.branch_code, gone.record, None)


def _digest(fingerprint: Fingerprint | None) -> str | None:
    return None if fingerprint is None else fingerprint.digest


def _record_columns(claim: Claim, r: GoalRecord) -> dict[str, object]:
    return {
        "claim_id": claim.claim_id,
        "goal_id": r.goal_id,
        "channel": claim.channel,
        "branch_code": claim.branch_code,
        "phase": r.phase.value,
        "started_at": r.started_at,
        "ended_at": r.ended_at,
        "due_at": r.due_at,
        "at_risk_at": r.at_risk_at,
        "elapsed_us": r.elapsed,
        "target_us": r.target,
    }


@dataclass(frozen=True)
class _StoredGoal:
    record: GoalRecord  # as stored before this rewrite
    recorded: Recorded  # what the metrics have already counted of it


def _stored_goals(session: Session, claim_ids: Sequence[str]) -> dict[str, dict[str, _StoredGoal]]:
    """These claims' goal rows as stored, by claim and goal."""
    g = GOALS.c
    found: defaultdict[str, dict[str, _StoredGoal]] = defaultdict(dict)
    # A breach an evaluation recorded is in a row of its own until the goal is rewritten.
    records = breaches.recorded_breaches(session, claim_ids)
    for part in chunks(claim_ids):
        query = select(
            g.claim_id, g.breach_recorded_at, g.outcome_recorded, *(g[n] for n in RECORD_COLUMNS)
        ).where(one_of(session, g.claim_id, part))
        # FOR UPDATE: an evaluation recording a breach of these goals commits before this
        # read, or waits until these rows are rewritten; it is never counted twice.
        for row in session.connection().execute(query.with_for_update()):
            record = stored_record(row[3:])
            breach_at = row.breach_recorded_at or records.get((row.claim_id, record.goal_id))
            recorded = Recorded(breach_at, row.outcome_recorded)
            found[row.claim_id][record.goal_id] = _StoredGoal(record, recorded)
    return found
