"""The shapes shared by the write side (repositories) and the read side (views): rows as
domain objects, and who belongs to a class in SQL (the domain's Classroom.is_visible_to)."""

import asyncpg

from domain.classrooms import Classroom
from domain.users import Identity, Role, User

USER_COLUMNS = "id, name, email, password, role"


def user_from(row: asyncpg.Record) -> User:
    return User(
        id=row["id"],
        name=row["name"],
        email=row["email"],
        password_hash=row["password"],
        role=Role(row["role"]),
    )


def classroom_from(row: asyncpg.Record) -> Classroom:
    return Classroom(
        id=row["id"],
        class_name=row["class_name"],
        teacher_id=row["teacher_id"],
        student_ids=list(row["student_ids"]),
        private_marks=row["private_marks"],
    )


def membership(member: Identity) -> str:
    """Classes the teacher owns, or the student is enrolled in ($1 is the user's id)."""
    if member.role is Role.TEACHER:
        return "c.teacher_id = $1"
    return "c.student_ids @> ARRAY[$1::uuid]"
