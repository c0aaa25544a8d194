"""`sla-monitor report` over periods, groups and filters, as a user types it (docs/cli.md)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")  # report_timezone of config/sla.toml


def test_periods_groups_and_filters_from_the_command_line(run) -> None:  # type: ignore[no-untyped-def]
    assert run("demo", "--per-day", "6").returncode == 0
    month = json.loads(
        run("report", "--month", "2026-03", "--by", "region", "--format", "json").stdout
    )
    assert (month["from"], month["to"], month["by"]) == ("2026-03-01", "2026-03-31", "region")
    assert month["totals"][0]["goal"] == "payment"
    week = json.loads(run("report", "--week", "2026-W12", "--format", "json").stdout)
    assert (week["from"], week["to"]) == ("2026-03-16", "2026-03-22")  # Monday to Sunday
    dates = json.loads(
        run("report", "--from", "2026-03-02", "--to", "2026-03-06", "--format", "json").stdout
    )
    assert (dates["date"], dates["from"], dates["to"]) == (None, "2026-03-02", "2026-03-06")
    one = json.loads(run("report", "--date", "2026-03-25", "--format", "json").stdout)
    assert (one["date"], one["from"], one["to"]) == ("2026-03-25", "2026-03-25", "2026-03-25")

    table = run(
        "report", "--month", "2026-03", "--by", "branch", "--channel", "online",
        "--branch", "DPS", "--branch", "JKT",
    )  # fmt: skip
    assert table.returncode == 0, table.stderr
    assert "2026-03-01 to 2026-03-31" in table.stdout and "by branch" in table.stdout
    assert "only channel online; branch DPS, JKT" in table.stdout
    assert "Kantor Cabang Denpasar" in table.stdout and "│ total" in table.stdout


def test_the_default_is_yesterday_in_the_report_time_zone(run) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade").returncode == 0
    before = datetime.now(JAKARTA).date() - timedelta(days=1)
    body = json.loads(run("report", "--format", "json").stdout)
    after = datetime.now(JAKARTA).date() - timedelta(days=1)
    assert body["date"] in {before.isoformat(), after.isoformat()}  # even across midnight


def test_a_period_named_twice_or_badly_is_refused(run) -> None:  # type: ignore[no-untyped-def]
    for args, message in (
        (("--month", "2026-03", "--date", "2026-03-02"), "choose one period"),
        (("--from", "2026-03-02"), "--from and --to go together"),
        (("--from", "2026-03-09", "--to", "2026-03-02"), "is before --from"),
        (("--month", "March"), "is not a month like 2026-03"),
        (("--week", "2026-W54"), "is not an ISO week"),
        (("--region", "Atlantis"), "is not a region of branches.toml"),
        (
            ("--by", "branch", "--branch", "DPS", "--region", "Jawa Barat"),
            "--region Jawa Barat: none of the branches asked for (DPS) is in it",
        ),
    ):
        result = run("report", *args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)


def test_a_refused_period_or_filter_is_explained_in_indonesian(run) -> None:  # type: ignore[no-untyped-def]
    indonesian = {"SLA_MONITOR_LANG": "id"}
    for args, message in (
        (("--from", "2026-03-09", "--to", "2026-03-02"), "--to 2026-03-02 lebih awal daripada"),
        (("--month", "Maret"), "--month 'Maret' bukan bulan"),
        (("--branch", "XXX"), "--branch 'XXX' tidak ada dalam daftar cabang"),
    ):
        result = run("report", *args, extra_env=indonesian)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
