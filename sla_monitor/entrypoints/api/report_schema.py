"""The OpenAPI description of the report and backlog documents (docs/api.md): the JSON of
`sla-monitor report --format json` and `sla-monitor backlog --format json`, field for field.

The routes send those documents as the renderers make them; these models only describe
them, and forbid any other field so that a test notices when the two drift apart. Then the
query parameters both routes share, and their errors."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from sla_monitor.entrypoints.api.params import as_of_query
from sla_monitor.entrypoints.api.schema import Problem


class Document(BaseModel):
    """A document as its renderer makes it, field for field; any other field is refused, so
    that a test validating a real answer notices when the two drift apart."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AppliedFilters(Document):
    """Every filter applied, after a scoped token's narrowing; empty: not filtered."""

    channel: list[str] = Field(examples=[["online"]])
    branch: list[str] = Field(examples=[["JKT", "BDG"]])
    region: list[str] = Field(examples=[[]])


class Window(Document):
    start: str = Field(description="RFC 3339: the first local midnight of the period.")
    end: str = Field(description="RFC 3339: the local midnight after the last date (excluded).")


class Counts(Document):
    closed: int = Field(description="Goals stopped in the window.")
    met: int = Field(description="Of those, stopped by their deadline.")
    breached: int = Field(description="Of those, stopped after their deadline.")
    compliance: float | None = Field(
        description="met / closed, from 0 to 1; null when none closed.", examples=[0.875]
    )
    new_breaches: int = Field(description="Deadlines that passed in the window unmet.")
    open_breached: int = Field(description="Goals open past their deadline at as_of.")
    at_risk: int = Field(description="Goals open and at risk at as_of.")


class ChannelRow(Counts):
    """A summary row of a report by channel."""

    channel: str
    goal: str


class BranchRow(Counts):
    """A summary row of a report by branch."""

    branch_code: str
    branch_name: str | None
    region: str | None
    goal: str


class RegionRow(Counts):
    """A summary row of a report by region."""

    region: str
    goal: str


class TotalRow(Counts):
    """The whole report for one goal."""

    goal: str


class BreachRow(Document):
    claim_id: str
    channel: str
    branch_code: str
    goal: str
    kind: Literal["closed_late", "deadline_passed"]
    due_at: str = Field(description="RFC 3339 in the branch's offset.")
    stopped_at: str | None
    overdue_seconds: int = Field(description="Calendar time past the deadline.")
    overdue_working_days: float | None = Field(
        description="Working days of the goal's calendar past the deadline (to the hundredth)."
    )


class Decree(Document):
    calendar: str
    year: int
    known: bool
    source: Literal["data", "configuration"] | None
    cuti_bersama: int


class CalendarData(Document):
    holidays_version: str
    decrees: list[Decree]
    unknown: list[str] = Field(description="A sentence per year whose decree is not known.")


class DelayRow(Document):
    """The delay before and around the clock of the claims paid or rejected in the window
    (docs/rules.md#the-delay-before-and-around-the-clock), of one group or of all."""

    group: str = Field(description='The channel, branch code or region, as `by`; "" in totals.')
    closed: int = Field(description="Claims paid or rejected in the window, by as_of.")
    wait_median_working_days: float | None = Field(
        description="Submitted to first documents_completed: median by nearest rank."
    )
    wait_p90_working_days: float | None
    end_to_end_median_working_days: float | None = Field(
        description="Submitted to paid or rejected, in working days of the goal's calendar."
    )
    end_to_end_p90_working_days: float | None
    end_to_end_median_days: float | None = Field(description="The same in calendar days.")
    end_to_end_p90_days: float | None
    sent_back_twice: int = Field(description="Claims whose documents were sent back twice or more.")
    sent_back_twice_share: float | None
    paused_share: float | None = Field(
        description="Working time their clocks spent paused over their clocks' working time."
    )


class ReportDocument(Document):
    """The report of a period, as `sla-monitor report --format json` prints it."""

    date: str | None = Field(description="The day of a one-day report; else null.")
    from_: str = Field(alias="from", description="First local date, YYYY-MM-DD.")
    to: str = Field(description="Last local date, included.")
    by: Literal["channel", "branch", "region"]
    filters: AppliedFilters
    timezone: str = Field(examples=["Asia/Jakarta"])
    as_of: str = Field(description="RFC 3339: the instant open goals are counted at.")
    window: Window
    summary: list[ChannelRow | BranchRow | RegionRow] = Field(
        description="One row per group and goal, worst compliance first."
    )
    totals: list[TotalRow]
    breaches: list[BreachRow]
    calendar_data: CalendarData
    delay: list[DelayRow] = Field(description="One row a group, in configuration order.")
    delay_totals: DelayRow


class BacklogRow(Document):
    claim_id: str
    channel: str
    branch_code: str
    goal: str
    status: Literal["on_track", "at_risk", "paused", "breached"]
    started_at: str = Field(description="RFC 3339 in the branch's offset.")
    due_at: str | None = Field(description="Null while a goal's deadline is not known yet.")
    overdue_seconds: int | None = Field(
        description="Calendar time past the deadline; negative: left before it."
    )
    overdue_working_days: float | None = Field(
        description="Working days of the goal's calendar past the deadline; negative: left."
    )


class BacklogDocument(Document):
    """The open backlog, as `sla-monitor backlog --format json` prints it."""

    status: Literal["breached", "at_risk", "paused", "open"]
    filters: AppliedFilters
    as_of: str = Field(description="RFC 3339 in report_timezone.")
    rows: list[BacklogRow] = Field(description="Most overdue first.")
    count: int = Field(description="How many rows; last, so a cut-off body has none.")


READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Reads are protected; no valid token."},
    403: {
        "model": Problem,
        "description": "The token has no read scope, or a filter names a channel or branch "
        "outside the token's.",
    },
    422: {
        "model": Problem,
        "description": "A parameter is malformed, contradicts another, or names an unknown "
        "channel, branch or region; the detail names it.",
    },
    503: {"model": Problem, "description": "The database is unavailable; retry later."},
}


def choice(
    values: tuple[str, ...], description: str, example: str, alias: str | None = None
) -> Any:
    # A plain string checked by the route, so a wrong value gets the same Problem as every
    # other 422 here; the schema still lists the values.
    return Query(
        alias=alias,
        description=description,
        examples=[example],
        json_schema_extra={"enum": list(values)},
    )


def text(description: str, example: str, alias: str | None = None) -> Any:
    return Query(alias=alias, description=description, examples=[example])


Channels = Annotated[
    list[str] | None,
    Query(description="Only this channel; repeat for several.", examples=[["online"]]),
]
Branches = Annotated[
    list[str] | None,
    Query(
        description="Only this branch code; repeat for several (`?branch=JKT&branch=BDG`).",
        examples=[["JKT", "BDG"]],
    ),
]
Regions = Annotated[
    list[str] | None,
    Query(
        description="Only branches of this region (branches.toml); repeat for several.",
        examples=[["DKI Jakarta"]],
    ),
]
AsOf = Annotated[str | None, as_of_query("open goals are counted at.")]
