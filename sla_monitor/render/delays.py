"""The delay before and around the clock in a report (docs/rules.md#the-delay-before-and-around-the-clock):
its JSON and its terminal table, beside the summary of deadlines."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from sla_monitor.domain.delay_figures import DelayRow
from sla_monitor.domain.midnights import DAY_UNITS
from sla_monitor.domain.report import Report
from sla_monitor.render.i18n import _, decimal, group_name, integer, percent


def _days(micros: int | None, unit: int = DAY_UNITS) -> float | None:
    return None if micros is None else round(micros / unit, 2)


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def delay_row_json(row: DelayRow) -> dict[str, Any]:
    """One group's figures: quantiles in working days of the goal's calendar (end to end also
    in calendar days), to the hundredth; shares from 0 to 1, null with nothing to divide."""
    day = 86_400 * 1_000_000  # a calendar day, whatever the working days count
    return {
        "group": row.group,
        "closed": row.closed,
        "wait_median_working_days": _days(row.wait[0]),
        "wait_p90_working_days": _days(row.wait[1]),
        "end_to_end_median_working_days": _days(row.end_to_end[0]),
        "end_to_end_p90_working_days": _days(row.end_to_end[1]),
        "end_to_end_median_days": _days(row.end_to_end_calendar[0], day),
        "end_to_end_p90_days": _days(row.end_to_end_calendar[1], day),
        "sent_back_twice": row.sent_back_twice,
        "sent_back_twice_share": _share(row.sent_back_twice_share),
        "paused_share": _share(row.paused_share),
    }


def report_delays(report: Report) -> dict[str, Any]:
    """The keys a report's JSON gains: `delay`, a row a group, and `delay_totals`, over all."""
    total = report.delay_total or DelayRow("", 0, (None, None), (None, None), (None, None), 0, 0, 0)
    return {
        "delay": [delay_row_json(row) for row in report.delays],
        "delay_totals": delay_row_json(total),
    }


def print_delays(console: Console, data: dict[str, Any]) -> None:
    """The second table of a report: per group, how long participants waited before the
    clock and end to end, how often documents went back, how much of the clock was paused."""
    table = Table(
        title=_("Before and around the clock: claims paid or rejected in the window"),
        title_justify="left",
    )
    table.add_column(group_name(data["by"]))
    for name in (
        _("closed"),
        _("wait before the clock, median (working days)"),
        _("wait, 90th percentile"),
        _("end to end, median (working days)"),
        _("end to end, 90th percentile"),
        _("sent back twice or more"),
        _("paused share of clock time"),
    ):
        table.add_column(name, justify="right")
    for row in data["delay"]:
        table.add_row(row["group"], *_cells(row))
    table.add_row(_("total"), *_cells(data["delay_totals"]))
    console.print(table)


def _cells(row: dict[str, Any]) -> list[str]:
    def days(value: float | None) -> str:
        return "-" if value is None else decimal(value)

    def share(value: float | None) -> str:
        return "-" if value is None else percent(value)

    return [
        integer(row["closed"]),
        days(row["wait_median_working_days"]),
        days(row["wait_p90_working_days"]),
        days(row["end_to_end_median_working_days"]),
        days(row["end_to_end_p90_working_days"]),
        share(row["sent_back_twice_share"]),
        share(row["paused_share"]),
    ]
