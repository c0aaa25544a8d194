"""`sla-monitor claim --json` and `claim --explain` (docs/explain.md) on each backend: the
explanation of every deadline, the events after as_of apart, the timeline in both languages."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

REPOSITORY = Path(__file__).parent.parent.parent
# docs/rules.md's JHT-LEBARAN (paid after the instant it is viewed at) and a WITA claim paused
# over a weekend, whose reason text would be Rich markup if it were not escaped.
EVENTS = [
    {
        "event_id": "L1",
        "claim_id": "JHT-LEBARAN",
        "type": "submitted",
        "occurred_at": "2026-03-16T09:00:00+07:00",
        "channel": "online",
        "branch_code": "JKT",
    },
    {
        "event_id": "L2",
        "claim_id": "JHT-LEBARAN",
        "type": "documents_completed",
        "occurred_at": "2026-03-16T10:00:00+07:00",
    },
    {
        "event_id": "L3",
        "claim_id": "JHT-LEBARAN",
        "type": "paid",
        "occurred_at": "2026-03-30T14:00:00+07:00",
    },
    {
        "event_id": "P1",
        "claim_id": "JHT-DPS",
        "type": "submitted",
        "occurred_at": "2026-02-02T09:00:00+08:00",
        "channel": "offline",
        "branch_code": "DPS",
    },
    {
        "event_id": "P2",
        "claim_id": "JHT-DPS",
        "type": "documents_completed",
        "occurred_at": "2026-02-02T10:00:00+08:00",
    },
    {
        "event_id": "P3",
        "claim_id": "JHT-DPS",
        "type": "documents_incomplete",
        "occurred_at": "2026-02-06T12:00:00+08:00",
        "reason": "[bold]KTP[/] tidak terbaca",
    },
]
LEBARAN_AS_OF = "2026-03-27T12:00:00+07:00"
DAY_KEYS = ["date", "working", "reason", "name", "counted_seconds", "day"]


def imported(run) -> None:  # type: ignore[no-untyped-def]
    lines = "".join(json.dumps(e) + "\n" for e in EVENTS)
    assert run("import", "-", stdin=lines).returncode == 0


def test_claim_json_explains_each_goal_and_lists_later_events_apart(run) -> None:  # type: ignore[no-untyped-def]
    imported(run)
    claim = json.loads(run("claim", "JHT-LEBARAN", "--json", "--as-of", LEBARAN_AS_OF).stdout)
    assert [e["event_id"] for e in claim["events"]] == ["L1", "L2"]
    assert [e["event_id"] for e in claim["later_events"]] == ["L3"]
    (goal,) = claim["goals"]
    assert goal["status"] == "on_track" and goal["due_at"] == "2026-03-31T00:00:00+07:00"
    explanation = goal["explanation"]
    assert list(explanation) == [
        "calendar",
        "timezone",
        "start_day",
        "due_day",
        "projected",
        "days",
        "pauses",
    ]
    assert all(list(d) == DAY_KEYS for d in explanation["days"])
    assert (explanation["start_day"], explanation["due_day"]) == ("2026-03-16", "2026-03-30")
    days = {d["date"]: d for d in explanation["days"]}
    assert days["2026-03-19"] == {
        "date": "2026-03-19",
        "working": False,
        "reason": "holiday",
        "name": "Hari Suci Nyepi",
        "counted_seconds": 0,
        "day": None,
    }
    assert [d["day"] for d in explanation["days"] if d["day"]] == [1, 2, 3, 4, 5]
    counted = sum(d["counted_seconds"] for d in explanation["days"])
    assert counted == goal["elapsed_working_seconds"] == 302_400
    paused = json.loads(
        run("claim", "JHT-DPS", "--json", "--as-of", "2026-02-07T12:00:00+08:00").stdout
    )
    assert paused["later_events"] == []
    explained = paused["goals"][0]["explanation"]
    assert explained["projected"] is True and explained["timezone"] == "Asia/Makassar"
    assert explained["pauses"] == [
        {
            "from": "2026-02-06T12:00:00+08:00",
            "to": None,
            "paused_by": "P3",
            "resumed_by": None,
            "working_seconds": 43_200,
        }
    ]


def test_explain_in_english_and_indonesian(run) -> None:  # type: ignore[no-untyped-def]
    imported(run)
    english = run("claim", "JHT-LEBARAN", "--as-of", LEBARAN_AS_OF, "--explain")
    assert english.returncode == 0, english.stderr
    text = english.stdout
    assert re.search(r"Mon 16 Mar 2026\s+start day: not counted", text)
    assert re.search(r"Tue 17 Mar 2026\s+working day 1\s+1d 00h 00m", text)
    assert re.search(r"Thu 19 Mar 2026\s+skipped: holiday — Hari Suci Nyepi", text)
    assert re.search(r"Sat 28 Mar 2026\s+skipped: Saturday", text)
    assert re.search(r"Mon 30 Mar 2026\s+working day 5\s+\(still to come\)\s+◀ due day", text)
    assert "Due: end of Mon 30 Mar 2026 (24:00 WIB)." in text
    assert "Later events (after as of: not counted)" in text
    indonesian = run(
        "claim",
        "JHT-DPS",
        "--as-of",
        "2026-02-07T12:00:00+08:00",
        "--explain",
        extra_env={"SLA_MONITOR_LANG": "id"},
    ).stdout
    assert re.search(r"Sel 3 Feb 2026\s+hari kerja ke-1\s+1 hari 00 jam 00 mnt", indonesian)
    # Day 4 is half on Fri 6 and half on Mon 9; Tue 10 holds the second half of day 5.
    assert re.search(
        r"Jum 6 Feb 2026\s+sebagian hari kerja ke-4\s+dijeda\s+12 jam 00 mnt", indonesian
    )
    assert re.search(r"Sen 9 Feb 2026\s+sebagian hari kerja ke-4 dan ke-5", indonesian)
    assert re.search(r"Sab 7 Feb 2026\s+dilewati: Sabtu\s+dijeda", indonesian)
    assert re.search(
        r"Sel 10 Feb 2026\s+sebagian hari kerja ke-5\s+\(proyeksi\)\s+◀ hari jatuh", indonesian
    )
    assert "Jatuh tempo (proyeksi): akhir Sel 10 Feb 2026 (24.00 WITA)" in indonesian
    assert "Jeda 1: sejak Jum 6 Feb 2026 12.00 WITA (documents_incomplete P3)" in indonesian
    assert "[bold]KTP[/] tidak terbaca" in indonesian  # shown as written, not as markup


def test_a_working_hours_goal_shows_its_office_hours(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config"
    shutil.copytree(REPOSITORY / "config", config)
    sla = config / "sla.toml"
    sla.write_text(
        sla.read_text() + '\n[[policies.goals]]\nid = "answer"\nchannels = ["online"]\n'
        'start = ["documents_completed"]\nstop = ["verified"]\n'
        'target = "8 working hours"\ncalendar = "default"\n'
    )
    events = [
        {**EVENTS[0], "claim_id": "JHT-HOURS", "occurred_at": "2026-02-13T14:00:00+07:00"},
        {**EVENTS[1], "claim_id": "JHT-HOURS", "occurred_at": "2026-02-13T15:00:00+07:00"},
    ]
    lines = "".join(json.dumps(e) + "\n" for e in events)
    assert run("import", "-", stdin=lines, config=config).returncode == 0
    as_of = "2026-02-18T12:00:00+07:00"
    shown = run("claim", "JHT-HOURS", "--as-of", as_of, "--explain", config=config)
    assert shown.returncode == 0, shown.stderr
    assert "Office hours: 08:00-16:00 on working days." in shown.stdout
    assert re.search(r"Fri 13 Feb 2026\s+working day 1\s+1h 00m\s+08:00-16:00", shown.stdout)
    assert re.search(r"Mon 16 Feb 2026\s+skipped: holiday — Cuti Bersama Tahun Baru", shown.stdout)
    assert "Due: Wed 18 Feb 2026 15:00 WIB." in shown.stdout
    data = json.loads(run("claim", "JHT-HOURS", "--json", "--as-of", as_of, config=config).stdout)
    answer = next(g for g in data["goals"] if g["goal"] == "answer")
    assert [(d["date"], d["counted_seconds"]) for d in answer["explanation"]["days"]] == [
        ("2026-02-13", 3600),
        ("2026-02-14", 0),
        ("2026-02-15", 0),
        ("2026-02-16", 0),
        ("2026-02-17", 0),
        ("2026-02-18", 4 * 3600),
    ]


def test_every_demo_explanation_adds_up(run) -> None:  # type: ignore[no-untyped-def]
    assert run("demo", "--per-day", "8").returncode == 0
    for claim_id in ("DEMO-2603-000003", "DEMO-2603-000010"):
        claim = json.loads(
            run("claim", claim_id, "--json", "--as-of", "2026-04-30T00:00:00+07:00").stdout
        )
        for goal in claim["goals"]:
            explanation = goal["explanation"]
            counted = sum(d["counted_seconds"] for d in explanation["days"])
            assert counted == goal["elapsed_working_seconds"]
            due_day = date.fromisoformat(explanation["due_day"])
            assert goal["due_at"] == f"{due_day + timedelta(days=1)}T00:00:00+07:00"
            # The target of 5 working days is reached on the due day: day 5, or later if paused.
            (due,) = [d for d in explanation["days"] if d["date"] == explanation["due_day"]]
            assert due["working"] and due["day"] >= 5
