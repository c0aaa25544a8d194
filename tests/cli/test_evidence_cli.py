"""`sla-monitor evidence` (docs/explain.md#an-evidence-pack) on each backend: a pack of a branch's
month of demo data holds exactly the report's breaches, checks against the database, and stops
checking once an event of one of its claims is added or one of its pages is edited."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from pathlib import Path

from sla_monitor.domain.events import Event
from sla_monitor.domain.evidence import events_sha256
from sla_monitor.domain.timeutil import parse_rfc3339
from tests.cli.test_report_page import FORMULA, SCRIPT, hostile_claims

MONTH = ("--from", "2026-03-01", "--to", "2026-03-31")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def busiest_branch(run) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The branch with the most breaches in the demo month, and how many the report lists."""
    done = run("report", "--month", "2026-03", "--by", "branch", "--format", "json")
    assert done.returncode == 0, done.stderr
    counts = Counter(b["branch_code"] for b in json.loads(done.stdout)["breaches"])
    return counts.most_common(1)[0]


def test_a_pack_checks_until_an_event_is_added_or_a_page_edited(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("demo", "--per-day", "8").returncode == 0
    hostile_claims(run, tmp_path)  # in JKT, past their deadline in March
    branch, breaches = busiest_branch(run)
    done = run("evidence", *MONTH, "--branch", branch, "--branch", "JKT", "--output", "pack")
    assert done.returncode == 0, done.stderr
    pack = tmp_path / "pack"
    manifest = json.loads((pack / "manifest.json").read_text())
    assert manifest["status"] == "breached" and manifest["filters"]["branch"] == [branch, "JKT"]
    ids = [c["claim_id"] for c in manifest["claims"]]
    assert SCRIPT in ids and FORMULA in ids and len(ids) >= breaches + 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pack")] == []  # renamed
    for claim in manifest["claims"]:
        assert claim["file"].startswith("claims/") and "<" not in claim["file"]
        assert "=" not in claim["file"] and '"' not in claim["file"]
    for name, sha in manifest["files"].items():
        assert hashlib.sha256((pack / name).read_bytes()).hexdigest() == sha
    assert len(list((pack / "claims").iterdir())) == len(ids)
    index = (pack / "index.html").read_text()
    assert SCRIPT not in index and "&lt;script&gt;" in index

    rows = list(csv.DictReader(io.StringIO((pack / "claims.csv").read_text())))
    assert len(rows) == len(ids)  # one goal a claim: payment
    assert all(not cell.startswith(FORMULA_STARTS) for row in rows for cell in row.values())
    assert "'" + FORMULA in {row["claim_id"] for row in rows}
    # The SHA-256 is the one anybody recomputes from `claim --json`'s events.
    first = rows[0]["claim_id"]
    shown = json.loads(run("claim", first, "--json").stdout)
    listed = [
        Event(**{**e, "occurred_at": parse_rfc3339(e["occurred_at"])})
        for e in shown["events"] + shown["later_events"]
    ]
    assert events_sha256(listed) == rows[0]["events_sha256"]

    checked = run("evidence", "--check", "pack")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "the pack matches" in checked.stdout

    more = {"event_id": "EXTRA-1", "claim_id": first, "type": "documents_incomplete",
            "occurred_at": "2026-03-31T09:00:00+07:00", "reason": "added later"}  # fmt: skip
    (tmp_path / "more.jsonl").write_text(json.dumps(more) + "\n")
    assert run("import", "more.jsonl").returncode == 0
    checked = run("evidence", "--check", "pack")
    assert checked.returncode == 1
    assert f"claim {first!r}: its stored events changed" in checked.stdout
    assert "1 mismatch" in checked.stdout

    page = pack / manifest["claims"][-1]["file"]
    page.write_text(page.read_text().replace("</h1>", " (edited)</h1>"))
    checked = run("evidence", "--check", "pack", extra_env={"SLA_MONITOR_LANG": "id"})
    assert checked.returncode == 1
    assert f"berkas {manifest['claims'][-1]['file']}: diubah" in checked.stdout
    assert "2 ketidakcocokan" in checked.stdout


def test_a_pack_is_never_written_over_a_folder_in_use(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "letter.txt").write_text("mine")
    done = run("evidence", *MONTH, "--output", "pack")
    assert done.returncode == 2 and "not an empty folder" in done.stderr
    assert (tmp_path / "pack" / "letter.txt").read_text() == "mine"
    assert run("evidence", "--check", "nowhere").returncode == 2
    failed = run("evidence", *MONTH, "--output", "pack2")  # no database yet
    assert failed.returncode == 2 and "db upgrade" in failed.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if "pack" in p.name) == [
        "pack"
    ]  # no leftovers
    assert run("db", "upgrade").returncode == 0
    empty = run("evidence", *MONTH, "--status", "all", "--output", "pack2")
    assert empty.returncode == 0, empty.stderr
    assert json.loads((tmp_path / "pack2" / "manifest.json").read_text())["claims"] == []
    assert run("evidence", "--check", "pack2").returncode == 0
