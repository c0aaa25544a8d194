"""The tables: every stored event, one row a claim, a claim's goals and their versions
through time, the evaluator row, calendar fingerprints; and, from store.count_tables, what
is counted beside the goals (counters, open goals by status, goals by day, claim delays).

Instants are `int` microseconds in Python and UTC `TIMESTAMP` columns (store.instants).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlmodel import Field, SQLModel

from sla_monitor.domain.timeutil import Instant
from sla_monitor.store.count_tables import COUNT_TABLES
from sla_monitor.store.instants import UtcInstant, instant_field

# Goals whose clock runs or is paused; literal SQL, so a partial index on it can be chosen.
OPEN_PHASES = text("phase IN ('running', 'paused')")
RUNNING_PHASE = text("phase = 'running'")
UNRECORDED_OPEN = text("breach_recorded_at IS NULL AND phase IN ('running', 'paused')")
# What open goals are counted by: their group, phase and the instants that give the status.
OPEN_COUNT_COLUMNS = ("channel", "goal_id", "branch_code", "phase", "due_at", "at_risk_at")
# After a report window's instant, what it tests and counts the goal versions in range by.
WINDOW_COLUMNS = ("valid_from", "valid_to", "channel", "branch_code", "goal_id", "phase")
# Goals stopped after their deadline: literal SQL, for the partial index of late closures.
CLOSED_LATE = text("phase = 'stopped' AND ended_at > due_at")


class EventRow(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_events_event_id"),
        Index("ix_events_claim_time", "claim_id", "occurred_at"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    )
    event_id: str = Field(sa_column=Column(String(128), nullable=False))
    claim_id: str = Field(max_length=64)
    type: str = Field(max_length=32)
    occurred_at: Instant = instant_field(nullable=False)
    channel: str | None = Field(default=None, max_length=64)
    branch_code: str | None = Field(default=None, max_length=32)
    employer_id: str | None = Field(default=None, max_length=64)
    batch_id: str | None = Field(default=None, max_length=64)
    amount: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    reason: str | None = Field(default=None, max_length=500)
    received_at: Instant = instant_field(nullable=False)


class ClaimRow(SQLModel, table=True):
    """A claim exists once its `submitted` event is stored."""

    __tablename__ = "claims"
    __table_args__ = (
        Index(
            "ix_claims_stale",
            "claim_id",
            sqlite_where=text("stale"),
            postgresql_where=text("stale"),
        ),
    )

    claim_id: str = Field(primary_key=True, max_length=64)
    channel: str = Field(max_length=64)
    branch_code: str = Field(max_length=32)
    policy_id: str | None = Field(default=None, max_length=64)
    submitted_at: Instant = instant_field(nullable=False)
    submitted_event_id: str = Field(max_length=128)
    updated_at: Instant = instant_field(nullable=False)
    # Events arrived that its goal rows do not reflect yet: its first, or one of a type a goal
    # reacts to (a bulk import recomputes once, at its end; an interrupted import is
    # finished by the next evaluation).
    stale: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )


class GoalRow(SQLModel, table=True):
    """A claim's goal after all its events (clock.GoalRecord), rewritten when they change."""

    __tablename__ = "claim_goals"
    __table_args__ = (
        # Open goals by deadline, with every column they are counted by: an evaluation
        # reads the range of deadlines passed since the last one (store.open_counts), a
        # full recount the whole index; its size follows the open goals, not the years of
        # closed ones.
        Index(
            "ix_claim_goals_open_due",
            "due_at",
            "channel",
            "goal_id",
            "branch_code",
            "phase",
            "at_risk_at",
            sqlite_where=OPEN_PHASES,
            postgresql_where=OPEN_PHASES,
        ),
        # Running goals by the instant they become at risk, likewise.
        Index(
            "ix_claim_goals_running_at_risk",
            "at_risk_at",
            "channel",
            "goal_id",
            "branch_code",
            "due_at",
            sqlite_where=RUNNING_PHASE,
            postgresql_where=RUNNING_PHASE,
        ),
        # Open goals whose breach is not recorded, by deadline: what each evaluation stamps.
        # Open only: a goal closed in time keeps a NULL breach forever, and five years of
        # them would be read at every evaluation.
        Index(
            "ix_claim_goals_open_unrecorded",
            "due_at",
            sqlite_where=UNRECORDED_OPEN,
            postgresql_where=UNRECORDED_OPEN,
        ),
    )

    claim_id: str = Field(primary_key=True, max_length=64)
    goal_id: str = Field(primary_key=True, max_length=64)
    policy_id: str = Field(max_length=64)
    channel: str = Field(max_length=64)
    branch_code: str = Field(max_length=32)
    phase: str = Field(max_length=16)
    started_at: Instant | None = instant_field(nullable=True)
    ended_at: Instant | None = instant_field(nullable=True)
    due_at: Instant | None = instant_field(nullable=True)
    at_risk_at: Instant | None = instant_field(nullable=True)
    elapsed_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    target_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    # What the metrics have counted, kept across recomputations so nothing counts twice.
    breach_recorded_at: Instant | None = instant_field(nullable=True)
    outcome_recorded: str | None = Field(default=None, max_length=16)
    # The digest of the calendar the goal's deadline was computed in (calendar_fingerprints;
    # NULL for a target of plain hours, or a row written before fingerprints were kept).
    calendar_fingerprint: str | None = Field(default=None, max_length=16)


class GoalVersionRow(SQLModel, table=True):
    """A goal's record for as_of in [valid_from, valid_to), valid_to NULL for the current
    one: what a report of any day reads, instead of replaying claims. Running, paused and
    stopped records only; a goal not started or cancelled counts in no report.
    """

    __tablename__ = "goal_versions"
    __table_args__ = (
        # A report's window is a range of due_at or ended_at; valid_from and valid_to beside
        # it pass over, in the index, the versions not valid at the report's as_of; the
        # columns after them are what a report counts by and tests, so a month's goals are
        # counted from the index alone and its breaches found before any row is read.
        Index("ix_goal_versions_due_window", "due_at", *WINDOW_COLUMNS, "ended_at"),
        Index("ix_goal_versions_ended_window", "ended_at", *WINDOW_COLUMNS, "due_at"),
        # Open versions by the end of their validity, with every column a report counts
        # them by: the open goals at a past as_of are the versions current now or
        # superseded since, read from this index alone.
        Index(
            "ix_goal_versions_open",
            "valid_to",
            "valid_from",
            *OPEN_COUNT_COLUMNS,
            sqlite_where=OPEN_PHASES,
            postgresql_where=OPEN_PHASES,
        ),
        # Goals stopped after their deadline, by when they stopped, with every column a
        # report tests them by: the breaches it lists as closed late, found and counted
        # without reading the month's other goals.
        Index(
            "ix_goal_versions_closed_late",
            "ended_at",
            "due_at",
            *WINDOW_COLUMNS,
            "claim_id",
            sqlite_where=CLOSED_LATE,
            postgresql_where=CLOSED_LATE,
        ),
    )

    claim_id: str = Field(primary_key=True, max_length=64)
    goal_id: str = Field(primary_key=True, max_length=64)
    valid_from: Instant = Field(sa_column=Column(UtcInstant(), primary_key=True))
    valid_to: Instant | None = instant_field(nullable=True)
    channel: str = Field(max_length=64)
    branch_code: str = Field(max_length=32)
    phase: str = Field(max_length=16)
    started_at: Instant | None = instant_field(nullable=True)
    ended_at: Instant | None = instant_field(nullable=True)
    due_at: Instant | None = instant_field(nullable=True)
    at_risk_at: Instant | None = instant_field(nullable=True)
    elapsed_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    target_us: int = Field(sa_column=Column(BigInteger, nullable=False))


class CalendarFingerprintRow(SQLModel, table=True):
    """A calendar's dates as some goals were computed in them (calendar_data.Fingerprint),
    kept so `calendar diff` can list the dates a change moved."""

    __tablename__ = "calendar_fingerprints"

    digest: str = Field(primary_key=True, max_length=16)
    calendar_id: str = Field(max_length=64)
    holidays_version: str = Field(max_length=32)
    dates: str = Field(sa_column=Column(Text, nullable=False))  # Fingerprint.to_json()
    first_used_at: Instant = instant_field(nullable=False)


class EvaluatorRow(SQLModel, table=True):
    """The evaluator lease (one replica evaluates at a time) and the last evaluation."""

    __tablename__ = "evaluator"

    name: str = Field(primary_key=True, max_length=32)
    holder: str | None = Field(default=None, max_length=128)
    lease_expires_at: Instant | None = instant_field(nullable=True)
    last_evaluated_at: Instant | None = instant_field(nullable=True)
    last_duration_us: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # The instant open_goal_counts describes (store.open_counts); NULL: count them in full.
    counted_at: Instant | None = instant_field(nullable=True)
    # The zone whose local days goal_day_counts are kept in (store.day_counts); NULL: none.
    day_counts_zone: str | None = Field(default=None, max_length=64)


# The tables as SQLAlchemy Core sees them, for set-based statements and bulk paths.
EVENTS, CLAIMS, GOALS, VERSIONS, EVALUATOR, FINGERPRINTS = (
    SQLModel.metadata.tables[row.__tablename__]
    for row in (EventRow, ClaimRow, GoalRow, GoalVersionRow, EvaluatorRow, CalendarFingerprintRow)
)
COUNTERS, OPEN_COUNTS, DAY_COUNTS, DELAYS, BREACH_RECORDS = COUNT_TABLES

# The versions by the instant they last changed: when they began for a current one, when
# they ended for one superseded. A report that adds up the kept day counts (the goals as
# they are now) at an earlier as_of corrects them by the versions that changed after it,
# one range of this index (store.day_counts).
CHANGED_AT = func.coalesce(VERSIONS.c.valid_to, VERSIONS.c.valid_from)
Index(
    "ix_goal_versions_changed",
    CHANGED_AT,
    *(VERSIONS.c[name] for name in (*WINDOW_COLUMNS, "ended_at", "due_at")),
)
