"""/docs and /redoc in a real browser with no network: Debian's headless Chromium, every host
but the loopback unresolvable, loads each page from a running `sla-monitor serve`; the page's
script draws the operations, and the browser's network log shows that the page asked for
nothing but the service (docs/api.md).

Without chromium (Debian: apt-get install chromium) the test is skipped, unless
SLA_MONITOR_REQUIRE_TOOLS=1, where it fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_report_page_chromium import chromium, tool
from tests.support.processes import Process, start_serve, wait_ready

pytestmark = pytest.mark.slow

OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
# What each page's script draws for the claim view's operation: not in the page as served.
DRAWN = {
    "/docs": 'class="opblock-summary-path" data-path="/v1/claims/{claim_id}"',
    "/redoc": 'http-verb get">get</span><span class="',
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Process]:
    database = f"sqlite:///{tmp_path / 'sla.db'}"
    process = start_serve("serve", database, cwd=tmp_path, token="docs-page-token-0123", interval=1)
    try:
        wait_ready(process)
        yield process
    finally:
        process.stop()


def requests_of_the_page(net_log: Path, origin: str) -> list[str]:
    """The URLs the page itself asked for (Chromium's own background requests have no
    initiator), from the browser's network log."""
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    params: list[dict[str, Any]] = [e.get("params", {}) for e in log["events"]]
    started = [p for e, p in zip(log["events"], params, strict=True) if e["type"] == start_job]
    return [p["url"] for p in started if p.get("initiator") == origin]


@pytest.mark.parametrize("page", sorted(DRAWN))
def test_the_page_draws_the_operations_with_no_network(
    server: Process, tmp_path: Path, page: str
) -> None:
    binary = tool("chromium", "chromium")
    url = server.base_url + page
    assert DRAWN[page] not in server.client.get(page).text  # drawn by the script, not served
    net_log = tmp_path / "net.json"
    dom = chromium(
        binary, tmp_path / "profile", OFFLINE, f"--log-net-log={net_log}",
        "--virtual-time-budget=15000", "--window-size=1280,900", "--dump-dom", url,
    ).stdout  # fmt: skip
    assert DRAWN[page] in dom, dom[:3000]
    for path in ("/v1/events", "/v1/reports", "/v1/backlog", "/readyz"):
        assert path in dom, path
    asked = requests_of_the_page(net_log, server.base_url)
    assert f"{server.base_url}/openapi.json" in asked
    assert any("/docs/assets/" in u and u.endswith(".js") for u in asked), asked
    assert all(u.startswith(server.base_url + "/") for u in asked), asked

    shot = tmp_path / "page.png"
    chromium(binary, tmp_path / "profile", OFFLINE, "--virtual-time-budget=15000",
             f"--screenshot={shot}", "--window-size=1280,900", url)  # fmt: skip
    assert shot.stat().st_size > 20_000  # a drawn page, not a blank one
