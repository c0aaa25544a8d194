"""open goals in one covering index, so an evaluation counts them without the table

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("phase IN ('running', 'paused')")


def upgrade() -> None:
    op.create_index(
        "ix_claim_goals_open",
        "claim_goals",
        ["channel", "goal_id", "branch_code", "phase", "due_at", "at_risk_at"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_claim_goals_open", table_name="claim_goals")
