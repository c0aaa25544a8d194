"""goal day counts: the goals closed, met, closed late and newly breached per local day, kept
as goals change, so a month's report adds up its days; versions indexed by when they last
changed, and the goals closed late by when they stopped; the index of closed claims' delays
holds every figure a report reads

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

The counts are kept in the report zone of the configuration, which a migration does not
read: `day_counts_zone` starts NULL, reports count goal versions as before, and the first
recomputation of stale claims (`import`, `recompute`, or the running service) builds the
counts from the goals in one pass (store.day_counts.ensure).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOSED_LATE = sa.text("phase = 'stopped' AND ended_at > due_at")
WINDOW = ["valid_from", "valid_to", "channel", "branch_code", "goal_id"]
DELAY_KEY = ["closed_at", "channel", "branch_code"]
DELAY_FIGURES = [
    "wait_us",
    "send_backs",
    "paused_us",
    "clock_us",
    "end_to_end_us",
    "end_to_end_calendar_us",
]


def upgrade() -> None:
    op.create_table(
        "goal_day_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("branch_code", sa.String(length=32), nullable=False),
        sa.Column("goal_id", sa.String(length=64), nullable=False),
        sa.Column("closed", sa.BigInteger(), nullable=False),
        sa.Column("met", sa.BigInteger(), nullable=False),
        sa.Column("new_breaches", sa.BigInteger(), nullable=False),
        sa.Column("closed_late", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel", "branch_code", "goal_id"),
    )
    with op.batch_alter_table("evaluator") as batch:
        batch.add_column(sa.Column("day_counts_zone", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_goal_versions_closed_late",
        "goal_versions",
        ["ended_at", "due_at", *WINDOW, "phase", "claim_id"],
        sqlite_where=CLOSED_LATE,
        postgresql_where=CLOSED_LATE,
    )
    op.create_index(
        "ix_goal_versions_changed",
        "goal_versions",
        [
            sa.text("coalesce(valid_to, valid_from)"),
            *WINDOW,
            "phase",
            "ended_at",
            "due_at",
        ],
    )

    op.drop_index("ix_claim_delays_closed", table_name="claim_delays")
    op.create_index("ix_claim_delays_closed", "claim_delays", [*DELAY_KEY, *DELAY_FIGURES])


def downgrade() -> None:
    op.drop_index("ix_claim_delays_closed", table_name="claim_delays")
    op.create_index("ix_claim_delays_closed", "claim_delays", DELAY_KEY)
    op.drop_index("ix_goal_versions_changed", table_name="goal_versions")
    op.drop_index("ix_goal_versions_closed_late", table_name="goal_versions")
    with op.batch_alter_table("evaluator") as batch:
        batch.drop_column("day_counts_zone")
    op.drop_table("goal_day_counts")
