"""reports read goal versions alone: window indexes that test validity, open versions covered

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("phase IN ('running', 'paused')")
OPEN_COLUMNS = [
    "valid_to",
    "valid_from",
    "channel",
    "goal_id",
    "branch_code",
    "phase",
    "due_at",
    "at_risk_at",
]


def upgrade() -> None:
    # A report no longer joins claims by their last event: each goal's version valid at
    # as_of is its record then, the current one included (valid_to NULL).
    op.drop_index("ix_claims_last_event_at", table_name="claims")
    op.drop_index("ix_goal_versions_due", table_name="goal_versions")
    op.drop_index("ix_goal_versions_ended", table_name="goal_versions")
    op.create_index(
        "ix_goal_versions_due_valid", "goal_versions", ["due_at", "valid_from", "valid_to"]
    )
    op.create_index(
        "ix_goal_versions_ended_valid", "goal_versions", ["ended_at", "valid_from", "valid_to"]
    )
    op.create_index(
        "ix_goal_versions_open",
        "goal_versions",
        OPEN_COLUMNS,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_goal_versions_open", table_name="goal_versions")
    op.drop_index("ix_goal_versions_ended_valid", table_name="goal_versions")
    op.drop_index("ix_goal_versions_due_valid", table_name="goal_versions")
    op.create_index("ix_goal_versions_ended", "goal_versions", ["ended_at"])
    op.create_index("ix_goal_versions_due", "goal_versions", ["due_at"])
    op.create_index("ix_claims_last_event_at", "claims", ["last_event_at"])
