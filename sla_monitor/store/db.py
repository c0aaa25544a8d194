"""Database engines and sessions, built by the entry points and passed in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision (a test checks it is Alembic's head). Every command checks
# the store is at it; knowing it here spares a store that is already there loading Alembic
# and every migration script, about a fifth of a second of each command's start.
SCHEMA_REVISION = "0014"


class SchemaError(RuntimeError):
    """The database is not at the schema this version of sla-monitor needs."""


class DatabaseUrlError(ValueError):
    """A database URL that cannot be used: `problem` says why, `fix` what to write."""

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__(f"{problem}; {fix}" if fix else problem)
        self.problem, self.fix = problem, fix


class NoDatabaseError(RuntimeError):
    """No SQLite file where the URL points, for a use that must not create one."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no database at {path}")
        self.path = path


URL_FORMS = "write sqlite:///FILE (a file) or postgresql://USER:PASSWORD@HOST:5432/DB"


def database_url(url: str) -> URL:
    """The URL as sla-monitor opens it: `postgres://` and `postgresql://` (any case) mean
    PostgreSQL through psycopg 3; SQLite and PostgreSQL only (DatabaseUrlError otherwise)."""
    if not url.strip():
        raise DatabaseUrlError("empty", URL_FORMS)
    scheme, separator, rest = url.partition(":")
    if scheme.lower() == "sqlite" and not rest.startswith("//"):
        path = rest.lstrip("/")
        raise DatabaseUrlError(
            "a SQLite URL starts sqlite:/// (three slashes)",
            f"write sqlite:///{path} (from the current folder) or sqlite:////{path} (absolute)",
        )
    if "://" not in url and url.lower().startswith(("postgres", "sqlite")):
        raise DatabaseUrlError("not a URL: no '://' after the scheme", URL_FORMS)
    if not separator or "/" in scheme or "\\" in scheme or len(scheme) == 1:
        raise DatabaseUrlError("a file name, not a URL", f"write sqlite:///{url}")
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        reason = "the port must be a number" if "int()" in str(exc) else "not a URL"
        raise DatabaseUrlError(reason, URL_FORMS) from None
    backend, _, driver = parsed.drivername.lower().partition("+")
    if backend in ("postgres", "postgresql") and driver in ("", "psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed.set(drivername="sqlite")
    if backend in ("postgres", "postgresql", "sqlite"):
        raise DatabaseUrlError(
            f"sla-monitor does not use the driver {driver!r}",
            f"write {backend}:// without +{driver}",
        )
    raise DatabaseUrlError(f"{backend!r} is not a database sla-monitor uses", URL_FORMS)


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for `url` (database_url). `create=False`: a SQLite file that does not exist
    is NoDatabaseError, never a new empty file."""
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_file(parsed, create=create)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _check_sqlite_file(url: URL, *, create: bool) -> None:
    if not url.database or url.database == ":memory:" or url.query.get("uri"):
        return  # in memory, or a URI that says itself how to open the file
    path = Path(url.database)
    if "~" in url.database and not path.parent.is_dir():
        raise DatabaseUrlError(
            f"the folder {path.parent} does not exist", "~ is not expanded: write the whole path"
        )
    if path.is_dir():
        raise DatabaseUrlError(
            f"{path} is a folder", f"name a file in it: sqlite:///{path / 'sla_monitor.db'}"
        )
    if not create and not path.exists():
        raise NoDatabaseError(path)
    if not path.parent.is_dir():
        raise DatabaseUrlError(
            f"the folder {path.parent} does not exist", "create it, or choose another"
        )


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
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply the migrations up to `revision`; returns the revisions before and after."""
    if revision == "head" and current_revision(engine) == SCHEMA_REVISION:
        return SCHEMA_REVISION, SCHEMA_REVISION  # nothing to do: no lock, no Alembic
    from alembic import command

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
    return SCHEMA_REVISION


def current_revision(engine: Engine) -> str | None:
    """The store's schema revision, as Alembic records it; None for a store without one."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        found = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        revisions = list(found)
    if len(revisions) > 1:  # sla-monitor's migrations are one line: this is not its store
        raise SchemaError(f"the database records several schema revisions: {revisions}")
    return revisions[0] if revisions else None


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
