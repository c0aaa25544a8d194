"""The open backlog as JSON, CSV and a terminal table, written row by row so that a backlog
of any size streams (docs/reports.md#the-open-backlog)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sla_monitor.domain.backlog import BacklogItem
from sla_monitor.domain.midnights import DAY_UNITS
from sla_monitor.domain.timeutil import Instant, format_rfc3339, seconds
from sla_monitor.render.cells import safe_cell
from sla_monitor.render.i18n import (
    _,
    deadline_text,
    decimal,
    group_name,
    integer,
    moment_text,
    n_,
    span,
    status_name,
)

BACKLOG_COLUMNS = (
    "claim_id",
    "channel",
    "branch_code",
    "goal",
    "status",
    "started_at",
    "due_at",
    "overdue_seconds",
    "overdue_working_days",
)


def working_days(units: int | None) -> float | None:
    """Working time as a decimal of working days, to the hundredth."""
    return None if units is None else round(units / DAY_UNITS, 2)


def backlog_row(item: BacklogItem) -> dict[str, Any]:
    """One open goal; how far past its deadline (negative: how long before it) in calendar
    seconds and in working days of its calendar."""
    return {
        "claim_id": item.claim_id,
        "channel": item.channel,
        "branch_code": item.branch_code,
        "goal": item.goal_id,
        "status": item.status.value,
        "started_at": format_rfc3339(item.started_at, item.zone),
        "due_at": None if item.due_at is None else format_rfc3339(item.due_at, item.zone),
        "overdue_seconds": None if item.overdue is None else seconds(item.overdue),
        "overdue_working_days": working_days(item.overdue_working),
    }


def backlog_json(
    items: Iterable[BacklogItem], *, as_of: Instant, timezone: Any, head: dict[str, Any]
) -> Iterator[str]:
    """The backlog document in pieces: `head` (status, filters), as_of, every row, and the
    count last (it is known only at the end)."""
    document = {**head, "as_of": format_rfc3339(as_of, timezone)}
    yield json.dumps(document, ensure_ascii=False)[:-1] + ', "rows": ['
    count = 0
    for item in items:
        yield ("," if count else "") + "\n" + json.dumps(backlog_row(item), ensure_ascii=False)
        count += 1
    yield f'\n], "count": {count}}}\n'


def backlog_csv(items: Iterable[BacklogItem]) -> Iterator[str]:
    """A header line, then one line per open goal; no text can start a formula."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=BACKLOG_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in items:
        row = backlog_row(item)
        writer.writerow({k: "" if row[k] is None else safe_cell(row[k]) for k in BACKLOG_COLUMNS})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def print_backlog(
    console: Console, items: Iterable[BacklogItem], *, title: str, limit: int = 100
) -> int:
    """The first `limit` open goals as a table, then how many more; returns the count."""
    table = Table(
        title=title,
        title_justify="left",
        caption=_("Negative: time left before the deadline."),
        caption_justify="left",
    )
    for name in (_("claim"), _("channel"), _("branch"), _("goal"), _("status"), _("started")):
        table.add_column(name)
    table.add_column(_("due"))
    for name in (_("overdue (working days)"), _("overdue (calendar time)")):
        table.add_column(name, justify="right")
    count = 0
    for item in items:
        count += 1
        if count <= limit:
            table.add_row(*(Text(cell) for cell in _cells(item)))
    if count:
        console.print(table)
    if count > limit:
        console.print(
            _("... and {more} more (use --format csv, json or xlsx for all)").format(
                more=integer(count - limit)
            )
        )
    console.print(n_("{n} open goal.", "{n} open goals.", count).format(n=integer(count)))
    return count


def _cells(item: BacklogItem) -> list[str]:
    days = working_days(item.overdue_working)
    return [
        item.claim_id,
        item.channel,
        item.branch_code,
        item.goal_id,
        status_name(item.status.value),
        moment_text(item.started_at, item.zone),
        "-" if item.due_at is None else deadline_text(item.due_at, item.zone),
        "-" if days is None else decimal(days),
        "-" if item.overdue is None else span(item.overdue),
    ]


def backlog_head(status: str, filters: dict[str, list[str]]) -> dict[str, Any]:
    """What a backlog document says it holds, before its rows."""
    return {"status": status, "filters": filters}


def backlog_title(head: dict[str, Any], as_of_text: str) -> str:
    """What the backlog lists: the status asked, every filter applied, its as_of."""
    status = head["status"]
    what = (
        _("Open goals")
        if status == "open"
        else _("Open goals {status}").format(status=status_name(status))
    )
    scope = "; ".join(
        f"{group_name(name)} {', '.join(values)}"
        for name, values in head["filters"].items()
        if values
    )
    where = _("only {filters}").format(filters=scope) if scope else _("all channels and branches")
    return _("{what}, most overdue first, {where}; as of {as_of}").format(
        what=what, where=where, as_of=as_of_text
    )
