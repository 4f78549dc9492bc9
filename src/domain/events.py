"""What happens in a live session that the class must hear about."""

from dataclasses import dataclass
from uuid import UUID

from domain.attendance import AttendanceStatus, AttendanceSummary


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
    """An event for everyone in a class: its teacher and its enrolled students."""

    class_id: UUID
    audience: frozenset[UUID]
    event: ClassEvent
