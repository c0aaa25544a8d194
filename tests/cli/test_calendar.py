"""`calendar`, `calendar diff`, and what `verify`, `claim` and `report` say about the calendar.

A `holidays` release without a year's cuti bersama is simulated by a calendar without the
`government` category (docs/calendar.md).
"""

from __future__ import annotations

import json
from pathlib import Path

from sla_monitor.domain.calendar_data import HOLIDAYS_VERSION

REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_CATEGORIES = 'categories = ["public", "government"]'


def configuration(tmp_path: Path, name: str, *replacements: tuple[str, str]) -> Path:
    """The default configuration with each (old, new) text replaced once in sla.toml."""
    conf = tmp_path / name
    conf.mkdir()
    (conf / "branches.toml").write_text((REPOSITORY / "config" / "branches.toml").read_text())
    sla = (REPOSITORY / "config" / "sla.toml").read_text()
    for old, new in replacements:
        assert old in sla, old
        sla = sla.replace(old, new, 1)
    (conf / "sla.toml").write_text(sla)
    return conf


def no_cuti_bersama(tmp_path: Path, *, reviewed: str = "") -> Path:
    lines = [(DEFAULT_CATEGORIES, 'categories = ["public"]')]
    if reviewed:
        lines.append(("decree_years = []", f"decree_years = {reviewed}"))
    return configuration(tmp_path, f"no-cuti-bersama{reviewed}", *lines)


def test_calendar_lists_dates_in_order_with_source_and_name(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    conf = configuration(
        tmp_path,
        "extra",
        ("extra_working_days = []", 'extra_working_days = ["2026-12-26", "2026-01-03"]'),
    )
    result = run("calendar", "--year", "2026", config=conf)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line[:4] == "2026"]
    assert [line[:10] for line in lines] == sorted(line[:10] for line in lines)
    assert "2026-01-03 Sat  configuration: extra working day" in result.stdout
    assert any(
        line.startswith("2026-03-20 Fri") and "cuti bersama" in line and "Idul Fitri" in line
        for line in lines
    )
    assert any(line.startswith("2026-08-17 Mon  libur nasional") for line in lines)
    assert f"holidays {HOLIDAYS_VERSION}" in result.stdout
    assert "2026: the decree on cuti bersama is known" in result.stderr
    assert "warning" not in result.stderr


def test_calendar_says_when_a_year_has_no_known_decree(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("calendar", "--year", "2099")
    assert result.returncode == 0
    assert "warning: 2099: NO decree on cuti bersama is known" in result.stderr
    missing = run("calendar", "--year", "2026", config=no_cuti_bersama(tmp_path))
    assert "warning: 2026: NO decree on cuti bersama" in missing.stderr
    assert "lack 'government'" in missing.stderr
    body = json.loads(run("calendar", "--year", "2099", "--json").stdout)
    assert body["decree"] == {
        "calendar": "default",
        "year": 2099,
        "known": False,
        "source": None,
        "cuti_bersama": 0,
    }
    assert body["holidays_version"] == HOLIDAYS_VERSION
    assert body["dates"][0]["date"].startswith("2099-")


def test_a_reviewed_year_is_not_reported_missing(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("calendar", "--year", "2026", config=no_cuti_bersama(tmp_path, reviewed="[2026]"))
    assert result.returncode == 0
    assert "warning" not in result.stderr
    assert "marked reviewed" in result.stderr


def test_calendar_diff_between_two_configurations(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    amended = configuration(
        tmp_path, "amended", ("extra_holidays = []", 'extra_holidays = ["2026-03-10"]')
    )
    result = run("calendar", "diff", "--from-config", str(REPOSITORY / "config"), config=amended)
    assert result.returncode == 1, result.stderr
    assert "2026-03-10 Tue  working -> closed" in result.stdout
    assert "configuration: extra holiday" in result.stdout
    assert "sla-monitor verify" in result.stdout
    same = run("calendar", "diff", "--from-config", str(amended), config=amended)
    assert same.returncode == 0 and "the same in both" in same.stdout
    # A decree that disappears from the data: every cuti bersama day opens again.
    gone = run(
        "calendar",
        "diff",
        "--from-config",
        str(REPOSITORY / "config"),
        "--from-year",
        "2026",
        "--to-year",
        "2026",
        config=no_cuti_bersama(tmp_path),
    )
    assert gone.returncode == 1
    assert gone.stdout.count("closed -> working") == 8


def test_verify_names_the_changed_calendar_and_recompute_settles_it(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("demo", "--per-day", "4").returncode == 0
    assert (
        "every stored goal was computed in the current calendars" in run("calendar", "diff").stdout
    )
    amended = configuration(
        tmp_path, "amended", ("extra_holidays = []", 'extra_holidays = ["2026-03-10"]')
    )
    stale = run("verify", config=amended)
    assert stale.returncode == 1
    assert "calendar 'default' changed since" in stale.stdout
    assert f"with holidays {HOLIDAYS_VERSION}" in stale.stdout
    body = json.loads(run("verify", "--json", config=amended).stdout)
    (change,) = body["calendar_changes"]
    assert change["calendar"] == "default" and change["claims"] == body["claims"]
    assert change["stored_fingerprint"] != change["current_fingerprint"]

    stored = run("calendar", "diff", config=amended)
    assert stored.returncode == 1
    assert f"stored {change['stored_fingerprint']}" in stored.stdout
    assert "2026-03-10 Tue  working -> closed" in stored.stdout

    assert run("recompute", config=amended).returncode == 0
    settled = run("verify", config=amended)
    assert settled.returncode == 0 and "changed since" not in settled.stdout
    after = run("calendar", "diff", config=amended)
    assert after.returncode == 0, after.stdout


def test_claim_and_report_state_the_calendar_data(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    events = [
        {
            "event_id": "E1",
            "claim_id": "C1",
            "type": "submitted",
            "occurred_at": "2026-11-30T09:00:00+07:00",
            "channel": "online",
            "branch_code": "JKT",
        },
        {
            "event_id": "E2",
            "claim_id": "C1",
            "type": "documents_completed",
            "occurred_at": "2026-11-30T10:00:00+07:00",
        },
    ]
    stdin = "".join(json.dumps(e) + "\n" for e in events)
    assert run("import", "-", stdin=stdin).returncode == 0
    as_of = ("--as-of", "2027-01-05T12:00:00+07:00")
    view = json.loads(run("claim", "C1", "--json", *as_of).stdout)
    data = view["calendar_data"]
    assert data["holidays_version"] == HOLIDAYS_VERSION
    # Viewed in January 2027, the claim spans both years' decrees.
    assert [(d["year"], d["known"]) for d in data["decrees"]] == [(2026, True), (2027, True)]
    assert data["unknown"] == []
    text = run("claim", "C1", *as_of)
    assert "Calendar data: holidays" in text.stdout and "2026 (default); 2027" in text.stdout

    missing = no_cuti_bersama(tmp_path)
    warned = run("claim", "C1", *as_of, config=missing)
    assert "warning: 2026: NO decree on cuti bersama" in warned.stdout
    report = run("report", "--date", "2026-12-01", config=missing)
    assert "warning: 2026: NO decree" in report.stdout
    body = json.loads(run("report", "--date", "2026-12-01", "--format", "json").stdout)
    assert body["calendar_data"]["decrees"][0]["year"] == 2026
