from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

# Passwords are hashed with bcrypt, which takes at most 72 bytes: a longer one cannot be kept.
MAX_PASSWORD_BYTES = 72


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
    """What one user may see of another: no password hash, no role, and the email only where
    the deployment lets them see it (None otherwise)."""

    id: UUID
    name: str
    email: str | None
