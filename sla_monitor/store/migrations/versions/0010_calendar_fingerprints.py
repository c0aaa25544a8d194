"""calendar fingerprints: each goal names the calendar dates its deadline was computed in,
so `verify` can say that a calendar changed since, and `calendar diff` which dates

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_fingerprints",
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.Column("calendar_id", sa.String(length=64), nullable=False),
        sa.Column("holidays_version", sa.String(length=32), nullable=False),
        sa.Column("dates", sa.Text(), nullable=False),
        sa.Column("first_used_at", sa.DateTime(timezone=False), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    # Nullable, so no table rewrite: goals written before it say "not recorded" until the
    # next recomputation (`sla-monitor recompute` fills them all).
    op.add_column(
        "claim_goals", sa.Column("calendar_fingerprint", sa.String(length=16), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("claim_goals", "calendar_fingerprint")
    op.drop_table("calendar_fingerprints")
