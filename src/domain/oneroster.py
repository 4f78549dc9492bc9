"""OneRoster 1.1 and 1.2 CSV bundles (1EdTech): the zip a student information system (SIS)
exports, read into the records a sync needs (docs/imports.md lists the files and columns, and
where the list comes from). The records hold the cells as written (trimmed); what they mean is
decided by the sync (domain/oneroster_sync.py)."""

from dataclasses import dataclass, field
from enum import StrEnum

SUPPORTED_VERSIONS = ("1.1", "1.2")
MAX_SOURCED_ID_LENGTH = 255

USERS_FILE = "users.csv"
CLASSES_FILE = "classes.csv"
ENROLLMENTS_FILE = "enrollments.csv"


class FileMode(StrEnum):
    """What the manifest says of a file: the whole truth, changes only, or not sent."""

    BULK = "bulk"
    DELTA = "delta"
    ABSENT = "absent"


class RecordStatus(StrEnum):
    ACTIVE = "active"  # also a blank status (a bulk file's rows may leave it blank)
    INACTIVE = "inactive"
    TO_BE_DELETED = "tobedeleted"


def record_status(text: str) -> RecordStatus | None:
    """The status a cell names (any letter case, blank is active); None for anything else."""
    if not text:
        return RecordStatus.ACTIVE
    try:
        return RecordStatus(text.lower())
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class OneRosterUser:
    line: int
    sourced_id: str
    status: str
    enabled_user: str  # "true" or "false"
    roles: tuple[str, ...]  # users.csv's role (1.1), or roles.csv's (1.2), the primary first
    given_name: str
    family_name: str
    email: str
    username: str
    preferred_given_name: str = ""  # 1.2
    preferred_family_name: str = ""  # 1.2


@dataclass(frozen=True, slots=True)
class OneRosterClass:
    line: int
    sourced_id: str
    status: str
    title: str


@dataclass(frozen=True, slots=True)
class OneRosterEnrollment:
    line: int
    sourced_id: str
    status: str
    class_sourced_id: str
    user_sourced_id: str
    role: str
    primary: str  # "true" marks a class's main teacher


@dataclass(frozen=True, slots=True)
class OneRosterBundle:
    version: str
    users: list[OneRosterUser] = field(default_factory=list)
    classes: list[OneRosterClass] = field(default_factory=list)
    enrollments: list[OneRosterEnrollment] = field(default_factory=list)
    modes: dict[str, FileMode] = field(default_factory=dict)  # by file name

    def mode(self, file: str) -> FileMode:
        return self.modes.get(file, FileMode.ABSENT)


class SyncOutcome(StrEnum):
    CREATED = "created"
    LINKED = "linked"  # an existing account, matched by email, now synced by its sourcedId
    UPDATED = "updated"  # renamed, a new email, another teacher
    UNCHANGED = "unchanged"
    ENROLLED = "enrolled"
    REMOVED = "removed"  # taken off the class's roster
    ARCHIVED = "archived"
    DEACTIVATED = "deactivated"  # inactive or gone in the SIS: see OneRosterSync
    REACTIVATED = "reactivated"  # active in the SIS again, after a sync deactivated it
    SKIPPED = "skipped"  # not for this service (a parent, an aide; inactive and new)
    REFUSED = "refused"


class SyncProblem(StrEnum):
    """Why a row is refused, or skipped, or what a change not from a row stands for."""

    MISSING_SOURCED_ID = "missing-sourced-id"
    SOURCED_ID_TOO_LONG = "sourced-id-too-long"
    DUPLICATE = "duplicate"
    BAD_STATUS = "bad-status"
    MISSING_ROLE = "missing-role"
    ROLE_NOT_IMPORTED = "role-not-imported"
    INACTIVE = "inactive"
    MISSING_NAME = "missing-name"
    NAME_TOO_LONG = "name-too-long"
    BAD_NAME = "bad-name"
    MALFORMED_EMAIL = "malformed-email"
    EMAIL_TAKEN = "email-taken"
    ROLE_CONFLICT = "role-conflict"
    BAD_TITLE = "bad-title"
    NO_TEACHER = "no-teacher"
    UNKNOWN_CLASS = "unknown-class"
    UNKNOWN_USER = "unknown-user"
    NOT_PRIMARY_TEACHER = "not-primary-teacher"
    # An account an administrator deactivated (not a sync): a sync does not reactivate it.
    DEACTIVATED_HERE = "deactivated-here"
    ACCOUNT_DEACTIVATED = "account-deactivated"  # a deactivated student is enrolled nowhere
    ABSENT_FROM_BULK = "absent-from-bulk"


@dataclass(frozen=True, slots=True)
class SyncRow:
    """What became of one row (or, with no line, of a record a bulk file left out)."""

    file: str
    line: int | None
    sourced_id: str
    subject: str  # the person's name, the class's title, or "<person> in <class>"
    outcome: SyncOutcome
    problem: SyncProblem | None = None
    earlier_line: int | None = None  # the line a duplicate repeats
