"""The report and the backlog as a page and as a workbook, as a user asks for them
(docs/reports.md#the-page-and-the-workbook)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from openpyxl import load_workbook  # type: ignore[import-untyped]

from sla_monitor.domain.backlog import BacklogItem
from sla_monitor.domain.goals import Status
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.render import charts, page

AFTER = "2026-04-02T00:00:00+07:00"  # after the demo month: its open goals are late
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'
# A namespace declaration names a vocabulary; it is no reference to fetch.
NAMESPACE = re.compile(r'\sxmlns(:\w+)?="[^"]*"')


def hostile_claims(run, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """Two claims whose ids are markup and a formula, late since 2 March."""
    lines = []
    for n, claim in enumerate((SCRIPT, FORMULA)):
        for kind, at, more in (
            ("submitted", "09:00", {"channel": "online", "branch_code": "JKT"}),
            ("documents_completed", "10:00", {}),
        ):
            event = {"event_id": f"h{n}{kind}", "claim_id": claim, "type": kind}
            lines.append(json.dumps({**event, "occurred_at": f"2026-03-02T{at}:00+07:00", **more}))
    (folder / "hostile.jsonl").write_text("\n".join(lines) + "\n")
    assert run("import", str(folder / "hostile.jsonl")).returncode == 0


def self_contained(html: str) -> None:
    """Nothing the page refers to is outside it: no script, no address to fetch, no
    reference but to a part of itself (the hostile claim's text aside)."""
    text = NAMESPACE.sub("", html).replace(str(escape(FORMULA)), "")
    assert "http://" not in text and "https://" not in text
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b|@import", text, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?[^"'#\s]|url\(\s*["']?[^"'#\s]""", text, re.I)


def test_the_report_page_is_one_file_with_its_charts(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("demo", "--per-day", "3").returncode == 0
    hostile_claims(run, tmp_path)
    target = tmp_path / "march.html"
    done = run(
        "report", "--month", "2026-03", "--by", "region", "--channel", "online",
        "--format", "html", "--output", str(target),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []
    html = target.read_text(encoding="utf-8")
    self_contained(html)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.DOTALL)
    assert len(svgs) == 3  # compliance by group, daily compliance, new breaches a day
    assert all(re.search(r"<(rect|path)\b", svg) for svg in svgs)
    # The title states the period, the grouping, the filter and the as-of instant.
    assert re.search(r"SLA report · Mar 1\W+31, 2026", html) and "by region" in html
    assert "Channel: online" in html and "As of" in html
    assert "Branches with the lowest compliance" in html and "sla-monitor 0" in html
    # Event data is text, never markup.
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    indonesian = run(
        "report", "--month", "2026-03", "--format", "html", extra_env={"SLA_MONITOR_LANG": "id"}
    )
    assert indonesian.returncode == 0, indonesian.stderr
    assert '<html lang="id">' in indonesian.stdout and "Laporan SLA" in indonesian.stdout


def test_the_report_workbook_has_typed_cells_and_no_formula(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("demo", "--per-day", "3").returncode == 0
    hostile_claims(run, tmp_path)
    target = tmp_path / "march.xlsx"
    done = run("report", "--month", "2026-03", "--by", "branch", "--format", "xlsx",
               "--output", str(target))  # fmt: skip
    assert done.returncode == 0, done.stderr
    book = load_workbook(target)
    assert book.sheetnames == ["Summary", "Breaches", "Backlog", "Trend", "About"]
    for sheet in book:
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
        assert all(cell.font.b for cell in sheet[1]) and sheet.column_dimensions["A"].width > 5
        assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    summary = rows(book["Summary"])
    assert summary[0][:4] == ["Branch", "Name", "Region", "Goal"]
    first = summary[1]
    assert isinstance(first[4], int) and isinstance(first[7], int | float) and 0 <= first[7] <= 1
    assert book["Summary"].cell(2, 8).number_format == "0.0%"
    assert [r[0] for r in summary if r[0] == "Total"] == ["Total"]

    breaches = rows(book["Breaches"])
    assert len(breaches) > 3
    late = next(r for r in breaches[1:] if r[0] == "'" + FORMULA)
    assert isinstance(late[5], datetime) and late[5].tzinfo is None  # due, branch time
    assert late[6].startswith("end of Mon 9 Mar 2026 (24:00 WIB")  # due, as people read it
    assert late[8] == "Asia/Jakarta" and isinstance(late[9], int | float) and late[10] > 3
    assert SCRIPT in [r[0] for r in breaches]  # a spreadsheet shows text as it is
    backlog = rows(book["Backlog"])
    assert {r[4] for r in backlog[1:]} == {"breached"} and len(backlog) > 2
    trend = rows(book["Trend"])
    assert isinstance(trend[1][0], datetime) and len(trend) >= 28  # a day a goal, to as_of

    refused = run("report", "--month", "2026-03", "--format", "xlsx")
    assert refused.returncode == 2 and "--output FILE" in refused.stderr


def rows(sheet: Any) -> list[list[Any]]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_backlog_as_a_page_and_a_workbook(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("demo", "--per-day", "3").returncode == 0
    hostile_claims(run, tmp_path)
    html = run("backlog", "--as-of", AFTER, "--format", "html")
    assert html.returncode == 0, html.stderr
    self_contained(html.stdout)
    assert "Open goals past their deadline" in html.stdout and "open goals." in html.stdout
    assert SCRIPT not in html.stdout and "&lt;script&gt;" in html.stdout

    target = tmp_path / "late.xlsx"
    done = run("backlog", "--as-of", AFTER, "--format", "xlsx", "--output", str(target))
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(target)["Backlog"]
    assert sheet.freeze_panes == "A2"
    listed = rows(sheet)
    assert listed[0][0] == "Claim" and "'" + FORMULA in [r[0] for r in listed]
    assert all(isinstance(r[6], datetime) and isinstance(r[10], int | float) for r in listed[1:])
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_chart_labels_are_escaped_by_pygal() -> None:
    svg = charts.compliance_bars([SCRIPT, "a & b"], [0.5, 0.9])
    assert "<script" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg


def test_the_backlog_page_streams_its_rows(config: SlaConfig) -> None:
    """Rows are read as the page is written: a backlog of any size is never all in memory."""
    taken = []

    def items() -> Any:
        for n in range(10_000):
            taken.append(n)
            yield BacklogItem(
                f"C{n}", "online", "JKT", "payment", Status.BREACHED, 0, 10**12,
                config.branches["JKT"].zone, 10**9, 10**6,
            )  # fmt: skip

    pieces = page.backlog_page(
        items(), status="breached", filters={"channel": []}, as_of=2 * 10**15, config=config
    )
    for _piece in zip(range(200), pieces, strict=False):
        pass
    assert 0 < len(taken) < 100


@pytest.mark.parametrize("value", [None, 0.0, 0.9876])
def test_percent_of_nothing_is_a_dash(value: float | None) -> None:
    assert (page.percent(value) == page.NOTHING) == (value is None)
