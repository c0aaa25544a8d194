"""events, claims and claim goals

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Instants are UTC timestamps without a zone; the application converts them.
UTC_TIMESTAMP = sa.DateTime(timezone=False)
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("occurred_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("branch_code", sa.String(32), nullable=True),
        sa.Column("employer_id", sa.String(64), nullable=True),
        sa.Column("batch_id", sa.String(64), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("received_at", UTC_TIMESTAMP, nullable=False),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
    )
    op.create_index("ix_events_claim_time", "events", ["claim_id", "occurred_at"])

    op.create_table(
        "claims",
        sa.Column("claim_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("branch_code", sa.String(32), nullable=False),
        sa.Column("policy_id", sa.String(64), nullable=True),
        sa.Column("submitted_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("submitted_event_id", sa.String(128), nullable=False),
        sa.Column("last_event_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
    )
    op.create_index("ix_claims_channel", "claims", ["channel"])
    op.create_index("ix_claims_branch_code", "claims", ["branch_code"])

    op.create_table(
        "claim_goals",
        sa.Column("claim_id", sa.String(64), primary_key=True),
        sa.Column("goal_id", sa.String(64), primary_key=True),
        sa.Column("policy_id", sa.String(64), nullable=False),
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
    op.create_index("ix_claim_goals_phase_due", "claim_goals", ["phase", "due_at"])
    op.create_index("ix_claim_goals_ended", "claim_goals", ["ended_at"])
    op.create_index("ix_claim_goals_due", "claim_goals", ["due_at"])


def downgrade() -> None:
    op.drop_table("claim_goals")
    op.drop_table("claims")
    op.drop_table("events")
