"""The report and the backlog as an xlsx workbook: typed cells (dates as dates, numbers as
numbers), frozen and filtered header rows, columns sized; written row by row in openpyxl's
write-only mode, so a backlog of any size streams (docs/reports.md#the-page-and-the-workbook).

No text from event data starts a formula: it goes through `safe_cell` and is written as
text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from sla_monitor.domain.backlog import BacklogItem
from sla_monitor.domain.midnights import DAY_UNITS
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.report import Breach, Report
from sla_monitor.domain.timeutil import MICROS, Instant, to_datetime
from sla_monitor.render.cells import safe_cell
from sla_monitor.render.documents import report_json
from sla_monitor.render.i18n import _, deadline_text, status_name
from sla_monitor.render.page import filters_text, grouping_text, period_text, version
from sla_monitor.services.trend import TrendDay

WHEN, HOURS, DAYS, PERCENT, COUNT = "yyyy-mm-dd hh:mm", "0.00", "0.00", "0.0%", "#,##0"
HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", start_color="F4F5F7")
HEAD_RULE = Border(bottom=Side(style="thin", color="A5ADBA"))


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    format: str | None = None  # the number format of its cells


class Sheet:
    """A write-only sheet: its header row, bold, frozen and filtered, then its rows."""

    def __init__(self, book: Workbook, title: str, columns: Sequence[Column]) -> None:
        self.sheet: Any = book.create_sheet(title=title)  # openpyxl's write-only sheet
        self.columns = columns
        self.rows = 0
        self.sheet.freeze_panes = "A2"
        for number, column in enumerate(columns, 1):
            self.sheet.column_dimensions[get_column_letter(number)].width = column.width
        head = []
        for column in columns:
            cell = WriteOnlyCell(self.sheet, value=column.title)
            cell.font, cell.fill, cell.border = HEAD_FONT, HEAD_FILL, HEAD_RULE
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
            head.append(cell)
        self.sheet.append(head)

    def add(self, values: Sequence[Any]) -> None:
        """One row; text is written as text, never as a formula."""
        row: list[Any] = []
        for column, value in zip(self.columns, values, strict=True):
            if isinstance(value, str):
                value = safe_cell(value)
            if column.format is None or value is None:
                row.append(value)
                continue
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.number_format = column.format
            row.append(cell)
        self.sheet.append(row)
        self.rows += 1

    def close(self) -> None:
        last = get_column_letter(len(self.columns))
        self.sheet.auto_filter.ref = f"A1:{last}{self.rows + 1}"


def local(instant: Instant | None, zone: ZoneInfo) -> datetime | None:
    """The branch's wall-clock time: spreadsheets have no time zones (the zone is a column)."""
    return None if instant is None else to_datetime(instant, zone).replace(tzinfo=None)


def hours(micros: int | None) -> float | None:
    return None if micros is None else round(micros / MICROS / 3600, 2)


def days(units: int | None) -> float | None:
    return None if units is None else round(units / DAY_UNITS, 2)


def report_workbook(
    path: Path,
    report: Report,
    config: SlaConfig,
    *,
    backlog: Iterable[BacklogItem],
    trend: Sequence[TrendDay],
) -> None:
    """Summary, breaches, the open breached goals at as_of, the trend, and what the report
    covers."""
    book = Workbook(write_only=True)
    data = report_json(report, config)
    _summary(book, data)
    _breaches(book, report.breaches)
    _backlog(book, backlog, _("Backlog"))
    _trend(book, trend)
    _about(book, report, data, config)
    book.save(path)


def backlog_workbook(path: Path, items: Iterable[BacklogItem]) -> None:
    book = Workbook(write_only=True)
    _backlog(book, items, _("Backlog"))
    book.save(path)


# The counts of a summary row, in the order of the summary sheet's columns.
COUNTS = ("closed", "met", "breached", "compliance", "new_breaches", "open_breached", "at_risk")


def _summary(book: Workbook, data: dict[str, Any]) -> None:
    groups = {
        "branch": [
            (_("Branch"), "branch_code", 10),
            (_("Name"), "branch_name", 36),
            (_("Region"), "region", 28),
        ],
        "region": [(_("Region"), "region", 28)],
        "channel": [(_("Channel"), "channel", 14)],
    }[data["by"]]
    counts = [
        Column(_("Closed"), 10, COUNT),
        Column(_("Met"), 10, COUNT),
        Column(_("Closed late"), 10, COUNT),
        Column(_("Compliance"), 12, PERCENT),
        Column(_("New breaches"), 12, COUNT),
        Column(_("Open, past deadline"), 14, COUNT),
        Column(_("At risk"), 10, COUNT),
    ]
    columns = [Column(title, width) for title, _key, width in groups]
    sheet = Sheet(book, _("Summary"), [*columns, Column(_("Goal"), 14), *counts])
    for row in data["summary"]:
        sheet.add([row[key] for _t, key, _w in groups] + [row["goal"]] + _counts(row))
    for total in data["totals"]:
        sheet.add([_("Total")] + [None] * (len(groups) - 1) + [total["goal"]] + _counts(total))
    sheet.close()


def _counts(row: dict[str, Any]) -> list[Any]:
    return [row[key] for key in COUNTS]


def _goal_sheet(book: Workbook, title: str, middle: Sequence[Column]) -> Sheet:
    """A sheet of one goal of one claim a row (a breach, or an open goal): which goal, what
    it is (`middle`), and how late in calendar and working time."""
    return Sheet(
        book,
        title,
        [
            Column(_("Claim"), 22),
            Column(_("Channel"), 12),
            Column(_("Branch"), 9),
            Column(_("Goal"), 12),
            *middle,
            Column(_("Time zone"), 16),
            Column(_("Late (calendar hours)"), 12, HOURS),
            Column(_("Late (working days)"), 12, DAYS),
        ],
    )


def due_text(instant: Instant | None, zone: ZoneInfo) -> str | None:
    """A deadline as people read it: one at 00:00 is the end of the day before, which the
    date-and-time cell beside it cannot say."""
    return None if instant is None else deadline_text(instant, zone)


def _breaches(book: Workbook, breaches: Iterable[Breach]) -> None:
    middle = [Column(_("Kind"), 18), Column(_("Due (branch time)"), 18, WHEN), Column(_("Due"), 32)]
    sheet = _goal_sheet(
        book, _("Breaches"), [*middle, Column(_("Stopped (branch time)"), 18, WHEN)]
    )
    for b in breaches:
        f = b.fact
        when = [local(f.due_at, f.zone), due_text(f.due_at, f.zone), local(f.stopped_at, f.zone)]
        late = [f.zone.key, hours(b.overdue), days(b.overdue_working)]
        sheet.add(
            [f.claim_id, f.channel, f.branch_code, f.goal_id, status_name(b.kind), *when, *late]
        )
    sheet.close()


def _backlog(book: Workbook, items: Iterable[BacklogItem], title: str) -> None:
    middle = [Column(_("Status"), 14), Column(_("Started (branch time)"), 18, WHEN)]
    sheet = _goal_sheet(
        book, title, [*middle, Column(_("Due (branch time)"), 18, WHEN), Column(_("Due"), 32)]
    )
    for i in items:
        when = [local(i.started_at, i.zone), local(i.due_at, i.zone), due_text(i.due_at, i.zone)]
        late = [i.zone.key, hours(i.overdue), days(i.overdue_working)]
        status = status_name(i.status.value)
        sheet.add([i.claim_id, i.channel, i.branch_code, i.goal_id, status, *when, *late])
    sheet.close()


def _trend(book: Workbook, trend: Sequence[TrendDay]) -> None:
    columns = [Column(_("Date"), 12, "yyyy-mm-dd"), Column(_("Goal"), 14)]
    columns += [Column(_("Closed"), 10, COUNT), Column(_("Met"), 10, COUNT)]
    columns += [Column(_("Closed late"), 10, COUNT), Column(_("Compliance"), 12, PERCENT)]
    sheet = Sheet(book, _("Trend"), [*columns, Column(_("New breaches"), 12, COUNT)])
    for day in trend:
        if not day.reached:
            continue
        for row in day.totals:
            counts = [row.closed, row.met, row.breached, row.compliance, row.new_breaches]
            sheet.add([datetime.combine(day.day, datetime.min.time()), row.goal, *counts])
    sheet.close()


def _about(book: Workbook, report: Report, data: dict[str, Any], config: SlaConfig) -> None:
    """What the workbook holds, as the page's title and footer say it."""
    sheet = Sheet(book, _("About"), [Column(_("Item"), 22), Column(_("Value"), 90)])
    notes = data["calendar_data"]
    for item, value in (
        (_("Report"), _("SLA report")),
        (_("Period"), f"{period_text(report.day, report.last_day)} ({report.timezone})"),
        (_("Grouped"), grouping_text(report.by)),
        (_("Filter"), filters_text(data["filters"])),
        (_("As of"), data["as_of"]),
        (_("Policies"), ", ".join(f"{p.id} ({p.effective_from})" for p in config.policies)),
        (_("Calendars"), ", ".join(config.calendars_in_use)),
        (_("Holiday data"), f"holidays {notes['holidays_version']}"),
        *((_("Warning"), warning) for warning in notes["unknown"]),
        (_("Produced by"), f"sla-monitor {version()}"),
    ):
        sheet.add([item, value])
    sheet.close()
