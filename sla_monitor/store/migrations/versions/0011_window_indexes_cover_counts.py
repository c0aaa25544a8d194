"""a report's window indexes cover what it counts: the goals closed or due in a month are
counted from the index alone, and the breaches it lists are found before a row is read

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VALID = ["valid_from", "valid_to"]
GROUP = ["channel", "branch_code", "goal_id", "phase"]


def upgrade() -> None:
    op.drop_index("ix_goal_versions_due_valid", table_name="goal_versions")
    op.drop_index("ix_goal_versions_ended_valid", table_name="goal_versions")
    op.create_index(
        "ix_goal_versions_due_window", "goal_versions", ["due_at", *VALID, *GROUP, "ended_at"]
    )
    op.create_index(
        "ix_goal_versions_ended_window", "goal_versions", ["ended_at", *VALID, *GROUP, "due_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_goal_versions_ended_window", table_name="goal_versions")
    op.drop_index("ix_goal_versions_due_window", table_name="goal_versions")
    op.create_index("ix_goal_versions_ended_valid", "goal_versions", ["ended_at", *VALID])
    op.create_index("ix_goal_versions_due_valid", "goal_versions", ["due_at", *VALID])
