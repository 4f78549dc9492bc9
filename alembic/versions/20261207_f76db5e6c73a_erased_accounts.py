"""erased accounts

Revision ID: f76db5e6c73a
Revises: 7a595a386300
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

import advanced_alchemy.types  # column types of the models
import sqlalchemy as sa
from alembic import op

revision: str = "f76db5e6c73a"
down_revision: str | None = "7a595a386300"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column(
            "erased_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
    )


def downgrade() -> None:
    op.drop_column("users", "erased_at")
