"""live protocol v2: broadcast numbers, private marks, self check-in

Revision ID: 7d3b2c41e8f0
Revises: 1c5e0f3a9b7d
Create Date: 2026-12-01 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d3b2c41e8f0"
down_revision: str | None = "1c5e0f3a9b7d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    false = sa.text("false")
    op.add_column(
        "classes", sa.Column("live_seq", sa.BigInteger(), server_default="0", nullable=False)
    )
    op.add_column(
        "classes", sa.Column("private_marks", sa.Boolean(), server_default=false, nullable=False)
    )
    op.add_column(
        "attendance_sessions",
        sa.Column("check_in_open", sa.Boolean(), server_default=false, nullable=False),
    )
    op.add_column(
        "attendance_sessions", sa.Column("check_in_secret", sa.LargeBinary(), nullable=True)
    )
    op.add_column(
        "attendance_marks",
        sa.Column("checked_in", sa.Boolean(), server_default=false, nullable=False),
    )


def downgrade() -> None:
    op.drop_column("attendance_marks", "checked_in")
    op.drop_column("attendance_sessions", "check_in_secret")
    op.drop_column("attendance_sessions", "check_in_open")
    op.drop_column("classes", "private_marks")
    op.drop_column("classes", "live_seq")
