"""claim delays: each claim's wait before its SLA clock, its send-backs, the time its clock
spent paused and its end-to-end time, so reports count them per group

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    instant = sa.DateTime(timezone=False)
    op.create_table(
        "claim_delays",
        sa.Column("claim_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("branch_code", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", instant, nullable=False),
        sa.Column("first_complete_at", instant, nullable=True),
        sa.Column("wait_us", sa.BigInteger(), nullable=True),
        sa.Column("send_backs", sa.Integer(), nullable=False),
        sa.Column("paused_us", sa.BigInteger(), nullable=False),
        sa.Column("clock_us", sa.BigInteger(), nullable=True),
        sa.Column("closed_at", instant, nullable=True),
        sa.Column("end_to_end_us", sa.BigInteger(), nullable=True),
        sa.Column("end_to_end_calendar_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("claim_id"),
    )
    op.create_index(
        "ix_claim_delays_closed", "claim_delays", ["closed_at", "channel", "branch_code"]
    )
    # The figures need each claim's events replayed in its calendar, which SQL cannot do:
    # every stored claim is marked stale, and the first `recompute --stale` (or the running
    # service's) writes them all, as 0004 did for goal versions.
    op.execute(sa.text("UPDATE claims SET stale = :yes").bindparams(yes=True))


def downgrade() -> None:
    op.drop_index("ix_claim_delays_closed", table_name="claim_delays")
    op.drop_table("claim_delays")
