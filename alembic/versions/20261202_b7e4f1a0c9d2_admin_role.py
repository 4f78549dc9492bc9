"""admin role: a school administrator, beside teacher and student

Revision ID: b7e4f1a0c9d2
Revises: 9e41c7a2d5b3
Create Date: 2026-12-02 12:00:00

Downgrading refuses (the check constraint fails) while an administrator exists: give them
another role first.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b7e4f1a0c9d2"
down_revision: str | None = "9e41c7a2d5b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

THREE_ROLES = "('teacher', 'student', 'admin')"
TWO_ROLES = "('teacher', 'student')"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role"), "users", f"role IN {THREE_ROLES}")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role"), "users", f"role IN {TWO_ROLES}")
