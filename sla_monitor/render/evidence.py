"""The files of an evidence pack (docs/explain.md#an-evidence-pack): each claim's timeline
page, the index page, claims.csv and manifest.json. Claim ids are untrusted: each page gets
a file name made safe for any file system, and the id itself is kept in the index, the CSV
and the manifest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from sla_monitor.domain.calendar_data import HOLIDAYS_VERSION
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.timeutil import Instant, format_rfc3339
from sla_monitor.render.cells import safe_cell
from sla_monitor.render.i18n import deadline_text, decimal, status_name
from sla_monitor.render.page import (
    NOTHING,
    day_text,
    environment,
    filters_text,
    period_text,
    version,
)
from sla_monitor.services.evidence import GoalFigures, PackClaim

CLAIMS_FOLDER = "claims"
CSV_COLUMNS = (
    "claim_id",
    "channel",
    "branch_code",
    "goal",
    "status",
    "breach",
    "start_day",
    "due_day",
    "due_at",
    "stopped_at",
    "counted_working_days",
    "skipped_days",
    "paused_working_seconds",
    "overdue_working_days",
    "events_sha256",
    "file",
)
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def safe_file_name(claim_id: str) -> str:
    """A claim's page in the pack: its id's letters, digits, "-" and "_" (others as "_", at
    most 60), then 10 hex digits of the SHA-256 of the id, so two ids never share a page."""
    readable = _UNSAFE.sub("_", claim_id)[:60].strip("_") or "claim"
    digest = hashlib.sha256(claim_id.encode("utf-8")).hexdigest()[:10]
    return f"{CLAIMS_FOLDER}/{readable}-{digest}.html"


def goal_rows(claim: PackClaim, config: SlaConfig, file: str) -> list[dict[str, Any]]:
    """The rows of a claim in claims.csv (one a goal of the pack), in its JSON values."""
    view = claim.detail.view
    zone = config.branches[view.claim.branch_code].zone

    def stamp(instant: Instant | None) -> str | None:
        return None if instant is None else format_rfc3339(instant, zone)

    def day(value: date | None) -> str | None:
        return None if value is None else value.isoformat()

    return [
        {
            "claim_id": view.claim.claim_id,
            "channel": view.claim.channel,
            "branch_code": view.claim.branch_code,
            "goal": g.goal_id,
            "status": g.status,
            "breach": g.breach,
            "start_day": day(g.start_day),
            "due_day": day(g.due_day),
            "due_at": stamp(g.due_at),
            "stopped_at": stamp(g.stopped_at),
            "counted_working_days": g.counted_working_days,
            "skipped_days": g.skipped_days,
            "paused_working_seconds": g.paused_working_seconds,
            "overdue_working_days": g.overdue_working_days,
            "events_sha256": claim.events_sha256,
            "file": file,
            "_figures": g,
            "_zone": zone,
        }
        for g in claim.goals
    ]


def claims_csv(rows: Sequence[dict[str, Any]]) -> str:
    """claims.csv: one row a goal; no cell starts a formula (cells.safe_cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([safe_cell("" if row[c] is None else row[c]) for c in CSV_COLUMNS])
    return buffer.getvalue()


def index_page(
    rows: Sequence[dict[str, Any]], *, period: tuple[date, date], pack: dict[str, Any],
    as_of: Instant, config: SlaConfig,
) -> str:  # fmt: skip
    """index.html: the pack's period and filters, its counts and a row a goal, linked."""
    shown = [_index_row(row) for row in rows]
    context = {
        "period": period_text(*period),
        "pack": pack,
        "filters": filters_text(pack["filters"]),
        "as_of": deadline_text(as_of, config.report_zone),
        "policies": [(p.id, day_text(p.effective_from)) for p in config.policies],
        "calendars": list(config.calendars_in_use),
        "holidays": HOLIDAYS_VERSION,
        "rows": shown,
        "claims": len({row["claim_id"] for row in rows}),
        "breaches": sum(row["breach"] is not None for row in rows),
        "version": version(),
    }
    return environment().get_template("evidence_index.html").render(context)


def _index_row(row: dict[str, Any]) -> dict[str, Any]:
    g: GoalFigures = row["_figures"]
    zone = row["_zone"]
    return {
        **{key: row[key] for key in CSV_COLUMNS},
        "status_name": status_name(g.breach or g.status),
        "due": NOTHING if g.due_at is None else deadline_text(g.due_at, zone),
        "stopped": NOTHING if g.stopped_at is None else deadline_text(g.stopped_at, zone),
        "counted": _decimal(g.counted_working_days),
        "late": _decimal(g.overdue_working_days),
    }


def _decimal(value: float | None) -> str:
    return NOTHING if value is None else decimal(value)


def manifest(
    *, pack: dict[str, Any], claims: Sequence[tuple[str, str, str]], files: dict[str, str],
    config: SlaConfig,
) -> dict[str, Any]:  # fmt: skip
    """manifest.json: what the pack was made with and from, each claim's events SHA-256
    (claims: (claim id, page, SHA-256)) and each file's SHA-256 (files: path -> SHA-256)."""
    return {
        "tool": "sla-monitor",
        "version": version(),
        "holidays_version": HOLIDAYS_VERSION,
        "policies": [
            {"id": p.id, "effective_from": p.effective_from.isoformat()} for p in config.policies
        ],
        "calendars": list(config.calendars_in_use),
        **pack,
        "events_sha256": "docs/explain.md#the-events-sha-256",
        "claims": [
            {"claim_id": claim_id, "file": file, "events_sha256": sha}
            for claim_id, file, sha in claims
        ],
        "files": dict(sorted(files.items())),
    }
