"""Reports of any period, grouped by channel, branch or region, read from the goal versions
valid at their `as_of` (docs/rules.md#reports)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from sla_monitor.domain.calendar import WorkingTime
from sla_monitor.domain.delay import delay_time
from sla_monitor.domain.goals import Phase
from sla_monitor.domain.messages import Message, message
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.report import GoalFact, Grouping, Report, build_report
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.services.window_counts import counted_window
from sla_monitor.services.window_counts import report_window as report_window  # re-exported
from sla_monitor.store.delays import closed_delays
from sla_monitor.store.report_reads import (
    ReportGoal,
    closed_late_and_due,
    open_status_counts,
    window_breaches,
)


class ScopeError(ValueError):
    """A filter asks for what the reader's token may not read."""


@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to; empty: everything. Filters combine: a branch must be in
    `branches` (when given) and in one of `regions` (when given)."""

    channels: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()

    def as_json(self) -> dict[str, list[str]]:
        return {
            "channel": list(self.channels),
            "branch": list(self.branches),
            "region": list(self.regions),
        }

    def problems(self, config: SlaConfig) -> list[tuple[str, Message]]:
        """Each value that names no configured channel, branch or region, and branches and
        regions that no branch matches together: (filter, message)."""
        channels = ", ".join(config.channels)
        regions = sorted({b.region for b in config.branches.values()})
        found = [
            (
                "channel",
                message(
                    "{value!r} is not a configured channel ({listed})", value=v, listed=channels
                ),
            )
            for v in self.channels
            if v not in config.channels
        ]
        found += [
            ("branch", message("{value!r} is not in the branch registry (branches.toml)", value=v))
            for v in self.branches
            if v not in config.branches
        ]
        found += [
            (
                "region",
                message(
                    "{value!r} is not a region of branches.toml ({listed})",
                    value=v,
                    listed=", ".join(regions),
                ),
            )
            for v in self.regions
            if v not in regions
        ]
        if not found and self.branch_codes(config) == []:
            # Nothing left: a report by branch would otherwise list every branch's empty rows.
            text = message(
                "{regions}: none of the branches asked for ({branches}) is in it",
                regions=", ".join(self.regions),
                branches=", ".join(self.branches),
            )
            found.append(("region", text))
        return found

    def within(self, channels: frozenset[str] | None, branches: frozenset[str] | None) -> Filters:
        """These filters inside a reader's scope (None: unrestricted): what is not asked for is
        narrowed to the scope. ScopeError names a value asked for outside it."""
        for name, asked, allowed in (
            ("channel", self.channels, channels),
            ("branch", self.branches, branches),
        ):
            outside = [value for value in asked if allowed is not None and value not in allowed]
            if outside:
                raise ScopeError(
                    f"{name} {', '.join(outside)}: outside this token's {name}es"
                    if name == "branch"
                    else f"{name} {', '.join(outside)}: outside this token's {name}s"
                )
        return Filters(
            self.channels or tuple(sorted(channels or ())),
            self.branches or tuple(sorted(branches or ())),
            self.regions,
        )

    def branch_codes(self, config: SlaConfig) -> list[str] | None:
        """The branches the report covers, or None for all of them."""
        if not self.branches and not self.regions:
            return None
        return [
            code
            for code, branch in config.branches.items()
            if (not self.branches or code in self.branches)
            and (not self.regions or branch.region in self.regions)
        ]


@dataclass(frozen=True)
class Period:
    """The local dates [first, last] of a report, in report_timezone."""

    first: date
    last: date
    by: str = "channel"
    filters: Filters = field(default_factory=Filters)


def default_report_as_of(sla: SlaTimer, last: date, now: Instant) -> Instant:
    """The end of the period, or now if that is still ahead."""
    return min(report_window(sla, last)[1], now)


def daily_report(
    *,
    session: Session,
    sla: SlaTimer,
    day: date,
    as_of: Instant,
    channel: str | None = None,
    branch_code: str | None = None,
) -> Report:
    """The report of one local day, by channel."""
    filters = Filters(
        channels=(channel,) if channel else (), branches=(branch_code,) if branch_code else ()
    )
    return period_report(
        session=session, sla=sla, period=Period(day, day, filters=filters), as_of=as_of
    )


def period_report(
    *,
    session: Session,
    sla: SlaTimer,
    period: Period,
    as_of: Instant,
    breach_limit: int | None = None,
) -> Report:
    """The report of a period at `as_of`; with `breach_limit`, only the first breaches (in
    the report's order) are listed, and `breach_count` says how many there are."""
    window = report_window(sla, period.first, period.last)
    config = sla.config
    channels = list(period.filters.channels) or None
    branches = period.filters.branch_codes(config)
    narrow = {"channels": channels, "branches": branches}
    counts = counted_window(
        session=session, sla=sla, first=period.first, last=period.last, as_of=as_of, **narrow
    )
    # Every goal as it was at as_of is stored (the goal version valid then): the report
    # reads one by one only the breaches it lists, whatever the period.
    start, end = window
    listed = window_breaches(
        session=session,
        window_start=start,
        window_end=end,
        as_of=as_of,
        first=breach_limit,
        **narrow,
    )
    total = None
    if breach_limit is not None:
        # Listed: the goals closed late, and those past a deadline in the window, once each.
        both = closed_late_and_due(
            session=session, window_start=start, window_end=end, as_of=as_of, **narrow
        )
        total = sum(c.closed_late + c.new_breaches for c in counts.values()) - both
    facts = _listed_facts(sla, listed, as_of)
    report = build_report(
        day=period.first,
        last_day=period.last,
        timezone=config.report_timezone,
        window=window,
        as_of=as_of,
        facts=facts,
        rows=summary_rows(sla, period),
        open_counts=open_status_counts(session=session, as_of=as_of, **narrow),
        window_counts=counts,
        grouping=grouping(config, period.by),
        filters=period.filters.as_json(),
    )
    report.breach_total = total
    closed = closed_delays(session, window, as_of, **narrow)
    # Loaded only for a report: numpy would add a tenth of a second to every command's start.
    from sla_monitor.domain.delay_groups import delay_rows

    groups = list(dict.fromkeys(group for group, _goal in summary_rows(sla, period)))
    report.delays, report.delay_total = delay_rows(closed, grouping(config, period.by).key, groups)
    return report


def _listed_facts(sla: SlaTimer, listed: Sequence[ReportGoal], as_of: Instant) -> list[GoalFact]:
    """The listed goals as the report's facts, counted already (in SQL or the day counts)."""
    # Each listed goal carries its claim's policy; the calendar its lateness is counted in
    # is looked up once per (policy, goal, branch), not once per breach.
    times: dict[tuple[str | None, str, str], WorkingTime | None] = {}

    def lateness(policy_id: str | None, goal_id: str, branch_code: str) -> WorkingTime | None:
        key = (policy_id, goal_id, branch_code)
        if key not in times:
            times[key] = lateness_time(sla, policy_id, goal_id, branch_code)
        return times[key]

    return [
        GoalFact(
            goal.claim_id,
            goal.channel,
            goal.branch_code,
            goal.record.goal_id,
            goal.record.status_at(as_of),
            goal.record.due_at,
            goal.record.ended_at if goal.record.phase is Phase.STOPPED else None,
            sla.config.branches[goal.branch_code].zone,
            counted=False,
            lateness=lateness(goal.policy_id, goal.record.goal_id, goal.branch_code),
        )
        for goal in listed
    ]


def lateness_time(
    sla: SlaTimer, policy_id: str | None, goal_id: str, branch_code: str
) -> WorkingTime | None:
    """What a goal's lateness is counted in: the working days of its calendar in its branch's
    zone, or calendar days for a target of plain hours or minutes."""
    goal = sla.config.goal(policy_id, goal_id)
    if goal is None:
        return None
    return delay_time(sla.calendars, goal, sla.config.branches[branch_code].zone)


def grouping(config: SlaConfig, by: str) -> Grouping:
    return Grouping(by, {code: b.region for code, b in config.branches.items()})


def summary_rows(sla: SlaTimer, period: Period | None = None) -> list[tuple[str, str]]:
    """The (group, goal) rows a report shows even when all zero, in configuration order."""
    config, chosen = sla.config, period or Period(date.min, date.min)
    pairs = [
        (channel, goal)
        for channel, goal in config.channel_goals()
        if not chosen.filters.channels or channel in chosen.filters.channels
    ]
    if chosen.by == "channel":
        return pairs
    goals = list(dict.fromkeys(goal for _channel, goal in pairs))
    codes = chosen.filters.branch_codes(config)
    if codes is None:
        codes = list(config.branches)
    groups: Sequence[str] = codes
    if chosen.by == "region":
        groups = list(dict.fromkeys(config.branches[code].region for code in codes))
    return [(group, goal) for group in groups for goal in goals]
