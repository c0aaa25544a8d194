"""Claims waiting for their `submitted` event (`sla-monitor waiting`) as a terminal table,
JSON or CSV. Claim and event ids come from senders: the table shows them as plain text (no
markup), the CSV never as a formula, the JSON escaped as JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sla_monitor.domain.timeutil import format_rfc3339
from sla_monitor.domain.waiting import WaitingClaim
from sla_monitor.render.cells import safe_cell
from sla_monitor.render.i18n import _, integer, moment_text, n_

WAITING_COLUMNS = (
    "claim_id",
    "branch_code",
    "events",
    "oldest_event_id",
    "oldest_type",
    "oldest_occurred_at",
)
ZoneOf = Callable[[str | None], ZoneInfo]  # a branch code (or none) → the zone to show times in


def waiting_row(claim: WaitingClaim, zone_of: ZoneOf) -> dict[str, Any]:
    return {
        "claim_id": claim.claim_id,
        "branch_code": claim.branch_code,
        "events": claim.events,
        "oldest_event_id": claim.oldest_event_id,
        "oldest_type": claim.oldest_type,
        "oldest_occurred_at": format_rfc3339(claim.oldest_at, zone_of(claim.branch_code)),
    }


def waiting_json(claims: Sequence[WaitingClaim], zone_of: ZoneOf) -> Iterator[str]:
    rows = [waiting_row(claim, zone_of) for claim in claims]
    yield json.dumps({"count": len(rows), "claims": rows}, ensure_ascii=False, indent=1) + "\n"


def waiting_csv(claims: Sequence[WaitingClaim], zone_of: ZoneOf) -> Iterator[str]:
    """A header line, then one line a claim; no cell can start a formula."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=WAITING_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for claim in claims:
        row = waiting_row(claim, zone_of)
        writer.writerow({k: "" if row[k] is None else safe_cell(row[k]) for k in WAITING_COLUMNS})
    yield buffer.getvalue()


def print_waiting(console: Console, claims: Sequence[WaitingClaim], zone_of: ZoneOf) -> None:
    """The claims as a table, the longest waiting first, then how many."""
    if not claims:
        console.print(_("No claim is waiting for its submitted event."))
        return
    table = Table(title=_("Claims waiting for their submitted event"), title_justify="left")
    for name in (_("claim"), _("branch"), _("events"), _("oldest event"), _("type")):
        table.add_column(name, justify="right" if name == _("events") else "left")
    table.add_column(_("occurred at"))
    for claim in claims:
        cells = (
            claim.claim_id,
            claim.branch_code or "-",
            integer(claim.events),
            claim.oldest_event_id,
            claim.oldest_type,
            moment_text(claim.oldest_at, zone_of(claim.branch_code)),
        )
        table.add_row(*(Text(cell) for cell in cells))
    console.print(table)
    count = len(claims)
    console.print(n_("{n} claim waiting.", "{n} claims waiting.", count).format(n=integer(count)))
