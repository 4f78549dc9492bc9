"""OneRoster sourcedIds: which account and which class each one names

Revision ID: aaaddda75690
Revises: f76db5e6c73a
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "aaaddda75690"
down_revision: str | None = "f76db5e6c73a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oneroster_users",
        sa.Column("sourced_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oneroster_users_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sourced_id", name=op.f("pk_oneroster_users")),
        sa.UniqueConstraint("user_id", name=op.f("uq_oneroster_users_user_id")),
    )
    op.create_table(
        "oneroster_classes",
        sa.Column("sourced_id", sa.String(), nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name=op.f("fk_oneroster_classes_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sourced_id", name=op.f("pk_oneroster_classes")),
        sa.UniqueConstraint("class_id", name=op.f("uq_oneroster_classes_class_id")),
    )


def downgrade() -> None:
    op.drop_table("oneroster_classes")
    op.drop_table("oneroster_users")
