"""Claim-level SLA rules: which policy and goals time a claim, and their state (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from sla_monitor.domain.calendar import Calendars, WorkingTime
from sla_monitor.domain.calendar_data import Fingerprint
from sla_monitor.domain.goals import (
    NOT_STARTED,
    ClockEvent,
    GoalRecord,
    GoalState,
    event_order,
    prefix_traces,
    record,
    state_at,
    trace,
)
from sla_monitor.domain.policy import Goal, Policy, SlaConfig
from sla_monitor.domain.timeutil import Instant, local_date


@dataclass(frozen=True)
class Claim:
    """What a claim's `submitted` event fixes."""

    claim_id: str
    channel: str
    branch_code: str
    submitted_at: Instant


@dataclass(frozen=True)
class ClaimView:
    claim: Claim
    policy_id: str | None
    as_of: Instant
    goals: tuple[GoalState, ...]


@dataclass(frozen=True)
class GoalVersion:
    """A goal's stored record while the claim's known events did not change it:
    the view at any `as_of` in [valid_from, valid_to) is `record` (valid_to None: still).
    """

    valid_from: Instant
    valid_to: Instant | None
    record: GoalRecord


class SlaTimer:
    """Applies the configured policies to claims. Holds no state but the configuration."""

    def __init__(self, config: SlaConfig, calendars: Calendars | None = None):
        self.config = config
        self.calendars = calendars or Calendars(config.calendars)

    @cached_property
    def fingerprints(self) -> dict[tuple[str, str], Fingerprint | None]:
        """Per (policy, goal), the fingerprint of the calendar its deadlines are computed in
        (None for a target of plain hours or minutes), stored beside every goal row."""
        return {
            (policy.id, goal.id): self.calendars.fingerprint(goal.calendar)
            if goal.target.uses_calendar
            else None
            for policy in self.config.policies
            for goal in policy.goals
        }

    def policy_for(self, claim: Claim) -> Policy | None:
        return self.config.policy_for(local_date(claim.submitted_at, self.config.report_zone))

    def goals_for(self, claim: Claim) -> tuple[Policy | None, tuple[Goal, ...]]:
        policy = self.policy_for(claim)
        if policy is None:
            return None, ()
        return policy, tuple(g for g in policy.goals if claim.channel in g.channels)

    def working_time(self, goal: Goal, claim: Claim) -> WorkingTime:
        branch = self.config.branches.get(claim.branch_code)
        if branch is None:
            raise KeyError(
                f"claim {claim.claim_id!r}: branch {claim.branch_code!r} is not in branches.toml"
            )
        return self.calendars.working_time(goal.target.unit, goal.calendar, branch.zone)

    def view(self, claim: Claim, events: Sequence[ClockEvent], as_of: Instant) -> ClaimView:
        """The claim as it was at `as_of`: later events are ignored (docs/rules.md#the-clock-of-a-goal)."""
        policy, goals = self.goals_for(claim)
        known = [e for e in events if e.occurred_at <= as_of]
        states = []
        for goal in goals:
            if as_of < claim.submitted_at:  # before it exists, no goal has started
                states.append(
                    state_at(goal, trace(goal, ()), as_of, self.working_time(goal, claim))
                )
                continue
            time = self.working_time(goal, claim)
            states.append(state_at(goal, trace(goal, known), as_of, time))
        return ClaimView(claim, policy.id if policy else None, as_of, tuple(states))

    def records(
        self, claim: Claim, events: Iterable[ClockEvent]
    ) -> tuple[str | None, list[GoalRecord]]:
        """The goal records after every stored event of the claim."""
        policy, goals = self.goals_for(claim)
        events = list(events)
        return policy.id if policy else None, [
            record(goal, trace(goal, events), self.working_time(goal, claim)) for goal in goals
        ]

    def versions(
        self, claim: Claim, events: Sequence[ClockEvent]
    ) -> tuple[str | None, list[list[GoalVersion]]]:
        """Every goal's records through time, one list a goal; the last version of each is
        `records()`. A view at `as_of` sees the events up to `as_of`, so the record changes
        only at an event's time, and not before the claim is submitted (docs/rules.md#the-clock-of-a-goal).
        """
        policy, goals = self.goals_for(claim)
        out = []
        for goal in goals:
            # Only events of the goal's own types change its trace (clock.trace); the rest
            # are left out, so they add no moment at which a version could begin.
            ordered = sorted((e for e in events if e.type in goal.kinds), key=event_order)
            moments = sorted(
                {claim.submitted_at, *(max(e.occurred_at, claim.submitted_at) for e in ordered)}
            )
            time = self.working_time(goal, claim)
            after = [NOT_STARTED, *prefix_traces(goal, ordered)]  # after[k]: of the first k
            versions: list[GoalVersion] = []
            known, current_trace = 0, NOT_STARTED
            current = record(goal, current_trace, time)
            for moment in moments:
                while known < len(ordered) and ordered[known].occurred_at <= moment:
                    known += 1
                if versions and after[known] == current_trace:
                    continue  # the same trace measures to the same record
                current_trace = after[known]
                new = record(goal, current_trace, time)
                if versions and new == current:
                    continue
                if versions:
                    versions[-1] = GoalVersion(versions[-1].valid_from, moment, current)
                versions.append(GoalVersion(moment, None, new))
                current = new
            out.append(versions)
        return policy.id if policy else None, out
