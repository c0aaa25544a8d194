"""drop the indexes no query reads: every import and every batch paid to keep them

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Reports read goal versions (0004, 0006) and evaluations the partial indexes of open goals
# and unrecorded breaches (0002, 0005); nothing looks claims up by channel or branch, or
# goals by due_at, ended_at or phase, any more.
UNREAD = {
    "claims": {"ix_claims_channel": ["channel"], "ix_claims_branch_code": ["branch_code"]},
    "claim_goals": {
        "ix_claim_goals_phase_due": ["phase", "due_at"],
        "ix_claim_goals_ended": ["ended_at"],
        "ix_claim_goals_due": ["due_at"],
    },
}


def upgrade() -> None:
    for table, indexes in UNREAD.items():
        for name in indexes:
            op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, indexes in UNREAD.items():
        for name, columns in indexes.items():
            op.create_index(name, table, columns)
