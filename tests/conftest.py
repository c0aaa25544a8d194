"""Shared fixtures: the default configuration, and a migrated database on each backend.

Every test that takes `db` runs once on SQLite and once on PostgreSQL. PostgreSQL is
reached at SLA_MONITOR_TEST_POSTGRES_URL (default: the local server, database `test`);
when it is not reachable those runs are skipped with the reason, unless
SLA_MONITOR_REQUIRE_POSTGRES=1 (as in CI), where they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from sla_monitor.config import load_config
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.store.db import make_engine, upgrade

REPOSITORY = Path(__file__).parent.parent
POSTGRES_URL = os.environ.get(
    "SLA_MONITOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_postgres_problem: list[str] = []


@pytest.fixture(scope="session")
def config() -> SlaConfig:
    return load_config(REPOSITORY / "config")


@pytest.fixture(scope="session")
def sla(config: SlaConfig) -> SlaTimer:
    return SlaTimer(config)


def _postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not (checked once a session)."""
    if not _postgres_problem:
        try:
            probe = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
            with probe.connect() as connection:
                connection.execute(text("select 1"))
            probe.dispose()
            _postgres_problem.append("")
        except Exception as exc:  # any failure to connect means: not available here
            _postgres_problem.append(
                f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}".splitlines()[0]
            )
    return _postgres_problem[0] or None


def postgres_schema_url() -> Iterator[str]:
    """A fresh schema on the test server, dropped afterwards; yields its URL."""
    problem = _postgres_available()
    if problem:
        if os.environ.get("SLA_MONITOR_REQUIRE_POSTGRES") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sla.db'}"
    else:
        yield from postgres_schema_url()


@pytest.fixture
def db(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema on the test server, for what only PostgreSQL does (replicas)."""
    yield from postgres_schema_url()
