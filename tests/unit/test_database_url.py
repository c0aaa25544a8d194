"""Database URLs as sla-monitor opens them (store/db.py): PostgreSQL always through psycopg 3,
SQLite as given, anything else refused with what to write instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from sla_monitor.store.db import DatabaseUrlError, NoDatabaseError, database_url, make_engine


@pytest.mark.parametrize(
    ("given", "opened"),
    [
        ("postgres://sla:pw@db:5432/sla", "postgresql+psycopg://sla:pw@db:5432/sla"),
        ("postgresql://sla@db/sla", "postgresql+psycopg://sla@db/sla"),
        ("POSTGRESQL://sla@db/sla", "postgresql+psycopg://sla@db/sla"),
        (
            "postgresql+psycopg://sla@db/sla?sslmode=require",
            "postgresql+psycopg://sla@db/sla?sslmode=require",
        ),
        ("sqlite:///./sla_monitor.db", "sqlite:///./sla_monitor.db"),
        ("sqlite+pysqlite:////var/lib/sla.db", "sqlite:////var/lib/sla.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_urls_are_normalised_in_one_place(given: str, opened: str) -> None:
    assert database_url(given).render_as_string(hide_password=False) == opened


@pytest.mark.parametrize(
    "given",
    [
        "",
        "data.db",
        "sqlite:/x.db",
        "postgres//db/sla",
        "mysql://db/sla",
        "postgresql+asyncpg://db/sla",
    ],
)
def test_unusable_urls_say_what_to_write(given: str) -> None:
    with pytest.raises(DatabaseUrlError) as raised:
        database_url(given)
    assert raised.value.fix.startswith("write ")


def test_an_engine_that_may_not_create_the_file_does_not(tmp_path: Path) -> None:
    target = tmp_path / "sla.db"
    with pytest.raises(NoDatabaseError) as raised:
        make_engine(f"sqlite:///{target}", create=False)
    assert raised.value.path == target and not target.exists()
    make_engine(f"sqlite:///{target}").connect().close()
    assert target.exists()
    make_engine(f"sqlite:///{target}", create=False).dispose()
