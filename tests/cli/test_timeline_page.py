"""`claim ID --explain --format html` (docs/explain.md#the-printable-timeline): one file, every
value escaped, in both languages; in a real headless Chromium its day bars are drawn and it
prints on exactly one A4 page.

Without chromium (Debian: apt-get install chromium) the browser test is skipped, unless
SLA_MONITOR_REQUIRE_TOOLS=1, where it fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_report_page import self_contained
from tests.cli.test_report_page_chromium import chromium, pdf_pages, tool

SCRIPT = "<script>alert(1)</script>"
REASON = '<img src=x onerror="alert(2)"> & KTP'
# Over Nyepi and Idul Fitri 2026 with a pause: documents sent back on Tuesday 17 March and
# completed again on Wednesday 25 March; paid on Monday 30 March.
LEBARAN = [
    ("L1", "submitted", "2026-03-16T09:00:00+07:00", {"channel": "online", "branch_code": "JKT"}),
    ("L2", "documents_completed", "2026-03-16T10:00:00+07:00", {}),
    ("L3", "documents_incomplete", "2026-03-17T11:00:00+07:00", {"reason": REASON}),
    ("L4", "documents_completed", "2026-03-25T09:00:00+07:00", {}),
    ("L5", "paid", "2026-03-30T14:00:00+07:00", {"amount": 9800000}),
]
# A measure of the copy the browser loads (the page itself has no script): each day box's
# size, left in the DOM that --dump-dom prints.
MEASURE = """<script>
addEventListener("load", () => {
  const boxes = [...document.querySelectorAll("li.day")].map(li => {
    const box = li.getBoundingClientRect();
    return [Math.round(box.width), Math.round(box.height), getComputedStyle(li).backgroundColor];
  });
  document.body.setAttribute("data-days", JSON.stringify(boxes));
});
</script>"""


def events(claim_id: str) -> str:
    lines = [
        {"event_id": f"{claim_id[:20]}-{eid}", "claim_id": claim_id, "type": kind,
         "occurred_at": at, **more}
        for eid, kind, at, more in LEBARAN
    ]  # fmt: skip
    return "".join(json.dumps(line) + "\n" for line in lines)


def test_the_timeline_is_one_escaped_file_in_both_languages(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "events.jsonl").write_text(events(SCRIPT) + events("JHT-LEBARAN"))
    assert run("import", "events.jsonl").returncode == 0
    as_of = ("--as-of", "2026-03-27T12:00:00+07:00")
    done = run("claim", SCRIPT, "--explain", "--format", "html", *as_of)
    assert done.returncode == 0, done.stderr
    html = done.stdout
    assert SCRIPT not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html
    self_contained(html.replace("&lt;img src=x", ""))
    assert "Hari Raya Idul Fitri" in html and "Due (projection)" not in html
    assert "Later events" in html  # paid on 30 March: after the as-of instant

    target = tmp_path / "lebaran.html"
    done = run(
        "claim", "JHT-LEBARAN", "--explain", "--format", "html", "--output", str(target),
        extra_env={"SLA_MONITOR_LANG": "id"},
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout == "", done.stderr
    page = target.read_text(encoding="utf-8")
    assert '<html lang="id">' in page and "Hari demi hari" in page
    assert "akhir Sen 30 Mar 2026" in page or "akhir" in page
    sha = re.search(r'class="code sha">([0-9a-f]{64})<', page)
    assert sha is not None

    refused = run("claim", "JHT-LEBARAN", "--output", str(target))
    assert refused.returncode == 2 and "--format html" in refused.stderr


def test_the_timeline_draws_its_days_and_prints_on_one_page(tmp_path: Path) -> None:
    binary = tool("chromium", "chromium")
    env = {**os.environ, "SLA_MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'sla.db'}"}
    env.pop("SLA_MONITOR_CONFIG_DIR", None)
    (tmp_path / "events.jsonl").write_text(events("JHT-LEBARAN"))
    page = tmp_path / "lebaran.html"
    outputs = []
    for args in (
        ("import", "events.jsonl"),
        ("claim", "JHT-LEBARAN", "--json"),
        ("--lang", "id", "claim", "JHT-LEBARAN", "--explain", "--format", "html",
         "--output", str(page)),
    ):  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "sla_monitor", *args],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    days = json.loads(outputs[1])["goals"][0]["explanation"]["days"]
    assert len(days) >= 10  # 16 March to the due day, across the holidays

    measured = tmp_path / "measured.html"
    measured.write_text(
        page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8"
    )
    profile = tmp_path / "profile"
    dom = chromium(
        binary, profile, "--run-all-compositor-stages-before-draw",
        "--virtual-time-budget=5000", "--window-size=1000,1400", "--dump-dom",
        measured.as_uri(),
    ).stdout  # fmt: skip
    found = re.search(r'data-days="([^"]*)"', dom)
    assert found is not None, dom[:2000]
    boxes = json.loads(found[1].replace("&quot;", '"'))
    assert len(boxes) == len(days), boxes
    assert all(width > 20 and height > 20 for width, height, _colour in boxes), boxes
    assert len({colour for _w, _h, colour in boxes}) >= 4  # counted, skipped, paused, start

    shot = tmp_path / "page.png"
    chromium(binary, profile, f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri())
    assert shot.stat().st_size > 10_000  # a drawn page, not a blank one
    pdf = tmp_path / "lebaran.pdf"
    chromium(binary, profile, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    assert pdf.read_bytes().startswith(b"%PDF") and pdf_pages(pdf) == 1


@pytest.mark.parametrize("lang", ["en", "id"])
def test_a_goal_without_a_deadline_says_so(run, tmp_path: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    line = {"event_id": "N1", "claim_id": "JHT-NEW", "type": "submitted",
            "occurred_at": "2026-03-16T09:00:00+07:00", "channel": "online", "branch_code": "JKT"}  # fmt: skip
    (tmp_path / "new.jsonl").write_text(json.dumps(line) + "\n")
    assert run("import", "new.jsonl").returncode == 0
    done = run("claim", "JHT-NEW", "--format", "html", extra_env={"SLA_MONITOR_LANG": lang})
    assert done.returncode == 0, done.stderr
    said = "has no deadline to explain" if lang == "en" else "tidak memiliki jatuh tempo"
    assert said in done.stdout
