"""The report page in a real browser: Debian's headless Chromium loads the file, draws its
charts and prints it to PDF (docs/reports.md#the-page-and-the-workbook).

Without chromium (Debian: apt-get install chromium) the test is skipped, unless
SLA_MONITOR_REQUIRE_TOOLS=1, where it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

# Run on a copy of the page only: the page itself has no script. It measures each chart as
# drawn and leaves the sizes in the DOM that --dump-dom prints.
MEASURE = """<script>
addEventListener("load", () => {
  const sizes = [...document.querySelectorAll("svg")].map(svg => {
    const box = svg.getBoundingClientRect();
    return [Math.round(box.width), Math.round(box.height), svg.querySelectorAll("rect, path").length];
  });
  document.body.setAttribute("data-sizes", JSON.stringify(sizes));
});
</script>"""


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("SLA_MONITOR_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{name} is required here (SLA_MONITOR_REQUIRE_TOOLS=1) but not installed")
        pytest.skip(f"{name} is not installed (Debian: apt-get install {package})")
    return path


def chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless, offline and quiet: no first-run, sync, update or background traffic."""
    command = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", *args,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def page_of_a_month(folder: Path) -> Path:
    """The demo month's report by branch, in Indonesian, as a page (on SQLite)."""
    env = {
        **os.environ,
        "SLA_MONITOR_DATABASE_URL": f"sqlite:///{folder / 'sla.db'}",
        "SLA_MONITOR_LANG": "id",
    }
    env.pop("SLA_MONITOR_CONFIG_DIR", None)
    target = folder / "maret.html"
    for args in (
        ("demo", "--per-day", "4"),
        ("report", "--month", "2026-03", "--by", "branch", "--format", "html",
         "--output", str(target)),
    ):  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "sla_monitor", *args],
            capture_output=True, text=True, env=env, cwd=folder, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    return target


def pdf_pages(pdf: Path) -> int:
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is not None:
        info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True)
        found = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
        assert found is not None, info.stdout
        return int(found[1])
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def test_the_page_draws_its_charts_and_prints_to_pdf(tmp_path: Path) -> None:
    binary = tool("chromium", "chromium")
    page = page_of_a_month(tmp_path)
    measured = tmp_path / "measured.html"
    measured.write_text(
        page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8"
    )
    profile = tmp_path / "profile"
    dom = chromium(
        binary, profile, "--run-all-compositor-stages-before-draw",
        "--virtual-time-budget=5000", "--window-size=1280,2000", "--dump-dom",
        measured.as_uri(),
    ).stdout  # fmt: skip
    found = re.search(r'data-sizes="([^"]*)"', dom)
    assert found is not None, dom[:2000]
    sizes = json.loads(found[1].replace("&quot;", '"'))
    assert len(sizes) == 3, sizes  # compliance by branch, daily compliance, new breaches
    for width, height, shapes in sizes:
        assert width > 300 and height > 100 and shapes > 0, sizes
    assert "Kepatuhan per cabang" in dom  # rendered in Indonesian

    shot = tmp_path / "page.png"
    chromium(binary, profile, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri())
    assert shot.stat().st_size > 10_000  # a drawn page, not a blank one

    pdf = tmp_path / "maret.pdf"
    chromium(binary, profile, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    assert pdf.read_bytes().startswith(b"%PDF") and pdf_pages(pdf) >= 2
