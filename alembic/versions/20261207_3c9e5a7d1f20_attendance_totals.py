"""attendance totals per class and student, kept by triggers (issue 27)

A class's whole-history report read 2.5 million records for a class of 5,000 with 500
sessions; it now reads one row per student. The totals are kept by statement-level triggers
on `attendance` rather than by the statements that write records, because:
- every writer is covered from the moment this migration commits: a process still running the
  previous code during a rolling upgrade, the foreign keys' cascades (a session, class or
  user deleted), a fix made by hand in SQL;
- each statement adds exactly what it changed (its transition tables hold the very row
  versions it inserted, updated or deleted), so racing corrections, DONE and retention
  cannot make the totals drift, whatever their interleaving;
- a statement costs one grouped upsert, however many rows it wrote, in one order (by class
  and student), so two writers cannot deadlock on the totals.
The table has no foreign keys: its rows derive from records that have them (a class or user
deleted takes its records, and the triggers take those off the totals, leaving zeros), and
checking them again cost a class's first DONE two lookups per student.
A data-only restore (pg_restore --data-only) must pass --disable-triggers, as for any
trigger; a whole restore creates the triggers after loading the data.

Revision ID: 3c9e5a7d1f20
Revises: faee6b8c56c3
Create Date: 2026-12-07 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c9e5a7d1f20"
down_revision: str | None = "faee6b8c56c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("sessions", "present", "absent", "late", "excused")


def _counted(status: str, n: str) -> str:
    """Each count of COUNTS, as an aggregate of `n` over rows with that `status`."""
    return ", ".join(
        [f"sum({n})"] + [f"sum(CASE WHEN {status} = '{c}' THEN {n} ELSE 0 END)" for c in COUNTS[1:]]
    )


def _add(changes: str) -> str:
    """Adds to the totals what `changes` (class_id, student_id, status, n: +1 or -1) sum to,
    leaving untouched the students whose counts did not move."""
    columns = ", ".join(COUNTS)
    added = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in COUNTS)
    return f"""
        INSERT INTO attendance_totals AS t (class_id, student_id, {columns})
        SELECT * FROM (
            SELECT class_id, student_id, {_counted("status", "n")}
            FROM ({changes}) AS change GROUP BY class_id, student_id
        ) AS delta (class_id, student_id, {columns})
        WHERE ({columns}) <> (0, 0, 0, 0, 0)
        ORDER BY class_id, student_id
        ON CONFLICT (class_id, student_id) DO UPDATE SET {added};"""


def _records(table: str, n: int) -> str:
    return (
        f"SELECT class_id, student_id, COALESCE(corrected_status, status) AS status, {n} AS n"
        f" FROM {table}"
    )


FOLLOW = f"""
CREATE FUNCTION attendance_totals_follow() RETURNS trigger LANGUAGE plpgsql AS $follow$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_add(_records("added", 1))}
    ELSIF TG_OP = 'DELETE' THEN
        {_add(_records("removed", -1))}
    ELSIF TG_OP = 'UPDATE' THEN
        {_add(_records("added", 1) + " UNION ALL " + _records("removed", -1))}
    ELSE
        DELETE FROM attendance_totals;
    END IF;
    RETURN NULL;
END
$follow$"""

TRIGGERS = (
    "CREATE TRIGGER attendance_totals_on_insert AFTER INSERT ON attendance"
    " REFERENCING NEW TABLE AS added"
    " FOR EACH STATEMENT EXECUTE FUNCTION attendance_totals_follow()",
    "CREATE TRIGGER attendance_totals_on_update AFTER UPDATE ON attendance"
    " REFERENCING OLD TABLE AS removed NEW TABLE AS added"
    " FOR EACH STATEMENT EXECUTE FUNCTION attendance_totals_follow()",
    "CREATE TRIGGER attendance_totals_on_delete AFTER DELETE ON attendance"
    " REFERENCING OLD TABLE AS removed"
    " FOR EACH STATEMENT EXECUTE FUNCTION attendance_totals_follow()",
    "CREATE TRIGGER attendance_totals_on_truncate AFTER TRUNCATE ON attendance"
    " FOR EACH STATEMENT EXECUTE FUNCTION attendance_totals_follow()",
)

# The records already there, counted while the triggers' lock keeps writers out (CREATE
# TRIGGER holds it on `attendance` until this migration commits).
BACKFILL = f"""
INSERT INTO attendance_totals (class_id, student_id, {", ".join(COUNTS)})
SELECT class_id, student_id, {_counted("COALESCE(corrected_status, status)", "1")}
FROM attendance GROUP BY class_id, student_id"""


def upgrade() -> None:
    op.create_table(
        "attendance_totals",
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        *(sa.Column(count, sa.Integer(), nullable=False) for count in COUNTS),
        sa.PrimaryKeyConstraint("class_id", "student_id", name=op.f("pk_attendance_totals")),
        postgresql_with={"fillfactor": 50},
    )
    op.execute(FOLLOW)
    for trigger in TRIGGERS:
        op.execute(trigger)
    op.execute(BACKFILL)


def downgrade() -> None:
    for name in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER attendance_totals_on_{name} ON attendance")
    op.execute("DROP FUNCTION attendance_totals_follow()")
    op.drop_table("attendance_totals")
