"""breach records: an evaluation records the breaches time made by inserting a row each,
instead of updating the goals' rows (every index of open goals held them)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

Across a deadline midnight an evaluation records tens of thousands of breaches at once. As
an UPDATE of `claim_goals.breach_recorded_at` each rewrote a goal row and its entries in
every index of the table (the column is in the condition of the partial indexes of open
goals, so PostgreSQL could not update the row in place). A row of `goal_breach_records` is a
narrow insert; the next rewrite of the claim's goals folds it into the goal row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "goal_breach_records",
        sa.Column("claim_id", sa.String(length=64), nullable=False),
        sa.Column("goal_id", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=False), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", "goal_id"),
    )


def downgrade() -> None:
    # Back into the goal rows, where the earlier code looks for them.
    op.execute(
        "UPDATE claim_goals SET breach_recorded_at = (SELECT r.recorded_at FROM "
        "goal_breach_records r WHERE r.claim_id = claim_goals.claim_id AND "
        "r.goal_id = claim_goals.goal_id) WHERE breach_recorded_at IS NULL AND EXISTS "
        "(SELECT 1 FROM goal_breach_records r WHERE r.claim_id = claim_goals.claim_id AND "
        "r.goal_id = claim_goals.goal_id)"
    )
    op.drop_table("goal_breach_records")
