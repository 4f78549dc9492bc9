"""The shapes shared by the write side (repositories) and the read side (views): rows as
domain objects, and who belongs to a class in SQL (the domain's Classroom.is_visible_to)."""

from uuid import UUID

import asyncpg

from domain.attendance import AttendanceRecord
from domain.classrooms import Classroom
from domain.corrections import Correction
from domain.statuses import AttendanceStatus, counts_late_and_excused
from domain.users import NO_PASSWORD, Identity, Role, TokenStanding, User

USER_COLUMNS = "id, name, email, password, role, deactivated_at, tokens_valid_from"

# A user's AccountStatus (the domain's User.status), as SQL.
ACCOUNT_STATUS = (
    "CASE WHEN deactivated_at IS NOT NULL THEN 'deactivated'"
    f" WHEN password = '{NO_PASSWORD}' THEN 'invited' ELSE 'active' END"
)


def user_from(row: asyncpg.Record) -> User:
    return User(
        id=row["id"],
        name=row["name"],
        email=row["email"],
        password_hash=row["password"],
        role=Role(row["role"]),
        deactivated_at=row["deactivated_at"],
        tokens_valid_from=row["tokens_valid_from"],
    )


def standing_from(row: asyncpg.Record) -> TokenStanding:
    """From a row's role, deactivated_at and tokens_valid_from."""
    return TokenStanding(Role(row["role"]), row["deactivated_at"] is None, row["tokens_valid_from"])


def classroom_from(row: asyncpg.Record) -> Classroom:
    return Classroom(
        id=row["id"],
        class_name=row["class_name"],
        teacher_id=row["teacher_id"],
        student_ids=list(row["student_ids"]),
        private_marks=row["private_marks"],
        extra_statuses=tuple(AttendanceStatus(status) for status in row["extra_statuses"]),
        archived=row["archived"],
    )


def membership(member: Identity) -> str:
    """Classes the teacher owns, or the student is enrolled in ($1 is the user's id)."""
    if member.role is Role.TEACHER:
        return "c.teacher_id = $1"
    if member.role is Role.ADMIN:  # belongs to no class (keeps $1 for the statement's shape)
        return "(false AND c.teacher_id = $1)"
    return "c.student_ids @> ARRAY[$1::uuid]"


# A record's status as history and reports show it: the latest correction's, else the original.
CURRENT_STATUS = "COALESCE(corrected_status, status)"


def record_from(row: asyncpg.Record, class_id: UUID) -> AttendanceRecord:
    return AttendanceRecord(
        row["session_id"],
        class_id,
        row["student_id"],
        AttendanceStatus(row["status"]),
        row["corrected"],
    )


def is_detailed(extra_statuses: list[str], records: list[AttendanceRecord]) -> bool:
    """The domain's rule (counts_late_and_excused) for a stored finished session."""
    return counts_late_and_excused(
        [AttendanceStatus(s) for s in extra_statuses], (r.status for r in records)
    )


def correction_from(row: asyncpg.Record) -> Correction:
    return Correction(
        class_id=row["class_id"],
        session_id=row["session_id"],
        student_id=row["student_id"],
        from_status=AttendanceStatus(row["from_status"]),
        to_status=AttendanceStatus(row["to_status"]),
        note=row["note"],
        corrected_by=row["corrected_by"],
        corrected_at=row["corrected_at"],
    )
