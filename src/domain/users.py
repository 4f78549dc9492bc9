from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

# Passwords are hashed with bcrypt, which takes at most 72 bytes: a longer one cannot be kept.
MAX_PASSWORD_BYTES = 72

# The password hash of an account nobody can log in to with a password yet: made by the
# command line, an invitation or an import, it is used once its holder chose a password
# through a one-time link. No bcrypt hash looks like this, so no password matches it.
NO_PASSWORD = "!"


class Role(StrEnum):
    TEACHER = "teacher"
    STUDENT = "student"
    ADMIN = "admin"  # a school administrator: never chosen at sign-up


# The roles one may choose at sign-up (the assignment's two).
SIGNUP_ROLES = (Role.TEACHER, Role.STUDENT)


class SignupPolicy(StrEnum):
    """Who may sign up by themselves (the SIGNUP setting)."""

    OPEN = "open"  # the assignment's: teachers and students
    STUDENTS = "students"  # teachers join by invitation
    INVITATION = "invitation"  # nobody signs up by themselves


class PasswordLogin(StrEnum):
    """Who may log in with a password (the PASSWORD_LOGIN setting)."""

    EVERYONE = "everyone"
    ADMINS = "admins"  # everyone else signs in with the school's provider (single sign-on)


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


@dataclass(frozen=True, slots=True)
class UserQuery:
    """Which users an administrator lists: of one role (or any), whose name or email starts
    with `search` (any letter case), ordered by name, a page of `limit` from `offset`."""

    role: Role | None = None
    search: str | None = None
    limit: int = 50
    offset: int = 0
