"""metrics counters, open-goal snapshot, evaluator lease

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIMESTAMP = sa.DateTime(timezone=False)


def upgrade() -> None:
    with op.batch_alter_table("claim_goals") as batch:
        batch.add_column(sa.Column("breach_recorded_at", UTC_TIMESTAMP, nullable=True))
        batch.add_column(sa.Column("outcome_recorded", sa.String(16), nullable=True))
    op.create_index(
        "ix_claim_goals_unrecorded_breach",
        "claim_goals",
        ["due_at"],
        sqlite_where=sa.text("breach_recorded_at IS NULL"),
        postgresql_where=sa.text("breach_recorded_at IS NULL"),
    )
    op.create_table(
        "metric_counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("goal", sa.String(64), primary_key=True),
        sa.Column("branch", sa.String(32), primary_key=True),
        sa.Column("detail", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "open_goal_counts",
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("goal", sa.String(64), primary_key=True),
        sa.Column("branch", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "evaluator",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=True),
        sa.Column("lease_expires_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("last_evaluated_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("last_duration_us", sa.BigInteger(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("evaluator")
    op.drop_table("open_goal_counts")
    op.drop_table("metric_counters")
    op.drop_index("ix_claim_goals_unrecorded_breach", table_name="claim_goals")
    with op.batch_alter_table("claim_goals") as batch:
        batch.drop_column("outcome_recorded")
        batch.drop_column("breach_recorded_at")
