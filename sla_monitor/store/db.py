"""Database engines and sessions, built by the entry points and passed in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaError(RuntimeError):
    """The database is not at the schema this version of sla-monitor needs."""


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while an import writes; synchronous=FULL makes a commit
    # durable before sla-monitor acknowledges the events in it.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply the migrations up to `revision`; returns the revisions before and after."""
    with _migration_lock(engine):
        before = current_revision(engine)
        command.upgrade(_alembic_config(engine), revision)
        return before, current_revision(engine)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, replicas that start together migrate one after the other."""
    if engine.dialect.name != "postgresql":
        yield  # SQLite serves one process
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(hashtext('sla-monitor-migrations'))"))
        try:
            yield
        finally:
            connection.execute(
                text("SELECT pg_advisory_unlock(hashtext('sla-monitor-migrations'))")
            )
            connection.commit()


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_schema(engine: Engine) -> None:
    """Refuse to read a database that has not been migrated to this version."""
    current = current_revision(engine)
    if current != head_revision():
        where = engine.url.render_as_string(hide_password=True)
        state = "has no sla-monitor tables" if current is None else f"is at revision {current}"
        raise SchemaError(
            f"the database {where} {state}; run `sla-monitor db upgrade` "
            f"(this version needs revision {head_revision()})"
        )
