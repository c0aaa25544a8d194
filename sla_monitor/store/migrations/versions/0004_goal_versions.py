"""goal versions, so past-day reports read instead of replaying

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIMESTAMP = sa.DateTime(timezone=False)


def upgrade() -> None:
    op.create_table(
        "goal_versions",
        sa.Column("claim_id", sa.String(64), primary_key=True),
        sa.Column("goal_id", sa.String(64), primary_key=True),
        sa.Column("valid_from", UTC_TIMESTAMP, primary_key=True),
        sa.Column("valid_to", UTC_TIMESTAMP, nullable=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("branch_code", sa.String(32), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("started_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("ended_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("due_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("at_risk_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("elapsed_us", sa.BigInteger(), nullable=False),
        sa.Column("target_us", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_goal_versions_due", "goal_versions", ["due_at"])
    op.create_index("ix_goal_versions_ended", "goal_versions", ["ended_at"])
    op.create_index("ix_claims_last_event_at", "claims", ["last_event_at"])
    # Existing claims get their versions from the next materialisation (evaluation or report).
    op.execute(sa.text("UPDATE claims SET stale = :yes").bindparams(yes=True))


def downgrade() -> None:
    op.drop_index("ix_claims_last_event_at", table_name="claims")
    op.drop_index("ix_goal_versions_ended", table_name="goal_versions")
    op.drop_index("ix_goal_versions_due", table_name="goal_versions")
    op.drop_table("goal_versions")
