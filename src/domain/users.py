import re
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

# Passwords are hashed with bcrypt, which takes at most 72 bytes: a longer one cannot be kept.
MAX_PASSWORD_BYTES = 72
MAX_NAME_LENGTH = 100
MAX_EMAIL_LENGTH = 254

# zod's email rule (the assignment's), anchored. \Z, not $: $ also matches before a final
# newline.
EMAIL_PATTERN = (
    r"^(?!\.)(?!.*\.\.)[A-Za-z0-9_'+\-.]*[A-Za-z0-9_+\-]"  # local part
    r"@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}\Z"  # domain
)
_EMAIL = re.compile(EMAIL_PATTERN)


def is_valid_email(text: str) -> bool:
    """An email as sign-up takes it."""
    return len(text) <= MAX_EMAIL_LENGTH and _EMAIL.match(text) is not None


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
