"""An evidence pack (docs/explain.md#an-evidence-pack): which goals of a period it holds, each
claim's explanation and figures, and checking a pack made earlier against the database.

`breached` holds exactly the breaches the period's report lists (closed late in the period,
or whose deadline fell in it and passed); `all` every goal, as it was at the pack's as-of
instant, that closed (was stopped) in the period or whose deadline fell in it, met or not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from sla_monitor.domain.evidence import events_sha256
from sla_monitor.domain.explanation import Explanation
from sla_monitor.domain.goals import GoalState
from sla_monitor.domain.midnights import DAY_UNITS
from sla_monitor.domain.report import Breach
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant, seconds
from sla_monitor.services.claim_view import ClaimDetail, claim_detail
from sla_monitor.services.reports import Period, period_report, report_window
from sla_monitor.store.batches import row_to_event
from sla_monitor.store.queries import claim_events
from sla_monitor.store.report_reads import closed_or_due_goals

STATUSES = ("breached", "all")


@dataclass(frozen=True)
class GoalFigures:
    """One goal of the pack: a row of claims.csv and of the index."""

    goal_id: str
    status: str
    start_day: date | None
    due_day: date | None
    due_at: Instant | None
    stopped_at: Instant | None
    counted_working_days: float | None  # the elapsed working time, in working days
    skipped_days: int  # days from the start day to the due day that are not working days
    paused_working_seconds: int
    overdue_working_days: float | None  # a breach's lateness; None for a goal not breached
    breach: str | None  # closed_late | deadline_passed | None


@dataclass(frozen=True)
class PackClaim:
    """A claim of the pack, with the goals it is in the pack for."""

    detail: ClaimDetail
    goals: tuple[GoalFigures, ...]
    events_sha256: str

    @property
    def claim_id(self) -> str:
        return self.detail.view.claim.claim_id


def pack_goals(
    *, session: Session, sla: SlaTimer, period: Period, as_of: Instant, status: str
) -> tuple[dict[str, list[str]], dict[tuple[str, str], Breach]]:
    """The goals of the pack by claim (in the order found), and the breaches among them."""
    report = period_report(session=session, sla=sla, period=period, as_of=as_of)
    breaches = {(b.fact.claim_id, b.fact.goal_id): b for b in report.breaches}
    pairs = list(breaches)
    if status == "all":
        start, end = report_window(sla, period.first, period.last)
        more = closed_or_due_goals(
            session=session,
            window_start=start,
            window_end=end,
            as_of=as_of,
            channels=list(period.filters.channels) or None,
            branches=period.filters.branch_codes(sla.config),
        )
        pairs = sorted(set(pairs) | set(more))
    found: dict[str, list[str]] = {}
    for claim_id, goal_id in pairs:
        found.setdefault(claim_id, []).append(goal_id)
    return found, breaches


def pack_claims(
    *,
    session: Session,
    sla: SlaTimer,
    goals: Mapping[str, list[str]],
    breaches: Mapping[tuple[str, str], Breach],
    as_of: Instant,
) -> Iterator[PackClaim]:
    """Each claim of the pack as of `as_of`, one at a time (a pack may hold thousands)."""
    for claim_id, goal_ids in goals.items():
        detail = claim_detail(session=session, sla=sla, claim_id=claim_id, as_of=as_of)
        if not isinstance(detail, ClaimDetail):
            continue  # listed by its goals, so stored: only a concurrent deletion gets here
        pairs = zip(detail.view.goals, detail.explanations, strict=True)
        states = {g.goal_id: (g, e) for g, e in pairs}
        figures = tuple(
            figures_of(*states[g], breaches.get((claim_id, g))) for g in goal_ids if g in states
        )
        yield PackClaim(detail, figures, events_sha256(detail.events))


def figures_of(state: GoalState, e: Explanation | None, breach: Breach | None) -> GoalFigures:
    """A goal's figures, read from its explanation (docs/explain.md#an-evidence-pack)."""
    due_days = [] if e is None else [d for d in e.days if d.date <= e.due_day]
    return GoalFigures(
        goal_id=state.goal_id,
        status=state.status.value,
        start_day=None if e is None else e.start_day,
        due_day=None if e is None else e.due_day,
        due_at=state.due_at,
        stopped_at=state.stopped_at,
        counted_working_days=None if e is None else round(e.elapsed / DAY_UNITS, 2),
        skipped_days=sum(not d.working for d in due_days),
        paused_working_seconds=0 if e is None else sum(seconds(p.working) for p in e.pauses),
        overdue_working_days=None
        if breach is None or breach.overdue_working is None
        else round(breach.overdue_working / DAY_UNITS, 2),
        breach=None if breach is None else breach.kind,
    )


@dataclass(frozen=True)
class Mismatch:
    """What no longer matches a pack: a claim's stored events, or one of its files."""

    kind: str  # events_changed | claim_gone | file_changed | file_missing | file_unlisted
    subject: str  # the claim id, or the file's path in the pack


def changed_claims(*, session: Session, manifest: Mapping[str, Any]) -> list[Mismatch]:
    """The claims of a pack's manifest whose stored events no longer give its SHA-256."""
    found = []
    for claim in manifest.get("claims", []):
        rows = claim_events(session=session, claim_id=claim["claim_id"])
        if not rows:
            found.append(Mismatch("claim_gone", claim["claim_id"]))
        elif events_sha256(row_to_event(r) for r in rows) != claim["events_sha256"]:
            found.append(Mismatch("events_changed", claim["claim_id"]))
    return found
