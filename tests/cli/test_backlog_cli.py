"""`sla-monitor backlog` as a user types it (docs/reports.md#the-open-backlog)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

AFTER = "2026-04-02T00:00:00+07:00"  # after the demo month: its open goals are late
DURING = "2026-03-20T10:00:00+07:00"


def test_backlog_in_each_text_format(run) -> None:  # type: ignore[no-untyped-def]
    assert run("demo", "--per-day", "6").returncode == 0
    table = run("backlog", "--as-of", AFTER, extra_env={"SLA_MONITOR_LANG": "en"})
    assert table.returncode == 0, table.stderr
    assert "Open goals breached, most overdue first, all channels and branches" in table.stdout
    assert "overdue (working days)" in table.stdout and "open goals." in table.stdout

    body = json.loads(
        run("backlog", "--as-of", DURING, "--status", "open", "--format", "json").stdout
    )
    assert (body["status"], body["filters"]["branch"]) == ("open", [])
    assert body["count"] == len(body["rows"]) > 0
    assert set(body["rows"][0]) == {
        "claim_id", "channel", "branch_code", "goal", "status", "started_at", "due_at",
        "overdue_seconds", "overdue_working_days",
    }  # fmt: skip
    statuses = {row["status"] for row in body["rows"]}
    assert statuses <= {"on_track", "at_risk", "paused", "breached"} and len(statuses) > 1

    branch = body["rows"][0]["branch_code"]
    text = run(
        "backlog", "--as-of", DURING, "--status", "open", "--branch", branch, "--format", "csv"
    )
    rows = list(csv.DictReader(io.StringIO(text.stdout)))
    assert rows and {r["branch_code"] for r in rows} == {branch}
    assert len(rows) == sum(1 for r in body["rows"] if r["branch_code"] == branch)


def test_a_backlog_file_appears_only_when_complete(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("demo", "--per-day", "3").returncode == 0
    target = tmp_path / "late.json"
    done = run(
        "backlog",
        "--as-of",
        DURING,
        "--status",
        "open",
        "--format",
        "json",
        "--output",
        str(target),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(target.read_text())["count"] > 0
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    refused = run("backlog", "--format", "xlsx")
    assert refused.returncode == 2 and "--output FILE" in refused.stderr


def test_event_text_never_becomes_a_spreadsheet_formula(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    events = tmp_path / "events.jsonl"
    hostile = '=HYPERLINK("http://x")'
    events.write_text(
        json.dumps({
            "event_id": "e1", "claim_id": hostile, "type": "submitted",
            "occurred_at": "2026-03-02T09:00:00+07:00", "channel": "online", "branch_code": "JKT",
        }) + "\n" + json.dumps({
            "event_id": "e2", "claim_id": hostile, "type": "documents_completed",
            "occurred_at": "2026-03-02T10:00:00+07:00",
        }) + "\n"
    )  # fmt: skip
    assert run("import", str(events)).returncode == 0
    text = run("backlog", "--as-of", AFTER, "--format", "csv").stdout
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["claim_id"] == "'" + hostile


def test_unknown_filters_are_named(run) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade").returncode == 0
    bad = run("backlog", "--branch", "NOPE")
    assert bad.returncode == 2 and "--branch 'NOPE' is not in the branch registry" in bad.stderr
    status = run("backlog", "--status", "late")
    assert status.returncode == 2 and "late" in status.stderr
