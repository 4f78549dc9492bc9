"""external identities (single sign-on)

Revision ID: faee6b8c56c3
Revises: 5d0c7e91b2a4
Create Date: 2026-12-07 16:00:00.000000
"""

from collections.abc import Sequence

import advanced_alchemy.types  # column types of the models
import sqlalchemy as sa
from alembic import op

revision: str = "faee6b8c56c3"
down_revision: str | None = "5d0c7e91b2a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "external_identities",
        sa.Column("issuer", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column(
            "linked_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_external_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("issuer", "subject", name=op.f("pk_external_identities")),
        sa.UniqueConstraint("issuer", "user_id", name="uq_external_identities_issuer_user"),
    )
    op.create_index(
        op.f("ix_external_identities_user_id"), "external_identities", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_external_identities_user_id"), table_name="external_identities")
    op.drop_table("external_identities")
