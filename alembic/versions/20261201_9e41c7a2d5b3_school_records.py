"""school records: late and excused, corrections with their trail, archived classes

Revision ID: 9e41c7a2d5b3
Revises: 7d3b2c41e8f0
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "9e41c7a2d5b3"
down_revision: str | None = "7d3b2c41e8f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "('present', 'absent', 'late', 'excused')"
TWO_STATUSES = "('present', 'absent')"


def upgrade() -> None:
    op.add_column(
        "classes",
        sa.Column(
            "extra_statuses",
            postgresql.ARRAY(sa.String()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
    )
    op.add_column(
        "classes",
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("attendance", sa.Column("corrected_status", sa.String(), nullable=True))
    for table in ("attendance", "attendance_marks"):
        op.drop_constraint(op.f(f"ck_{table}_status"), table, type_="check")
        op.create_check_constraint(op.f(f"ck_{table}_status"), table, f"status IN {STATUSES}")
    op.create_check_constraint(
        op.f("ck_attendance_corrected_status"), "attendance", f"corrected_status IN {STATUSES}"
    )
    op.create_table(
        "attendance_corrections",
        sa.Column("class_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("session_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("student_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("from_status", sa.String(), nullable=False),
        sa.Column("to_status", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("corrected_by", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column(
            "corrected_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        ),
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            f"from_status IN {STATUSES}", name=op.f("ck_attendance_corrections_from_status")
        ),
        sa.CheckConstraint(
            f"to_status IN {STATUSES}", name=op.f("ck_attendance_corrections_to_status")
        ),
        sa.ForeignKeyConstraint(
            ["class_id"], ["classes.id"],
            name=op.f("fk_attendance_corrections_class_id_classes"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["attendance_sessions.id"],
            name=op.f("fk_attendance_corrections_session_id_attendance_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["users.id"],
            name=op.f("fk_attendance_corrections_student_id_users"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["corrected_by"], ["users.id"],
            name=op.f("fk_attendance_corrections_corrected_by_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_corrections")),
    )  # fmt: skip
    op.create_index(
        "ix_attendance_corrections_class",
        "attendance_corrections",
        ["class_id", "corrected_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_attendance_corrections_class", table_name="attendance_corrections")
    op.drop_table("attendance_corrections")
    op.drop_constraint(op.f("ck_attendance_corrected_status"), "attendance", type_="check")
    for table in ("attendance", "attendance_marks"):
        op.drop_constraint(op.f(f"ck_{table}_status"), table, type_="check")
        op.create_check_constraint(op.f(f"ck_{table}_status"), table, f"status IN {TWO_STATUSES}")
    op.drop_column("attendance", "corrected_status")
    op.drop_column("classes", "archived")
    op.drop_column("classes", "extra_statuses")
