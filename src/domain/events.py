"""What happens in a live session that the class must hear about."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.statuses import AttendanceStatus, AttendanceSummary
from domain.users import TokensRevoked


@dataclass(frozen=True, slots=True)
class AttendanceMarked:
    student_id: UUID
    status: AttendanceStatus
    checked_in: bool = False  # the student checked in with the code; else the teacher marked


@dataclass(frozen=True, slots=True)
class SummaryShared:
    summary: AttendanceSummary


@dataclass(frozen=True, slots=True)
class AttendanceFinished:
    summary: AttendanceSummary
    session_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class SessionStarted:
    session_id: UUID
    started_at: datetime


@dataclass(frozen=True, slots=True)
class CheckInChanged:
    """The teacher opened or closed self check-in for the live session."""

    session_id: UUID
    open: bool


@dataclass(frozen=True, slots=True)
class ClassUpdated:
    """The teacher changed the class (renamed, archived or unarchived it, or changed its
    options): what it is now, whole, so the last one heard is all a client needs."""

    class_name: str
    archived: bool
    private_marks: bool
    statuses: tuple[AttendanceStatus, ...]


ClassEvent = (
    AttendanceMarked
    | SummaryShared
    | AttendanceFinished
    | SessionStarted
    | CheckInChanged
    | ClassUpdated
)


@dataclass(frozen=True, slots=True)
class ClassBroadcast:
    """An event for the class: its teacher and its enrolled students, or only `audience` when
    given (a private mark). `seq` numbers the class's broadcasts, 1, 2, 3, ... in the order
    they were committed; None for one replayed after the event bus was away."""

    class_id: UUID
    event: ClassEvent
    seq: int | None = None
    audience: frozenset[UUID] | None = None


@dataclass(frozen=True, slots=True)
class ClassJoined:
    """A user became one of a class's people (its teacher when it is created, a student when
    enrolled): from now on they hear its broadcasts."""

    class_id: UUID
    user_id: UUID


@dataclass(frozen=True, slots=True)
class ClassLeft:
    """A user stopped being one of a class's people (a student taken off its roster, the
    teacher of a class handed to another): from now on they hear none of it."""

    class_id: UUID
    user_id: UUID


@dataclass(frozen=True, slots=True)
class AttendanceCorrected:
    """A finished session's record of a student was corrected: only that student and the
    class's teacher hear it (a correction is always private), and only while they hear the
    class."""

    class_id: UUID
    session_id: UUID
    student_id: UUID
    status: AttendanceStatus
    teacher_id: UUID


@dataclass(frozen=True, slots=True)
class StatesRequested:
    """Every live client should be sent the state of its classes afresh (the event bus was
    away, so broadcasts may have been missed). Never crosses processes."""


LiveMessage = (
    ClassBroadcast
    | ClassJoined
    | ClassLeft
    | AttendanceCorrected
    | StatesRequested
    | TokensRevoked  # an account's (domain/users.py)
)
