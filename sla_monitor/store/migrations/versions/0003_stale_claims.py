"""claims whose goals await recomputation

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(
            sa.Column("stale", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "ix_claims_stale",
        "claims",
        ["claim_id"],
        sqlite_where=sa.text("stale"),
        postgresql_where=sa.text("stale"),
    )


def downgrade() -> None:
    op.drop_index("ix_claims_stale", table_name="claims")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("stale")
