from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from sla_monitor.domain.timer import SlaTimer
from sla_monitor.store.db import (
    MIGRATIONS,
    SchemaError,
    current_revision,
    head_revision,
    make_engine,
    require_schema,
    upgrade,
)


def test_migrations_create_exactly_the_models(db: Engine) -> None:
    with db.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
    assert {"events", "claims", "claim_goals"} <= set(inspect(db).get_table_names())


def test_the_schema_revision_every_command_checks_is_alembics_head(db: Engine) -> None:
    # A new migration must move SCHEMA_REVISION too, or every command would refuse the store.
    assert head_revision() == ScriptDirectory(str(MIGRATIONS)).get_current_head()
    with db.connect() as connection:
        recorded = MigrationContext.configure(connection).get_current_revision()
    assert current_revision(db) == recorded == head_revision()


def test_upgrade_is_idempotent(db: Engine) -> None:
    assert upgrade(db) == (head_revision(), head_revision())
    assert current_revision(db) == head_revision()


def test_an_empty_database_is_refused_with_the_command_to_run(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        require_schema(engine)
    except SchemaError as exc:
        assert "sla-monitor db upgrade" in str(exc)
        assert "has no sla-monitor tables" in str(exc)
    else:
        raise AssertionError("an unmigrated database was accepted")
    finally:
        engine.dispose()


def test_upgrading_a_database_with_claims_keeps_them(db_url: str) -> None:
    from sla_monitor.config import load_config
    from sla_monitor.domain.timer import SlaTimer
    from sla_monitor.store.db import session_scope
    from sla_monitor.store.queries import claim_count

    from .helpers import ev, store, submitted

    engine = make_engine(db_url)
    try:
        assert upgrade(engine, "0001") == (None, "0001")
        with engine.begin() as connection:  # a claim stored by the first release's schema
            connection.exec_driver_sql(
                "INSERT INTO claims (claim_id, channel, branch_code, policy_id, submitted_at, "
                "submitted_event_id, last_event_at, updated_at) VALUES ('OLD', 'online', 'JKT', "
                "'sla-2022', '2026-11-02 02:00:00', 'E0', '2026-11-02 02:00:00', '2026-11-02 02:00:00')"
            )
        assert upgrade(engine) == ("0001", head_revision())
        with session_scope(engine) as session:
            assert claim_count(session=session) == 1
        sla = SlaTimer(load_config(Path(__file__).parent.parent.parent / "config"))
        result = store(
            engine,
            sla,
            submitted("E1", "NEW", "2026-11-16T09:00:00+07:00"),
            ev("E2", "NEW", "documents_completed", "2026-11-16T09:00:00+07:00"),
        )
        assert result.accepted == 2
    finally:
        engine.dispose()


def test_replicas_starting_together_migrate_one_after_the_other(postgres_url: str) -> None:
    """While one process holds the migration lock, another waits for it before migrating."""
    import os
    import subprocess
    import sys

    from sqlalchemy import text

    db_url = postgres_url  # replicas share a PostgreSQL database; SQLite serves one process
    env = {**os.environ, "SLA_MONITOR_DATABASE_URL": db_url}
    command = [sys.executable, "-m", "sla_monitor", "db", "upgrade"]
    engine = make_engine(db_url)
    lock = "SELECT pg_advisory_lock(hashtext('sla-monitor-migrations'))"
    try:
        with engine.connect() as holder:  # stands for a replica in the middle of migrating
            holder.execute(text(lock))
            waiting = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            try:
                waiting.wait(timeout=5)
                pytest.fail(
                    f"db upgrade did not wait for the migration lock: {waiting.communicate()[0]}"
                )
            except subprocess.TimeoutExpired:
                pass
            holder.execute(text("SELECT pg_advisory_unlock(hashtext('sla-monitor-migrations'))"))
            holder.commit()
        output = waiting.communicate(timeout=60)[0]
        assert waiting.returncode == 0 and "upgraded from empty" in output, output
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_downgrading_0009_gives_each_claim_its_last_event_time_back(
    db: Engine, sla: SlaTimer
) -> None:
    """0009 dropped claims.last_event_at; going back to 0008 fills it from the claim's events,
    its latest occurred_at, whatever their type."""
    from alembic import command
    from sqlalchemy import text

    from sla_monitor.store.db import _alembic_config

    from .helpers import ev, store, submitted

    store(
        db,
        sla,
        submitted("E1", "C1", "2026-11-16T09:00:00+07:00"),
        ev("E2", "C1", "documents_completed", "2026-11-16T10:00:00+07:00"),
        ev("E3", "C1", "verified", "2026-11-17T11:30:00+07:00"),
    )
    command.downgrade(_alembic_config(db), "0008")
    with db.connect() as connection:
        (last,) = connection.execute(text("SELECT last_event_at FROM claims")).one()
    assert str(last).startswith("2026-11-17 04:30:00")  # 11:30 WIB, stored in UTC
    assert upgrade(db) == ("0008", head_revision())
    assert "last_event_at" not in {c["name"] for c in inspect(db).get_columns("claims")}
