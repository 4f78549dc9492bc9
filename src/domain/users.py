from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    TEACHER = "teacher"
    STUDENT = "student"


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is calling, as proven by a valid token."""

    user_id: UUID
    role: Role


@dataclass(slots=True)
class User:
    id: UUID
    name: str
    email: str
    password_hash: str
    role: Role


@dataclass(frozen=True, slots=True)
class UserSummary:
    """What one user may see of another: no email-independent secrets, no hash."""

    id: UUID
    name: str
    email: str
