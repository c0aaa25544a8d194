"""drop claims.last_event_at: nothing reads it, and a claim is no longer rewritten for
events that change none of its goals, so it would not stay true

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain DROP COLUMN, which SQLite has since 3.35 (the column has no index or
    # constraint), rather than a batch copy of the whole table.
    op.drop_column("claims", "last_event_at")


def downgrade() -> None:
    # NOT NULL needs a default to be added; every row then gets its true value from events.
    op.add_column(
        "claims",
        sa.Column(
            "last_event_at",
            sa.DateTime(timezone=False),
            nullable=False,
            server_default=sa.text("'1970-01-01 00:00:00'"),
        ),
    )
    op.execute(
        "UPDATE claims SET last_event_at = COALESCE("
        "(SELECT max(events.occurred_at) FROM events WHERE events.claim_id = claims.claim_id), "
        "claims.submitted_at)"
    )
