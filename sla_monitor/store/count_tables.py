"""The tables of what is counted beside the goals: the Prometheus counters, the open goals
by status, the goals by day, each claim's delay before and around its clock, and the
breaches an evaluation recorded. Each is kept current in the transaction that rewrites a
claim's goals.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Column, Date, Index, Integer
from sqlmodel import Field, SQLModel

from sla_monitor.domain.timeutil import Instant
from sla_monitor.store.instants import instant_field

# A closed claim's figures as a report reads them (domain.delay_figures.ClosedDelay's order).
CLOSED_DELAY_COLUMNS = (
    "channel",
    "branch_code",
    "wait_us",
    "send_backs",
    "paused_us",
    "clock_us",
    "end_to_end_us",
    "end_to_end_calendar_us",
)


class CounterRow(SQLModel, table=True):
    """The value of one Prometheus counter series, shared by every replica."""

    __tablename__ = "metric_counters"

    name: str = Field(primary_key=True, max_length=32)
    channel: str = Field(primary_key=True, max_length=64)
    goal: str = Field(primary_key=True, max_length=64)
    branch: str = Field(primary_key=True, max_length=32)
    detail: str = Field(primary_key=True, max_length=64)  # outcome, or "from:to"
    value: int = Field(sa_column=Column(BigInteger, nullable=False))


class OpenCountRow(SQLModel, table=True):
    """Open goals by status at the evaluator's counted_at, kept current by every rewrite of
    goals and every evaluation (store.open_counts): the snapshot every replica serves."""

    __tablename__ = "open_goal_counts"

    channel: str = Field(primary_key=True, max_length=64)
    goal: str = Field(primary_key=True, max_length=64)
    branch: str = Field(primary_key=True, max_length=32)
    status: str = Field(primary_key=True, max_length=16)
    count: int = Field(sa_column=Column(BigInteger, nullable=False))


class GoalDayCountRow(SQLModel, table=True):
    """The goals as they are now, counted by local day (in `evaluator.day_counts_zone`) of
    the instant a report window tests: closed, met and closed late on the day they stopped,
    breached on the day their deadline passed without them being stopped in time. A
    report of whole days adds its days up instead of counting goal versions
    (store.day_counts, docs/reports.md#how-fast)."""

    __tablename__ = "goal_day_counts"

    day: date = Field(sa_column=Column(Date, primary_key=True))
    channel: str = Field(primary_key=True, max_length=64)
    branch_code: str = Field(primary_key=True, max_length=32)
    goal_id: str = Field(primary_key=True, max_length=64)
    closed: int = Field(sa_column=Column(BigInteger, nullable=False))
    met: int = Field(sa_column=Column(BigInteger, nullable=False))
    new_breaches: int = Field(sa_column=Column(BigInteger, nullable=False))
    closed_late: int = Field(sa_column=Column(BigInteger, nullable=False))


class ClaimDelayRow(SQLModel, table=True):
    """A claim's delay before and around its clock (domain.delay.ClaimDelay), rewritten with
    its goals: what reports count per group without replaying events. Working amounts are
    microseconds of working days of its goal's calendar; NULL: not reached yet."""

    __tablename__ = "claim_delays"
    # By closing instant, with every figure a report reads: a month's closed claims are read
    # from one range of the index, no table row.
    __table_args__ = (Index("ix_claim_delays_closed", "closed_at", *CLOSED_DELAY_COLUMNS),)

    claim_id: str = Field(primary_key=True, max_length=64)
    channel: str = Field(max_length=64)
    branch_code: str = Field(max_length=32)
    submitted_at: Instant = instant_field(nullable=False)
    first_complete_at: Instant | None = instant_field(nullable=True)
    wait_us: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    send_backs: int = Field(sa_column=Column(Integer, nullable=False))
    paused_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    clock_us: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    closed_at: Instant | None = instant_field(nullable=True)
    end_to_end_us: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    end_to_end_calendar_us: int | None = Field(
        default=None, sa_column=Column(BigInteger, nullable=True)
    )


class BreachRecordRow(SQLModel, table=True):
    """A breach an evaluation recorded when time passed a goal's deadline (store.breaches):
    a row inserted, so the goal's own row, in every index of open goals, is not rewritten
    for it. The next rewrite of the claim's goals folds it into the goal's
    `breach_recorded_at` and deletes it."""

    __tablename__ = "goal_breach_records"

    claim_id: str = Field(primary_key=True, max_length=64)
    goal_id: str = Field(primary_key=True, max_length=64)
    recorded_at: Instant = instant_field(nullable=False)


# The tables as SQLAlchemy Core sees them.
COUNT_TABLES = tuple(
    SQLModel.metadata.tables[row.__tablename__]
    for row in (CounterRow, OpenCountRow, GoalDayCountRow, ClaimDelayRow, BreachRecordRow)
)
