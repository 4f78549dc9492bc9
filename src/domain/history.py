"""A class's full history, one row per finished session and student (for exports)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.statuses import AttendanceStatus


@dataclass(frozen=True, slots=True)
class HistoryRow:
    session_id: UUID
    started_at: datetime
    ended_at: datetime
    student_id: UUID
    name: str
    email: str
    status: AttendanceStatus  # as corrected, if it was
    original_status: AttendanceStatus  # as the session ended
    corrected: bool
