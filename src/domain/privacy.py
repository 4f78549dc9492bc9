"""Privacy requests and retention: what the service holds about one person (an
administrator's export), what erasing a person leaves, and how long records are kept."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.account_links import LinkPurpose
from domain.corrections import Correction
from domain.statuses import AttendanceStatus
from domain.users import Role

# What an erased account is called from then on: its records stay in the class statistics,
# under a name that identifies nobody.
ERASED_NAME = "Erased user"
# The email of an erased account: a reserved domain (RFC 2606's .invalid) that no mail can
# reach, with a random part so the unique-email index keeps holding and the old email is free.
ERASED_EMAIL_DOMAIN = "erased.invalid"


def erased_email(random_part: str) -> str:
    return f"erased-{random_part}@{ERASED_EMAIL_DOMAIN}"


def retention_cutoff(now: datetime, years: int) -> datetime:
    """The same moment `years` years before `now` (29 February falls back to the 28th):
    sessions that started before it are past retention; one that started at it is kept."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February, in a year that has none
        return now.replace(year=now.year - years, day=28)


@dataclass(frozen=True, slots=True)
class Erasure:
    """An erased account: when it was erased (the first time, however often it is asked)."""

    user_id: UUID
    erased_at: datetime


@dataclass(frozen=True, slots=True)
class Retained:
    """What applying retention deleted: sessions older than the cut-off and what hung on them."""

    cutoff: datetime
    sessions: int
    records: int
    marks: int
    corrections: int


@dataclass(frozen=True, slots=True)
class AccountData:
    id: UUID
    name: str
    email: str
    role: Role
    password_set: bool  # never the hash itself
    erased_at: datetime | None
    deactivated_at: datetime | None = None
    tokens_valid_from: datetime | None = None  # its tokens issued before were revoked


@dataclass(frozen=True, slots=True)
class ClassData:
    id: UUID
    class_name: str
    teacher_id: UUID
    archived: bool
    students: int  # how many are enrolled (not who: that is about them)


@dataclass(frozen=True, slots=True)
class RecordData:
    """A record about the person: their status in one finished session."""

    session_id: UUID
    class_id: UUID
    class_name: str
    started_at: datetime
    ended_at: datetime
    status: AttendanceStatus  # as corrected, if it was
    original_status: AttendanceStatus


@dataclass(frozen=True, slots=True)
class SessionData:
    """A session of a class the person teaches (held by them)."""

    session_id: UUID
    class_id: UUID
    started_at: datetime
    ended_at: datetime | None  # None while it is live


@dataclass(frozen=True, slots=True)
class MarkData:
    """A mark about the person in a live session (a check-in when they made it themselves)."""

    session_id: UUID
    class_id: UUID
    status: AttendanceStatus
    checked_in: bool
    marked_at: datetime


@dataclass(frozen=True, slots=True)
class LinkData:
    """A one-time link for the account (never its token, nor the token's digest)."""

    purpose: LinkPurpose
    expires_at: datetime
    used_at: datetime | None
    # For an invitation: the class it enrols them in and who invited them (ids only).
    invited_to: UUID | None = None
    invited_by: UUID | None = None


@dataclass(frozen=True, slots=True)
class CounterData:
    """An attempt counter about the person: its key names their email (and the address or
    device the attempts came from) or, for check-ins, their id."""

    key: str
    hits: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything the service holds about one person."""

    account: AccountData
    classes_taught: list[ClassData]
    classes_enrolled: list[ClassData]
    records: list[RecordData]
    sessions_held: list[SessionData]
    live_marks: list[MarkData]
    corrections_about: list[Correction]
    corrections_made: list[Correction]
    account_links: list[LinkData]
    attempt_counters: list[CounterData]
    # The ids a student information system gives them (OneRoster sourcedIds).
    sourced_ids: list[str]
