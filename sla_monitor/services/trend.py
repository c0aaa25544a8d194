"""The trend of a report's period: each local day's closed, met, breached and new breaches,
counted as that day's own report counts them (docs/reports.md#the-page-and-the-workbook)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlmodel import Session

from sla_monitor.domain.report import SummaryRow, WindowCount, build_report
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.services.reports import Period, report_window, summary_rows
from sla_monitor.store.report_reads import window_counts


@dataclass(frozen=True)
class TrendDay:
    """One local day of a period, read as it stood at `as_of` (the end of the day, or the
    report's as_of when that comes first)."""

    day: date
    as_of: Instant
    reached: bool  # False: the day starts after the report's as_of, nothing is known of it
    totals: list[SummaryRow]  # one a goal, as the day's own report totals them

    @property
    def overall(self) -> SummaryRow:
        """Every goal of the day together."""
        row = SummaryRow(self.day.isoformat(), "")
        for total in self.totals:
            row.add(total)
        return row


def daily_trend(
    *, session: Session, sla: SlaTimer, period: Period, as_of: Instant
) -> list[TrendDay]:
    """Each day of the period with the figures its daily report (same filters) gives at
    min(end of the day, as_of). Only the window counts are read: the open goals and the
    breach list of each day are not part of a trend."""
    config = sla.config
    channels = list(period.filters.channels) or None
    branches = period.filters.branch_codes(config)
    days = []
    day = period.first
    while day <= period.last:
        window = report_window(sla, day)
        moment = min(window[1], as_of)
        counts: dict[tuple[str, str, str], WindowCount] = {}
        if moment > window[0]:
            counts = window_counts(
                session=session,
                window_start=window[0],
                window_end=window[1],
                as_of=moment,
                channels=channels,
                branches=branches,
            )
        # The day's totals by the report's own rule (build_report), from the counts alone.
        totals = build_report(
            day=day,
            timezone=config.report_timezone,
            window=window,
            as_of=moment,
            facts=(),
            rows=summary_rows(sla, replace(period, first=day, last=day, by="channel")),
            window_counts=counts,
        ).totals
        days.append(TrendDay(day, moment, moment > window[0], totals))
        day += timedelta(days=1)
    return days
