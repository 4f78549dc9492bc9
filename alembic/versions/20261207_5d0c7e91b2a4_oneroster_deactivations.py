"""OneRoster deactivations: when a sync deactivated an account (a later sync reactivates only
those)

Revision ID: 5d0c7e91b2a4
Revises: 2ea387c0a43c
Create Date: 2026-12-07 16:00:00.000000
"""

from collections.abc import Sequence

import advanced_alchemy.types  # column types of the models
import sqlalchemy as sa
from alembic import op

revision: str = "5d0c7e91b2a4"
down_revision: str | None = "2ea387c0a43c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "oneroster_users",
        sa.Column(
            "deactivated_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("oneroster_users", "deactivated_at")
