"""What happens in a live session that the class must hear about."""

from dataclasses import dataclass
from uuid import UUID

from domain.statuses import AttendanceStatus, AttendanceSummary


@dataclass(frozen=True, slots=True)
class AttendanceMarked:
    student_id: UUID
    status: AttendanceStatus


@dataclass(frozen=True, slots=True)
class SummaryShared:
    summary: AttendanceSummary


@dataclass(frozen=True, slots=True)
class AttendanceFinished:
    summary: AttendanceSummary


ClassEvent = AttendanceMarked | SummaryShared | AttendanceFinished


@dataclass(frozen=True, slots=True)
class ClassBroadcast:
    """An event for everyone in the class: its teacher and its enrolled students."""

    class_id: UUID
    event: ClassEvent


@dataclass(frozen=True, slots=True)
class ClassJoined:
    """A user became one of a class's people (its teacher when it is created, a student when
    enrolled): from now on they hear its broadcasts."""

    class_id: UUID
    user_id: UUID


LiveMessage = ClassBroadcast | ClassJoined
