"""account lifecycle: deactivation, and from when an account's tokens work

Revision ID: 2ea387c0a43c
Revises: aaaddda75690
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

import advanced_alchemy.types  # column types of the models
import sqlalchemy as sa
from alembic import op

revision: str = "2ea387c0a43c"
down_revision: str | None = "aaaddda75690"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column(
            "deactivated_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
    )
    op.add_column(
        "users",
        sa.Column(
            "tokens_valid_from",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
    )
    op.create_index(
        op.f("ix_users_tokens_valid_from"), "users", ["tokens_valid_from"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_users_tokens_valid_from"), table_name="users")
    op.drop_column("users", "tokens_valid_from")
    op.drop_column("users", "deactivated_at")
