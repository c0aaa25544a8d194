"""Alembic environment: the engine comes from sla-monitor, never from a URL in a file."""

from alembic import context
from sqlmodel import SQLModel

from sla_monitor.store import tables  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata
engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
