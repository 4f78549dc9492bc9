"""when each live mark was set

Revision ID: 1c5e0f3a9b7d
Revises: 4a2919dae12a
Create Date: 2026-12-01 08:00:00
"""

from collections.abc import Sequence

import advanced_alchemy.types  # column types of the models
import sqlalchemy as sa
from alembic import op

revision: str = "1c5e0f3a9b7d"
down_revision: str | None = "4a2919dae12a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "attendance_marks",
        sa.Column(
            "marked_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("attendance_marks", "marked_at")
