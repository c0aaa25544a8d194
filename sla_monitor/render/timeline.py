"""`claim ID --explain --format html`: each goal's deadline as a printable timeline, one A4
page a goal, that an auditor can attach to a letter (docs/explain.md#the-printable-timeline).
The evidence pack writes the same page for each of its claims.

Self-contained (inline CSS, no script, nothing fetched) and autoescaped: claim ids, reasons
and every other event value are untrusted.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from babel.dates import format_date

from sla_monitor.domain.events import FIELDS, Event
from sla_monitor.domain.evidence import events_sha256
from sla_monitor.domain.explanation import ExplainedDay, Explanation, Pause
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.timeutil import Instant, to_datetime
from sla_monitor.render.documents import claim_json

# The words of a day are the terminal timeline's, so that both say the same.
from sla_monitor.render.explain import (
    ahead_text,
    closed_text,
    day_text,
    extra_working_text,
    number_text,
    target_text,
)
from sla_monitor.render.i18n import (
    _,
    deadline_text,
    language,
    moment_text,
    span,
    status_name,
    zone_name,
)
from sla_monitor.render.page import NOTHING, environment, version
from sla_monitor.services.claim_view import ClaimDetail

# A goal long past its deadline would list every day since: on a page that is to stay one
# page, beyond this many one row says them (the terminal shows more).
LATE_DAYS_SHOWN = 7
# Shown in each event's row beside its time, type and id.
DETAIL_FIELDS = tuple(f for f in FIELDS if f not in ("event_id", "claim_id", "type", "occurred_at"))


def timeline_page(
    detail: ClaimDetail, config: SlaConfig, *, goals: Collection[str] | None = None
) -> str:
    """The timeline page of a claim: one section (and printed page) for each of its goals,
    or for those of `goals` only."""
    return (
        environment().get_template("timeline.html").render(timeline_context(detail, config, goals))
    )


def timeline_context(
    detail: ClaimDetail, config: SlaConfig, goals: Collection[str] | None = None
) -> dict[str, Any]:
    view = detail.view
    branch = config.branches[view.claim.branch_code]
    zone = branch.zone
    explanations = detail.explanations or (None,) * len(view.goals)
    chosen = [
        _goal(state.goal_id, state.status.value, e, view.as_of)
        for state, e in zip(view.goals, explanations, strict=True)
        if goals is None or state.goal_id in goals
    ]
    data = claim_json(detail, config)
    policy = next((p for p in config.policies if p.id == view.policy_id), None)
    return {
        "claim": {
            "id": view.claim.claim_id,
            "channel": view.claim.channel,
            "branch": branch.code,
            "branch_name": branch.name,
            "region": branch.region,
            "zone": f"{zone.key} ({zone_name(to_datetime(view.as_of, zone))})",
            "policy": view.policy_id or NOTHING,
            "policy_from": NOTHING if policy is None else day_text(policy.effective_from),
            "submitted": moment_text(view.claim.submitted_at, zone),
        },
        "as_of": moment_text(view.as_of, zone),
        "goals": chosen,
        "events": [_event(e, zone) for e in detail.known_events],
        "later": [_event(e, zone) for e in detail.later_events],
        "calendar_data": data["calendar_data"],
        "sha256": events_sha256(detail.events),
        "version": version(),
    }


def _event(event: Event, zone: Any) -> dict[str, str]:
    details = [f"{name}={getattr(event, name)}" for name in DETAIL_FIELDS if getattr(event, name)]
    return {
        "when": moment_text(event.occurred_at, zone),
        "type": event.type,
        "id": event.event_id,
        "details": ", ".join(details),
    }


def _goal(goal_id: str, status: str, e: Explanation | None, as_of: Instant) -> dict[str, Any]:
    if e is None:
        return {"id": goal_id, "status": status_name(status), "explanation": None}
    late = [d for d in e.days if d.date > e.due_day]
    shown = e.days if len(late) <= LATE_DAYS_SHOWN else e.days[: len(e.days) - len(late)]
    reached = next((d.number for d in e.days if d.date == e.due_day), None)
    return {
        "id": goal_id,
        "status": status_name(status),
        "explanation": e,
        "target": target_text(e),
        "calendar": e.calendar if e.calendar is not None else _("none: every hour counts"),
        "started": moment_text(e.started_by.occurred_at, e.zone),
        "started_by": e.started_by,
        "start_day": day_text(e.start_day),
        "due_day": day_text(e.due_day),
        "due": deadline_text(e.due_at, e.zone),
        "as_of": moment_text(as_of, e.zone),
        "reached": reached if e.calendar is not None else None,
        "days": [_day(d, e) for d in shown],
        "late": _late(late) if shown is not e.days else None,
        "pauses": [_pause(n, p, e) for n, p in enumerate(e.pauses, start=1)],
    }


def _late(late: list[ExplainedDay]) -> dict[str, Any]:
    """The days after the due day, when there are too many for a page: one row says them."""
    return {
        "dates": f"{day_text(late[0].date)} \u2013 {day_text(late[-1].date)}",
        "days": len(late),
        "working": sum(d.number is not None for d in late),
        "counted": span(sum(d.counted for d in late)),
    }


def _day(d: ExplainedDay, e: Explanation) -> dict[str, Any]:
    """A day's bar: its kind (the colour), the short mark inside it and the words beside it."""
    kind, mark, words = _kind(d, e)
    if d.paused and kind != "paused":
        words = ", ".join((words, _("paused")))
    if d.ahead and not d.counted:
        words = " ".join((words, ahead_text(e)))
    return {
        "date": d.date.isoformat(),
        "text": day_text(d.date),
        "weekday": format_date(d.date, "EEE", locale=language()),
        "day_of_month": d.date.day,
        "kind": kind,
        "mark": mark,
        "words": words,
        "counted": span(d.counted) if d.counted else "",
        "start": d.date == e.start_day,
        "due": d.date == e.due_day,
    }


def _kind(d: ExplainedDay, e: Explanation) -> tuple[str, str, str]:
    """(kind, mark, words): counted | ahead | late | start | skipped | paused | idle."""
    if d.date == e.start_day and not e.start_day_counted:
        return "start", "0", _("start day: not counted")
    if d.number is not None:
        words = number_text(d, e)
        if d.reason == "extra_working_day":
            words = f"{words}; {extra_working_text(d)}"
        kind = "late" if d.date > e.due_day else "counted" if d.counted else "ahead"
        return kind, str(d.number), words
    if not d.working:
        return "skipped", "\u2013", _("skipped: {why}").format(why=closed_text(d))
    if d.paused:
        return "paused", "II", _("not counted: paused")
    return "idle", "", _("not counted")


def _pause(number: int, p: Pause, e: Explanation) -> dict[str, Any]:
    return {
        "n": number,
        "start": moment_text(p.start, e.zone),
        "end": None if p.end is None else moment_text(p.end, e.zone),
        "paused_by": f"{p.paused_by.type} {p.paused_by.event_id}",
        "resumed_by": None
        if p.resumed_by is None
        else f"{p.resumed_by.type} {p.resumed_by.event_id}",
        "working": span(p.working),
    }
