"""`verify` proves the stored numbers; `recompute` applies a changed calendar, recording it."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, text

REPOSITORY = Path(__file__).resolve().parents[2]


def decree(tmp_path: Path) -> Path:
    """The default configuration plus a new cuti bersama day, Tue 10 March 2026."""
    conf = tmp_path / "decree"
    conf.mkdir()
    (conf / "branches.toml").write_text((REPOSITORY / "config" / "branches.toml").read_text())
    sla = (REPOSITORY / "config" / "sla.toml").read_text()
    assert "extra_holidays = []" in sla
    (conf / "sla.toml").write_text(
        sla.replace("extra_holidays = []", 'extra_holidays = ["2026-03-10"]', 1)
    )
    return conf


def test_verify_recompute_after_a_calendar_change(run, tmp_path: Path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    assert run("demo", "--per-day", "8").returncode == 0
    clean = run("verify")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "all match" in clean.stdout

    conf = decree(tmp_path)
    stale = run("verify", "--json", config=conf)
    assert stale.returncode == 1, stale.stderr
    body = json.loads(stale.stdout)
    assert body["claims_differing"] > 0
    assert {d["field"] for d in body["differences"]} >= {"due_at"}
    moved = [d for d in body["differences"] if d["field"] == "due_at"]
    assert all(d["recomputed"] > d["stored"] for d in moved), moved[:3]  # a holiday only delays

    changes = tmp_path / "changes.jsonl"
    applied = run("recompute", "--changes", str(changes), config=conf)
    assert applied.returncode == 0, applied.stderr
    lines = [json.loads(line) for line in changes.read_text().splitlines()]
    assert len(lines) == len(body["differences"])
    assert {(d["claim_id"], d["goal_id"], d["field"]) for d in lines} == {
        (d["claim_id"], d["goal_id"], d["field"]) for d in body["differences"]
    }
    assert all(line["recomputed_at"].endswith("Z") for line in lines)
    assert f"changed {body['claims_differing']} claims" in applied.stdout

    assert run("verify", config=conf).returncode == 0
    assert run("verify").returncode == 1  # the old calendar no longer matches the store


def test_verify_names_a_tampered_goal(run, db_url: str) -> None:  # type: ignore[no-untyped-def]
    assert run("demo", "--per-day", "4").returncode == 0
    engine = create_engine(db_url)
    with engine.begin() as connection:
        claim_id = (
            connection.execute(
                text("SELECT claim_id FROM claim_goals WHERE due_at IS NOT NULL ORDER BY claim_id")
            )
            .scalars()
            .first()
        )
        connection.execute(
            text("UPDATE claim_goals SET due_at = started_at WHERE claim_id = :c"), {"c": claim_id}
        )
    engine.dispose()
    result = run("verify")
    assert result.returncode == 1
    assert f"claim {claim_id} goal payment: due_at stored" in result.stdout
    assert "1 differences in 1 claims" in result.stdout
