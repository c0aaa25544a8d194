"""The real `sla-monitor` command on a temporary database (docs/cli.md)."""

from __future__ import annotations

import json
from pathlib import Path

from sla_monitor.store.db import head_revision

REPOSITORY = Path(__file__).parent.parent.parent


def jsonl(*events: dict[str, object]) -> str:
    return "".join(json.dumps(e) + "\n" for e in events)


SUBMITTED = {
    "event_id": "E1",
    "claim_id": "C1",
    "type": "submitted",
    "occurred_at": "2026-10-12T08:00:00+07:00",
    "channel": "online",
    "branch_code": "JKT",
}
COMPLETED = {
    "event_id": "E2",
    "claim_id": "C1",
    "type": "documents_completed",
    "occurred_at": "2026-10-12T09:00:00+07:00",
}
PAID = {
    "event_id": "E3",
    "claim_id": "C1",
    "type": "paid",
    "occurred_at": "2026-10-16T10:00:00+07:00",
    "amount": 7_500_000,
}


def test_import_reports_each_bad_line_and_keeps_the_good_ones(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    events = tmp_path / "events.jsonl"
    events.write_text(
        jsonl(SUBMITTED, COMPLETED)
        + "{not json\n"
        + jsonl({**PAID, "nik": "3171234567890001"}, PAID)
        + "\n"
        + jsonl(
            {
                "event_id": "E9",
                "claim_id": "C1",
                "type": "paid",
                "occurred_at": "2026-10-16T10:00:00",
            }
        )
    )
    rejects = tmp_path / "rejects.jsonl"
    result = run("import", str(events), "--rejects", str(rejects))
    assert result.returncode == 1, result.stderr
    assert "accepted 3, duplicates 0, rejected 3" in result.stdout
    assert f"{events}:3: not valid JSON" in result.stderr
    assert f"{events}:4 event 'E3': field(s) nik look like personal data" in result.stderr
    lines = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["line"], r["event_id"]) for r in lines] == [(3, None), (4, "E3"), (7, "E9")]
    assert "no UTC offset" in lines[2]["reason"]
    again = run("import", str(events))
    assert "accepted 0, duplicates 3, rejected 3" in again.stdout


def test_import_csv_from_stdin(run) -> None:  # type: ignore[no-untyped-def]
    csv_text = (
        "event_id,claim_id,type,occurred_at,channel,branch_code,employer_id,batch_id,amount,reason\n"
        "K1,C9,submitted,2026-10-12T08:00:00+08:00,collective,DPS,EMP-1,B-1,,\n"
        "K2,C9,documents_completed,2026-10-12T09:00:00+08:00,,,,,,\n"
        'K3,C9,paid,2026-10-16T10:00:00+08:00,,,,,12500000,"paid, by transfer"\n'
        "K4,C9,paid,2026-10-16T10:00:00+08:00,,,,,12.5,\n"
    )
    result = run("import", "-", stdin=csv_text)
    assert result.returncode == 1
    assert "accepted 3, duplicates 0, rejected 1" in result.stdout
    assert (
        "stdin" not in result.stdout
        and "-:5 event 'K4': 'amount' must be a whole number" in result.stderr
    )
    claim = json.loads(run("claim", "C9", "--json").stdout)
    assert (
        claim["events"][2]["amount"] == 12_500_000
        and claim["events"][2]["reason"] == "paid, by transfer"
    )
    assert claim["goals"][0]["status"] == "met"
    # Started Mon 12 Oct in Denpasar: due at the end of Mon 19 Oct, WITA midnight.
    assert claim["goals"][0]["due_at"] == "2026-10-20T00:00:00+08:00"


def test_claim_view_json_and_as_of(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("import", "-", stdin=jsonl(SUBMITTED, COMPLETED, PAID)).returncode == 0
    claim = json.loads(run("claim", "C1", "--json").stdout)
    assert {k: claim[k] for k in ("claim_id", "channel", "branch_code", "policy")} == {
        "claim_id": "C1",
        "channel": "online",
        "branch_code": "JKT",
        "policy": "sla-2022",
    }
    # Each goal's explanation is checked in tests/cli/test_explain_cli.py.
    assert [{k: v for k, v in g.items() if k != "explanation"} for g in claim["goals"]] == [
        {
            "goal": "payment",
            "status": "met",
            "started_at": "2026-10-12T09:00:00+07:00",
            "stopped_at": "2026-10-16T10:00:00+07:00",
            "cancelled_at": None,
            "due_at": "2026-10-20T00:00:00+07:00",
            # Counted days Tue-Thu in full, Friday until 10:00: 3 x 86400 + 36000.
            "elapsed_working_seconds": 295_200,
            "target_working_seconds": 432_000,
        }
    ]
    earlier = json.loads(
        run("claim", "C1", "--json", "--as-of", "2026-10-14T00:00:00+07:00").stdout
    )
    assert earlier["goals"][0]["status"] == "on_track" and earlier["goals"][0]["stopped_at"] is None
    table = run("claim", "C1")
    assert table.returncode == 0 and "payment" in table.stdout and "met" in table.stdout


def test_unknown_and_waiting_claims_exit_1(run) -> None:  # type: ignore[no-untyped-def]
    assert run("import", "-", stdin=jsonl(COMPLETED, PAID)).returncode == 0
    waiting = run("claim", "C1")
    assert (
        waiting.returncode == 1 and "2 events are waiting for its submitted event" in waiting.stderr
    )
    unknown = run("claim", "NOPE", "--json")
    assert unknown.returncode == 1 and "no claim 'NOPE'" in unknown.stderr
    bad = run("claim", "C1", "--as-of", "yesterday")
    assert bad.returncode == 2 and "--as-of" in bad.stderr


def test_report_formats_and_filters(run) -> None:  # type: ignore[no-untyped-def]
    late = {**PAID, "event_id": "E3", "occurred_at": "2026-10-20T10:00:00+07:00"}
    assert run("import", "-", stdin=jsonl(SUBMITTED, COMPLETED, late)).returncode == 0
    data = json.loads(run("report", "--date", "2026-10-20", "--format", "json").stdout)
    assert data["date"] == "2026-10-20" and data["timezone"] == "Asia/Jakarta"
    assert data["as_of"] == "2026-10-21T00:00:00+07:00"
    assert data["summary"][0] == {
        "channel": "online",
        "goal": "payment",
        "closed": 1,
        "met": 0,
        "breached": 1,
        "compliance": 0.0,
        "new_breaches": 1,
        "open_breached": 0,
        "at_risk": 0,
    }
    assert (
        data["breaches"][0]["kind"] == "closed_late"
        and data["breaches"][0]["overdue_seconds"] == 36_000
    )
    csv_out = run("report", "--date", "2026-10-20", "--format", "csv").stdout.splitlines()
    assert csv_out[1].startswith("C1,online,JKT,payment,closed_late,")
    table = run("report", "--date", "2026-10-20")
    assert "closed late" in table.stdout and "0.0%" in table.stdout
    offline = json.loads(
        run("report", "--date", "2026-10-20", "--format", "json", "--channel", "offline").stdout
    )
    assert [r["channel"] for r in offline["summary"]] == ["offline"] and offline["breaches"] == []
    assert run("report", "--date", "2026-10-20", "--channel", "fax").returncode == 2
    assert (
        "not in the branch registry"
        in run("report", "--date", "2026-10-20", "--branch", "ZZZ").stderr
    )
    assert run("report", "--date", "24/11/2026").returncode == 2


def test_reading_an_unmigrated_database_says_what_to_run(run) -> None:  # type: ignore[no-untyped-def]
    result = run("report", "--date", "2026-10-20")
    assert result.returncode == 2 and "sla-monitor db upgrade" in result.stderr
    upgraded = run("db", "upgrade")
    head = head_revision()
    assert upgraded.returncode == 0 and f"upgraded from empty to revision {head}" in upgraded.stdout
    assert "up to date" in run("db", "upgrade").stdout
    assert run("db", "current").stdout.strip() == head
    assert run("report", "--date", "2026-10-20").returncode == 0


def test_a_bad_configuration_stops_with_file_and_entry(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "branches.toml").write_text((REPOSITORY / "config" / "branches.toml").read_text())
    sla = (
        (REPOSITORY / "config" / "sla.toml")
        .read_text()
        .replace('"5 working days"', '"5 business days"')
    )
    (conf / "sla.toml").write_text(sla)
    result = run("report", "--date", "2026-10-20", extra_env={"SLA_MONITOR_CONFIG_DIR": str(conf)})
    assert result.returncode == 2
    assert f"{conf / 'sla.toml'}" in result.stderr and "policy 'sla-2022'" in result.stderr
    assert "'5 business days'" in result.stderr


def test_demo_is_deterministic_and_gives_a_meaningful_report(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = run("demo", "--per-day", "15")
    assert first.returncode == 0, first.stderr
    assert "rejected 0" in first.stdout
    report = json.loads(run("report", "--date", "2026-03-25", "--format", "json").stdout)
    other = run(
        "demo",
        "--per-day",
        "15",
        extra_env={"SLA_MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"},
    )
    assert other.stdout == first.stdout
    again = json.loads(
        run(
            "report",
            "--date",
            "2026-03-25",
            "--format",
            "json",
            extra_env={"SLA_MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"},
        ).stdout
    )
    assert again == report
    assert {r["channel"] for r in report["summary"]} == {"online", "offline", "collective"}
    assert sum(r["closed"] for r in report["summary"]) > 0
    assert report["breaches"], "the demo month should show breaches"
    rerun = run("demo", "--per-day", "15")
    assert "accepted 0" in rerun.stdout  # idempotent: a second run only finds duplicates


def test_calendar_lists_cuti_bersama(run) -> None:  # type: ignore[no-untyped-def]
    result = run("calendar", "--year", "2026")
    assert result.returncode == 0
    assert "2026-03-20 Fri" in result.stdout and "2026-03-24 Tue" in result.stdout
