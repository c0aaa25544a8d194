"""/docs and /redoc (docs/api.md): pages that load nothing from outside the service, whose
every script, style and icon the service serves itself, open to all as /openapi.json is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sla_monitor.domain.timer import SlaTimer
from sla_monitor.entrypoints.api.app import create_app
from sla_monitor.entrypoints.scheduler import Monitor
from sla_monitor.store.db import make_engine

from .test_api import NOW

PAGES = ("/docs", "/redoc")
TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class References(HTMLParser):
    """Every URL a page names: src and href attributes, ReDoc's spec-url, Swagger UI's url."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in URL_ATTRIBUTES and value]

    def handle_data(self, data: str) -> None:
        self.scripts.append(data)


URL_ATTRIBUTES = {"src", "href", "spec-url", "action", "srcset", "data"}


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    inline = re.findall(r"\burl:\s*'([^']*)'", "".join(parser.scripts))
    return parser.urls + inline


def make(db: Engine, sla: SlaTimer, root_path: str = "", **options: bool) -> TestClient:
    monitor = Monitor(db=db, sla=sla, interval=30, clock=lambda: NOW, holder="test")
    app = create_app(
        db=db, sla=sla, clock=lambda: NOW, monitor=monitor, run_scheduler=False, **options
    )
    return TestClient(app, root_path=root_path)


@pytest.fixture
def db(tmp_path: Path) -> Engine:
    """The pages read no claim: one database, never migrated, is enough."""
    return make_engine(f"sqlite:///{tmp_path / 'docs.db'}")


@pytest.fixture
def client(db: Engine, sla: SlaTimer) -> Iterator[TestClient]:
    with make(db, sla) as test_client:
        yield test_client


@pytest.mark.parametrize("page", PAGES)
def test_a_page_names_no_outside_url_and_every_file_it_names_is_served(
    client: TestClient, page: str
) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert not re.search(r"(?i)\b(?:https?:)?//", html), "an outside URL on the page"
    urls = references(html)
    assert "/openapi.json" in urls
    assets = [url for url in urls if url != "/openapi.json"]
    assert assets and all(url.startswith("/docs/assets/") for url in assets), urls
    for url in assets:
        served = client.get(url)
        assert served.status_code == 200, url
        expected = TYPES[url[url.rindex(".") :]]
        assert served.headers["content-type"].startswith(expected), (url, served.headers)
        assert len(served.content) > 1000, url
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")


def test_swagger_ui_is_version_5_and_reports_nothing_to_a_validator(client: TestClient) -> None:
    """Swagger UI 4 cannot read an OpenAPI 3.1 document (FastAPI's); its validator badge would
    send the document's URL to an outside service."""
    html = client.get("/docs").text
    assert '"validatorUrl": null' in html
    bundle = client.get("/docs/assets/swagger-ui-bundle.js").text
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.', bundle)
    assert version is not None and int(version[1]) >= 5


def test_only_the_pages_files_are_served(client: TestClient) -> None:
    for name in ("core.py", "..%2Fcore.py", "%2E%2E%2F__init__.py", "", "swagger-ui.js"):
        assert client.get(f"/docs/assets/{name}").status_code == 404, name
    assert client.get("/docs/oauth2-redirect").status_code == 404  # bearer tokens only


def test_the_pages_stay_open_when_reads_are_protected(db: Engine, sla: SlaTimer) -> None:
    """Like /openapi.json they describe the API and hold no claim (docs/api.md)."""
    with make(db, sla, protect_reads=True) as protected:
        assert protected.get("/v1/reports").status_code == 401
        for url in (*PAGES, "/openapi.json", "/docs/assets/swagger-ui.css"):
            assert protected.get(url).status_code == 200, url


def test_behind_a_proxy_the_pages_name_their_files_under_its_path(
    db: Engine, sla: SlaTimer
) -> None:
    with make(db, sla, root_path="/sla") as proxied:
        for page in PAGES:
            urls = references(proxied.get(page).text)
            assert urls and all(url.startswith("/sla/") for url in urls), urls


def test_the_pages_are_not_operations_of_the_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith(("/docs", "/redoc"))]
