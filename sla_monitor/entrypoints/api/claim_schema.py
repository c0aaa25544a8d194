"""The OpenAPI description of the claim view (docs/api.md, docs/explain.md): the JSON of
`sla-monitor claim --json`, field for field, as render/documents.py makes it."""

from __future__ import annotations

from pydantic import Field

from sla_monitor.domain.goals import Status
from sla_monitor.entrypoints.api.report_schema import CalendarData, Document

Stamp = str  # RFC 3339 in the branch's offset


class ClaimEvent(Document):
    """A stored event; a field the event did not give is absent."""

    event_id: str
    claim_id: str
    type: str = Field(examples=["documents_completed"])
    occurred_at: Stamp
    channel: str | None = None
    branch_code: str | None = None
    employer_id: str | None = None
    batch_id: str | None = None
    amount: int | None = Field(default=None, description="Rupiah.")
    reason: str | None = None


class ExplainedDay(Document):
    date: str = Field(description="A local date, YYYY-MM-DD.")
    working: bool = Field(description="Whether the goal's calendar works that date.")
    reason: str | None = Field(
        description="Null for a plain working day; else saturday, sunday (or another "
        "weekday's name), holiday, extra_holiday or extra_working_day."
    )
    name: str | None = Field(description="The holiday's Indonesian name.")
    counted_seconds: int = Field(description="Working time counted that day by as_of.")
    day: int | None = Field(description="N for the N-th day counting toward the target.")


class Pause(Document):
    from_: Stamp = Field(alias="from")
    to: Stamp | None = Field(description="Null while still paused.")
    paused_by: str = Field(description="The event_id that paused the clock.")
    resumed_by: str | None = Field(description="The event_id that ended the pause.")
    working_seconds: int


class Explanation(Document):
    """A goal's deadline day by day (docs/explain.md#the-json-shape)."""

    calendar: str | None = Field(description="Null for a target of plain hours or minutes.")
    timezone: str = Field(examples=["Asia/Jakarta"])
    start_day: str
    due_day: str
    projected: bool = Field(description="Paused: due_at is as if the clock resumed at as_of.")
    days: list[ExplainedDay]
    pauses: list[Pause]


class ClaimGoal(Document):
    goal: str = Field(examples=["payment"])
    status: Status
    started_at: Stamp | None
    stopped_at: Stamp | None
    cancelled_at: Stamp | None
    due_at: Stamp | None
    elapsed_working_seconds: int
    target_working_seconds: int
    explanation: Explanation | None = Field(description="Null for a goal without a deadline.")


class ClaimDocument(Document):
    """One claim as of an instant, as `sla-monitor claim --json` prints it."""

    claim_id: str
    channel: str
    branch_code: str
    timezone: str = Field(examples=["Asia/Jakarta"])
    submitted_at: Stamp
    policy: str | None = Field(description="Null for a claim no policy tracks.")
    as_of: Stamp
    goals: list[ClaimGoal] = Field(description="Empty for a claim no policy tracks.")
    events: list[ClaimEvent] = Field(description="The events at or before as_of.")
    later_events: list[ClaimEvent] = Field(description="The events after as_of; ignored.")
    calendar_data: CalendarData
