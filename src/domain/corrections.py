"""Corrections of finished sessions. A record keeps the status it had when the session ended;
each correction is a new entry in the class's audit trail (who, when, from, to, why), and the
latest one is the status history and reports show."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.attendance import AttendanceRecord
from domain.classrooms import Classroom
from domain.errors import StatusNotAllowed
from domain.statuses import AttendanceStatus

MAX_NOTE_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Correction:
    class_id: UUID
    session_id: UUID
    student_id: UUID
    from_status: AttendanceStatus
    to_status: AttendanceStatus
    note: str | None
    corrected_by: UUID
    corrected_at: datetime


def correct(
    record: AttendanceRecord,
    classroom: Classroom,
    status: AttendanceStatus,
    *,
    note: str | None,
    by: UUID,
    at: datetime,
) -> Correction:
    """The correction of one student's status in a finished session of the class."""
    if status not in classroom.statuses:
        raise StatusNotAllowed(status)
    return Correction(
        class_id=record.class_id,
        session_id=record.session_id,
        student_id=record.student_id,
        from_status=record.status,
        to_status=status,
        note=note or None,
        corrected_by=by,
        corrected_at=at,
    )
