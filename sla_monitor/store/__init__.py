"""Persistence: SQLModel tables, keyword-only queries, Alembic migrations."""
