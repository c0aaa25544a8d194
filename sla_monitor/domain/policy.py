"""The policy types: channels, calendars, goals, targets and branches, as configured.

Plain frozen values, built by `sla_monitor.config` from sla.toml and branches.toml (see
docs/configuration.md) and read by every rule of the domain.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, time
from fractions import Fraction
from functools import cached_property
from zoneinfo import ZoneInfo

EVENT_TYPES = (
    "submitted",
    "documents_incomplete",
    "documents_completed",
    "interview_scheduled",
    "verified",
    "approved",
    "paid",
    "rejected",
    "cancelled",
)
# The years every calendar is built for (calendar.py precomputes them all).
FIRST_YEAR, LAST_YEAR = 2000, 2100
# The languages of tables and messages (the catalogues of sla_monitor/locale).
LANGUAGES = ("id", "en")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TARGET_UNITS = {
    "minute": "minutes",
    "minutes": "minutes",
    "hour": "hours",
    "hours": "hours",
    "working hour": "working_hours",
    "working hours": "working_hours",
    "working day": "working_days",
    "working days": "working_days",
}
_TARGET = re.compile(
    r"^\s*(\d+)\s+(" + "|".join(sorted(TARGET_UNITS, key=len, reverse=True)) + r")\s*$"
)


@dataclass(frozen=True)
class HolidaySource:
    country: str
    categories: tuple[str, ...]
    subdiv: str | None = None


@dataclass(frozen=True)
class CalendarSpec:
    id: str
    weekdays: frozenset[int]  # 0 = Monday
    office_hours: tuple[time, time] | None  # None: the whole day; end time(0) means 24:00
    holidays: HolidaySource | None
    extra_holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    # Years whose decree (SKB) on cuti bersama has been reviewed against this calendar, for
    # a year the holiday data has no cuti bersama for (docs/calendar.md, "Known years").
    decree_years: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Target:
    amount: int
    unit: str  # "minutes" | "hours" | "working_hours" | "working_days"
    text: str

    @property
    def uses_calendar(self) -> bool:
        """Whether the target counts working time, and so depends on its goal's calendar."""
        return self.unit in ("working_hours", "working_days")

    @property
    def micros(self) -> int:
        """The target in the goal's own working time (a working day is 86,400 s)."""
        per_unit = {"minutes": 60, "hours": 3600, "working_hours": 3600, "working_days": 86_400}
        return self.amount * per_unit[self.unit] * 1_000_000


@dataclass(frozen=True)
class Goal:
    id: str
    channels: frozenset[str]
    start: frozenset[str]
    stop: frozenset[str]
    target: Target
    calendar: str
    pause: frozenset[str] = frozenset()
    resume: frozenset[str] = frozenset()
    reset: frozenset[str] = frozenset()
    cancel: frozenset[str] = frozenset()
    at_risk: Fraction = Fraction(4, 5)

    @cached_property
    def at_risk_micros(self) -> int:
        """Working time elapsed when the goal turns at risk (rounded up to a microsecond)."""
        return math.ceil(self.at_risk * self.target.micros)

    @cached_property
    def kinds(self) -> frozenset[str]:
        """The event types this goal's clock reacts to; any other event changes nothing."""
        return self.start | self.pause | self.resume | self.reset | self.stop | self.cancel


@dataclass(frozen=True)
class Policy:
    id: str
    effective_from: date
    goals: tuple[Goal, ...]


@dataclass(frozen=True)
class Branch:
    code: str
    name: str
    region: str
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class SlaConfig:
    report_timezone: str
    channels: tuple[str, ...]
    calendars: dict[str, CalendarSpec]
    policies: tuple[Policy, ...]  # sorted by effective_from
    branches: dict[str, Branch] = field(default_factory=dict)
    language: str = "id"  # of tables and messages, unless --lang or SLA_MONITOR_LANG says

    @property
    def report_zone(self) -> ZoneInfo:
        return ZoneInfo(self.report_timezone)

    @cached_property
    def calendars_in_use(self) -> tuple[str, ...]:
        """The calendars some goal measures working time in, in configuration order."""
        used = {
            goal.calendar
            for policy in self.policies
            for goal in policy.goals
            if goal.target.uses_calendar
        }
        return tuple(c for c in self.calendars if c in used)

    def channel_goals(self) -> list[tuple[str, str]]:
        """Every (channel, goal) pair any policy defines, in configuration order."""
        pairs: list[tuple[str, str]] = []
        for channel in self.channels:
            for policy in reversed(self.policies):
                for goal in policy.goals:
                    if channel in goal.channels and (channel, goal.id) not in pairs:
                        pairs.append((channel, goal.id))
        return pairs

    @cached_property
    def goal_event_types(self) -> frozenset[str]:
        """The event types some goal of some policy reacts to (`Goal.kinds`): an event of any
        other type (`verified`, say) changes no goal, so its claim need not be recomputed."""
        return frozenset().union(*(goal.kinds for policy in self.policies for goal in policy.goals))

    def goal(self, policy_id: str | None, goal_id: str) -> Goal | None:
        """The goal `goal_id` of the policy `policy_id`, if the configuration has it."""
        for policy in self.policies:
            if policy.id == policy_id:
                return next((g for g in policy.goals if g.id == goal_id), None)
        return None

    def policy_for(self, submitted_on: date) -> Policy | None:
        """The newest policy in force on the claim's submission date (report time zone)."""
        chosen = None
        for policy in self.policies:
            if policy.effective_from <= submitted_on:
                chosen = policy
        return chosen


def parse_target(text: str) -> Target:
    match = _TARGET.match(text) if isinstance(text, str) else None
    if match is None or int(match.group(1)) <= 0:
        raise ValueError(
            f'target {text!r} is not understood; write e.g. "5 working days", '
            '"8 working hours", "24 hours" or "90 minutes" (a positive whole number)'
        )
    return Target(amount=int(match.group(1)), unit=TARGET_UNITS[match.group(2)], text=text.strip())
