"""A report window's goals closed, met, late and newly breached, from the kept day counts
where they cover it and from the goal versions where they do not (docs/reports.md#how-fast).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta

from sqlmodel import Session

from sla_monitor.domain.report import WindowCount
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant, local_date, local_instant
from sla_monitor.store import day_counts
from sla_monitor.store.report_reads import window_counts

Counts = dict[tuple[str, str, str], WindowCount]  # by (channel, branch, goal)


def report_window(sla: SlaTimer, first: date, last: date | None = None) -> tuple[Instant, Instant]:
    """The instants [start, end) of the local dates [first, last] in report_timezone."""
    zone = sla.config.report_zone
    end = (last or first) + timedelta(days=1)
    return local_instant(first, time(0), zone), local_instant(end, time(0), zone)


def counted_window(
    *,
    session: Session,
    sla: SlaTimer,
    first: date,
    last: date,
    as_of: Instant,
    channels: Sequence[str] | None = None,
    branches: Sequence[str] | None = None,
) -> Counts:
    """The goals, as they were at as_of, closed and newly breached in the local dates
    [first, last]: the days that have ended by as_of added up from the kept day counts and
    corrected by the versions changed since as_of, the rest counted from the goal versions.
    Counted from the versions alone when the counts are not kept in the report zone, or
    when more versions changed since as_of than the window holds (a month long past)."""
    narrow = {"channels": channels, "branches": branches}
    window = report_window(sla, first, last)

    def from_versions(start: Instant) -> Counts:
        return window_counts(
            session=session, window_start=start, window_end=window[1], as_of=as_of, **narrow
        )

    # The last day that has ended by as_of.
    ended = last if as_of >= window[1] else local_date(as_of, sla.config.report_zone)
    ended -= timedelta(days=0 if as_of >= window[1] else 1)
    if ended < first or day_counts.kept_zone(session) != sla.config.report_timezone:
        return from_versions(window[0])
    kept = day_counts.read(session, first, ended, **narrow)
    # What counting the versions would read: each goal's versions closed or due in the window.
    size = sum(3 * c.closed + c.new_breaches for c in kept.values())
    if day_counts.changed_after(session, as_of, at_most=size + 1) > size:
        return from_versions(window[0])
    kept_end = report_window(sla, ended)[1]
    parts = [kept, day_counts.corrections(session, (window[0], kept_end), as_of, **narrow)]
    if kept_end < window[1]:  # the day of as_of, and the days after it
        parts.append(from_versions(kept_end))
    counts: Counts = {}
    for part in parts:
        for key, count in part.items():
            counts[key] = counts.get(key, WindowCount()) + count
    return counts
