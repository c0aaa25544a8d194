"""open goal counts kept current: goals indexed by deadline and by at-risk instant; the
index of unrecorded breaches holds open goals only

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

An evaluation no longer counts every open goal: goal rewrites keep `open_goal_counts`
current at the evaluator's `counted_at`, and an evaluation reads only the goals whose
deadline or at-risk instant passed since (store.open_counts). `counted_at` starts NULL, so
the first evaluation after this upgrade counts in full. The evaluator row is created here,
so that a rewrite always has a row to hold while it changes the counts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("phase IN ('running', 'paused')")
RUNNING = sa.text("phase = 'running'")
UNRECORDED = sa.text("breach_recorded_at IS NULL")
UNRECORDED_OPEN = sa.text("breach_recorded_at IS NULL AND phase IN ('running', 'paused')")


def upgrade() -> None:
    with op.batch_alter_table("evaluator") as batch:
        batch.add_column(sa.Column("counted_at", sa.DateTime(timezone=False), nullable=True))
    op.execute(
        "INSERT INTO evaluator (name) SELECT 'evaluation' "
        "WHERE NOT EXISTS (SELECT 1 FROM evaluator WHERE name = 'evaluation')"
    )
    op.drop_index("ix_claim_goals_open", table_name="claim_goals")
    op.create_index(
        "ix_claim_goals_open_due",
        "claim_goals",
        ["due_at", "channel", "goal_id", "branch_code", "phase", "at_risk_at"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index(
        "ix_claim_goals_running_at_risk",
        "claim_goals",
        ["at_risk_at", "channel", "goal_id", "branch_code", "due_at"],
        sqlite_where=RUNNING,
        postgresql_where=RUNNING,
    )
    # Goals closed in time keep a NULL breach forever: the old index of unrecorded breaches
    # held every one of them, and each evaluation read those past their deadline.
    op.drop_index("ix_claim_goals_unrecorded_breach", table_name="claim_goals")
    op.create_index(
        "ix_claim_goals_open_unrecorded",
        "claim_goals",
        ["due_at"],
        sqlite_where=UNRECORDED_OPEN,
        postgresql_where=UNRECORDED_OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_claim_goals_open_unrecorded", table_name="claim_goals")
    op.create_index(
        "ix_claim_goals_unrecorded_breach",
        "claim_goals",
        ["due_at"],
        sqlite_where=UNRECORDED,
        postgresql_where=UNRECORDED,
    )
    op.drop_index("ix_claim_goals_running_at_risk", table_name="claim_goals")
    op.drop_index("ix_claim_goals_open_due", table_name="claim_goals")
    op.create_index(
        "ix_claim_goals_open",
        "claim_goals",
        ["channel", "goal_id", "branch_code", "phase", "due_at", "at_risk_at"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    with op.batch_alter_table("evaluator") as batch:
        batch.drop_column("counted_at")
