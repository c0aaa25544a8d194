"""`sla-monitor import` of the files branches really have, run as the real command on each
backend: a `;`-separated Excel export with a byte-order mark and CRLF, an .xlsx workbook with
date cells, a Windows-1252 file, headers in mixed case with spaces; each test checks what was
stored (events, deadlines), not only the exit status. Also `waiting`, `branches`, --dry-run."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from sqlalchemy import Engine, inspect, text

# One claim per branch zone, each with a send-back, a completion and a payment: the
# deadlines depend on each zone's midnight and on the pause.
CLAIMS = [
    ("JKT", "Asia/Jakarta", "+07:00"),
    ("DPS", "Asia/Makassar", "+08:00"),
    ("DJJ", "Asia/Jayapura", "+09:00"),
]
TIMES = [  # (type, local date and time); the branch only on the submitted event
    ("submitted", datetime(2026, 10, 12, 8, 0)),
    ("documents_incomplete", datetime(2026, 10, 12, 16, 45)),
    ("documents_completed", datetime(2026, 10, 14, 9, 30, 15)),
    ("paid", datetime(2026, 10, 20, 23, 30)),
]


def events(prefix: str) -> list[dict[str, Any]]:
    """The events of the claims, with local times as datetimes and their offsets."""
    out = []
    for branch, _zone, offset in CLAIMS:
        claim = f"{prefix}-{branch}"
        for n, (kind, moment) in enumerate(TIMES, start=1):
            first = kind == "submitted"
            out.append(
                {
                    "event_id": f"{claim}-{n}",
                    "claim_id": claim,
                    "type": kind,
                    "moment": moment,
                    "offset": offset,
                    "channel": "online" if first else None,
                    "branch_code": branch if first else None,
                    "amount": 15_000_000 if kind == "paid" else None,
                }
            )
    return out


def rfc3339_jsonl(rows: list[dict[str, Any]]) -> str:
    lines = []
    for row in rows:
        stamp = row["moment"].isoformat() + row["offset"]
        fields = {k: v for k, v in row.items() if k not in ("moment", "offset") and v is not None}
        lines.append(json.dumps({**fields, "occurred_at": stamp}))
    return "\n".join(lines) + "\n"


def excel_csv(rows: list[dict[str, Any]]) -> bytes:
    """As Indonesian Excel saves 'CSV UTF-8': `;`, a byte-order mark, CRLF, the header as a
    person typed it, day-first or ISO times without offsets, Indonesian thousands."""
    lines = ["Event ID;Claim ID; Type ;Occurred At;Channel;Branch Code;Amount"]
    for i, row in enumerate(rows):
        moment: datetime = row["moment"]
        stamp = moment.strftime("%d/%m/%Y %H:%M:%S" if i % 2 else "%Y-%m-%d %H:%M:%S")
        amount = f"{row['amount']:,}".replace(",", ".") if row["amount"] else ""
        branch = (row["branch_code"] or "").lower()
        cells = [row["event_id"], row["claim_id"], row["type"].capitalize(), stamp]
        lines.append(";".join([*cells, (row["channel"] or "").upper(), branch, amount]))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def workbook(rows: list[dict[str, Any]], path: Path) -> None:
    """As a person fills a sheet: date-time cells, numbers as numbers."""
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["event_id", "claim_id", "type", "occurred_at", "channel", "branch_code", "amount"]
    )
    for row in rows:
        sheet.append(
            [
                row["event_id"],
                row["claim_id"],
                row["type"],
                row["moment"],
                row["channel"],
                row["branch_code"],
                row["amount"],
            ]
        )
    book.save(path)


def stored_claim(run, claim_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What the store holds of a claim: its events' instants and its goals, without its id."""
    result = run("claim", claim_id, "--json", "--as-of", "2026-11-01T00:00:00Z")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    goals = [{k: v for k, v in g.items() if k != "explanation"} for g in data["goals"]]
    events = [(e["type"], e["occurred_at"], e.get("amount")) for e in data["events"]]
    return {"goals": goals, "events": events, "branch": data["branch_code"]}


def assert_same_as_rfc3339(run, prefix: str) -> None:  # type: ignore[no-untyped-def]
    for branch, _zone, _offset in CLAIMS:
        local, reference = stored_claim(run, f"{prefix}-{branch}"), stored_claim(run, f"R-{branch}")
        assert local == reference, branch
        assert local["goals"] and local["goals"][0]["due_at"] is not None


def test_a_semicolon_excel_export_with_local_times_gives_the_deadlines_of_rfc3339(  # type: ignore[no-untyped-def]
    run, tmp_path: Path
) -> None:
    assert run("import", "-", stdin=rfc3339_jsonl(events("R"))).returncode == 0
    export = tmp_path / "cabang.csv"
    export.write_bytes(excel_csv(events("X")))
    refused = run("import", str(export))
    assert refused.returncode == 1 and "accepted 0, duplicates 0, rejected 12" in refused.stdout
    assert "or import with --assume-local" in refused.stderr
    result = run("import", str(export), "--assume-local")
    assert result.returncode == 0, result.stderr
    assert "accepted 12, duplicates 0, rejected 0" in result.stdout
    assert_same_as_rfc3339(run, "X")
    # Jakarta's deadline, written out: started Wed 14 Oct, 5 working days, WIB midnight.
    jkt = stored_claim(run, "X-JKT")
    assert jkt["events"][0] == ("submitted", "2026-10-12T08:00:00+07:00", None)
    assert jkt["events"][3] == ("paid", "2026-10-20T23:30:00+07:00", 15_000_000)


def test_an_xlsx_export_gives_the_deadlines_of_rfc3339(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("import", "-", stdin=rfc3339_jsonl(events("R"))).returncode == 0
    path = tmp_path / "cabang.xlsx"
    workbook(events("W"), path)
    result = run("import", str(path), "--assume-local")
    assert result.returncode == 0, result.stderr
    assert "accepted 12, duplicates 0, rejected 0" in result.stdout
    assert_same_as_rfc3339(run, "W")


def test_a_windows_1252_file_is_one_message_then_read_with_encoding(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "windows.csv"
    path.write_bytes(
        (
            "event_id,claim_id,type,occurred_at,channel,branch_code,reason\r\n"
            "E1,C1,submitted,2026-10-12T08:00:00+07:00,online,JKT,\r\n"
            "E2,C1,documents_incomplete,2026-10-12T09:00:00+07:00,,,KTP tidak terbaca \u2013 Jos\u00e9\r\n"
        ).encode("cp1252")
    )
    refused = run("import", str(path))
    assert refused.returncode == 1
    assert refused.stderr.count("error:") == 1 and "rejected" not in refused.stderr
    assert f"{path}:3: not UTF-8 text (byte 0x96 on this line)" in refused.stderr
    assert (
        "'CSV UTF-8 (Comma delimited)'" in refused.stderr and "--encoding cp1252" in refused.stderr
    )
    assert run("claim", "C1").returncode == 1  # nothing of the file was stored
    result = run("import", str(path), "--encoding", "cp1252")
    assert result.returncode == 0, result.stderr
    claim = json.loads(run("claim", "C1", "--json").stdout)
    assert claim["events"][1]["reason"] == "KTP tidak terbaca \u2013 Jos\u00e9"


def test_a_bad_header_is_one_error_and_an_empty_file_exits_1(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    rows = "".join(f"E{n},C{n},paid,2026-10-12T08:00:00+07:00,x\n" for n in range(50))
    bad.write_text("Event_ID,claim id,TYPE,occured_at,Kolom\n" + rows)
    empty, header_only = tmp_path / "empty.csv", tmp_path / "header.csv"
    empty.write_text("")
    header_only.write_text("event_id,claim_id,type,occurred_at\r\n")
    result = run("import", str(bad), str(empty), str(header_only), "--rejects", "r.jsonl")
    assert result.returncode == 1 and "accepted 0, duplicates 0, rejected 0" in result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 3, result.stderr
    assert lines[0].startswith(f"error: {bad}:1: the header has column(s) sla-monitor does not")
    assert "'occured_at' (column 4; did you mean 'occurred_at'?), 'Kolom' (column 5)" in lines[0]
    assert (
        lines[1]
        == f"error: {empty}:1: empty, or its first line is blank: the header must be on line 1"
    )
    assert lines[2] == f"error: {header_only}: holds no events: nothing to import"
    records = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [(r["file"], r["line"], r["event_id"]) for r in records] == [
        (str(bad), 1, None),
        (str(empty), 1, None),
        (str(header_only), None, None),
    ]


def test_values_typed_by_a_person(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "typed.csv"
    path.write_text(
        "event_id,claim_id,type,occurred_at,channel,branch_code,amount\n"
        "T1,C1, Submitted ,2026-10-12T08:00:00+07:00,Online,jkt,\n"
        'T2,C1,PAID,2026-10-16T10:00:00+07:00,,,"7,500,000"\n'
        "T3,C2,submited,2026-10-12T08:00:00+07:00,online,JKT,\n"
        "T4,C3,submitted,2026-10-12T08:00:00+07:00,onlen,JKT,\n"
        "T5,C4,submitted,2026-10-12T08:00:00+07:00,online,JKX,\n"
        'T6,C1,paid,2026-10-16T10:00:00+07:00,,,"7,500,00"\n'
    )
    result = run("import", str(path))
    assert result.returncode == 1 and "accepted 2, duplicates 0, rejected 4" in result.stdout
    assert "T3': unknown type 'submited'; use one of" in result.stderr
    assert result.stderr.count("did you mean 'submitted'?") == 1
    assert "did you mean 'online'?" in result.stderr
    assert "branch_code 'JKX' is not in the branch registry (branches.toml); did you mean" in (
        result.stderr
    )
    assert "`sla-monitor branches` lists it" in result.stderr
    assert "'amount' must be a whole number of Rupiah from 0 to 10^15, got '7,500,00'" in (
        result.stderr
    )
    claim = json.loads(run("claim", "C1", "--json").stdout)
    assert (claim["channel"], claim["branch_code"]) == ("online", "JKT")
    assert [(e["type"], e.get("amount")) for e in claim["events"]] == [
        ("submitted", None),
        ("paid", 7_500_000),
    ]
    branches = run("branches")
    assert (
        branches.returncode == 0
        and "JKT" in branches.stdout
        and "Asia/Jakarta (WIB)" in (branches.stdout)
    )
    listed = json.loads(run("branches", "--format", "json").stdout)
    zones = {b["code"]: b["timezone"] for b in listed["branches"]}
    assert listed["count"] == len(zones) and zones["DPS"] == "Asia/Makassar"


def test_the_summary_names_this_files_waiting_claims_and_waiting_lists_them(
    run, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "orphans.csv"
    rows = [
        f'W{n}-{k},=HYPERLINK("x")-{n:02d},verified,2026-10-1{k}T08:00:00+07:00,,JKT'
        for n in range(12)
        for k in (3, 2)
    ]
    path.write_text("event_id,claim_id,type,occurred_at,channel,branch_code\n" + "\n".join(rows))
    result = run("import", str(path))
    assert result.returncode == 0, result.stderr
    assert (
        "24 events of this import wait for their claim's submitted event: claims " in result.stdout
    )
    assert "'=HYPERLINK(\"x\")-09' and 2 more (`sla-monitor waiting` lists" in result.stdout
    # Another file, whose claim is submitted: nothing about the claims waiting from before.
    other = run("import", "-", stdin=rfc3339_jsonl(events("R")[:4]))
    assert other.returncode == 0 and "wait" not in other.stdout
    listed = json.loads(run("waiting", "--format", "json").stdout)
    assert listed["count"] == 12
    assert listed["claims"][0] == {
        "claim_id": '=HYPERLINK("x")-00',
        "branch_code": "JKT",
        "events": 2,
        "oldest_event_id": "W0-2",
        "oldest_type": "verified",
        "oldest_occurred_at": "2026-10-12T08:00:00+07:00",
    }
    csv_lines = run("waiting", "--format", "csv").stdout.splitlines()
    assert csv_lines[1] == '"\'=HYPERLINK(""x"")-00",JKT,2,W0-2,verified,2026-10-12T08:00:00+07:00'
    table = run("waiting")
    assert "=HYPERLINK" in table.stdout and "12 claims waiting." in table.stdout


def test_a_dry_run_prints_the_summary_and_leaves_the_database_as_it_was(  # type: ignore[no-untyped-def]
    run, db: Engine, tmp_path: Path
) -> None:
    assert run("import", "-", stdin=rfc3339_jsonl(events("R"))).returncode == 0
    path = tmp_path / "again.csv"
    path.write_bytes(excel_csv(events("R")[:4] + events("N")[:2]))
    changed = rfc3339_jsonl(events("R")[5:6]).replace("documents_incomplete", "verified")
    (tmp_path / "conflict.jsonl").write_text(changed)  # R-DPS-2 again, as another event
    before = snapshot(db)
    args = ("import", str(path), str(tmp_path / "conflict.jsonl"), "--assume-local")
    rehearsed = run(*args, "--dry-run")
    assert snapshot(db) == before
    assert rehearsed.returncode == 1
    assert "accepted 2, duplicates 4, rejected 1" in rehearsed.stdout
    assert "dry run: nothing was stored" in rehearsed.stdout
    assert "event_id 'R-DPS-2' was already used for a different event" in rehearsed.stderr
    real = run(*args)
    assert real.stdout.splitlines()[0] == rehearsed.stdout.splitlines()[0]
    assert real.stderr == rehearsed.stderr and snapshot(db) != before


def snapshot(db: Engine) -> dict[str, list[str]]:
    with db.connect() as connection:
        return {
            table: sorted(map(repr, connection.execute(text(f"SELECT * FROM {table}"))))
            for table in inspect(connection).get_table_names()
        }
