"""What a live client is shown when it connects or asks again: for each of its classes, the
number of the class's latest broadcast and its live session, if any, with the marks the client
may see."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.statuses import BASIC_STATUSES, AttendanceStatus


@dataclass(frozen=True, slots=True)
class LiveMark:
    student_id: UUID
    status: AttendanceStatus
    checked_in: bool


@dataclass(frozen=True, slots=True)
class LiveSessionState:
    id: UUID
    started_at: datetime
    check_in_open: bool
    marks: list[LiveMark]  # every mark for the teacher; a student's own only for a student


@dataclass(frozen=True, slots=True)
class ClassLiveState:
    class_id: UUID
    seq: int  # broadcasts numbered up to this one are reflected here
    private_marks: bool
    session: LiveSessionState | None
    statuses: tuple[AttendanceStatus, ...] = BASIC_STATUSES  # the marks the class allows
    archived: bool = False
    class_name: str = ""
