"""invitations

Revision ID: 7a595a386300
Revises: 3f6b1d2c8a90
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

import advanced_alchemy.types  # column types of the models
import sqlalchemy as sa
from alembic import op

revision: str = "7a595a386300"
down_revision: str | None = "3f6b1d2c8a90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("digest", sa.LargeBinary(), nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=True),
        sa.Column("invited_by", sa.Uuid(), nullable=True),
        sa.Column(
            "invited_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["digest"],
            ["account_links.digest"],
            name=op.f("fk_invitations_digest_account_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name=op.f("fk_invitations_class_id_classes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_invitations_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_invitations")),
    )
    op.create_index(op.f("ix_invitations_invited_at"), "invitations", ["invited_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_invitations_invited_at"), table_name="invitations")
    op.drop_table("invitations")
