"""The branch registry (branches.toml) as `sla-monitor branches` shows it: the codes an event's
branch_code may take, with each branch's name, region and time zone."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sla_monitor.domain.policy import Branch
from sla_monitor.render.cells import safe_cell
from sla_monitor.render.i18n import ZONE_NAMES, _, integer, n_

BRANCH_COLUMNS = ("code", "name", "region", "timezone")


def branch_row(branch: Branch) -> dict[str, Any]:
    return {name: getattr(branch, name) for name in BRANCH_COLUMNS}


def branches_json(branches: Iterable[Branch]) -> Iterator[str]:
    rows = [branch_row(branch) for branch in branches]
    yield json.dumps({"count": len(rows), "branches": rows}, ensure_ascii=False, indent=1) + "\n"


def branches_csv(branches: Iterable[Branch]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=BRANCH_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for branch in branches:
        writer.writerow({k: safe_cell(v) for k, v in branch_row(branch).items()})
    yield buffer.getvalue()


def print_branches(console: Console, branches: list[Branch], source: str) -> None:
    table = Table(title=_("Branch registry ({source})").format(source=source), title_justify="left")
    for name in (_("code"), _("name"), _("region"), _("time zone")):
        table.add_column(name)
    for branch in branches:
        zone = branch.timezone
        label = f"{zone} ({ZONE_NAMES[zone]})" if zone in ZONE_NAMES else zone
        table.add_row(*(Text(cell) for cell in (branch.code, branch.name, branch.region, label)))
    console.print(table)
    count = len(branches)
    console.print(n_("{n} branch.", "{n} branches.", count).format(n=integer(count)))
