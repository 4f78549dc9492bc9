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


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """A page of a class's history: the rows of `sessions` whole sessions, oldest first.
    `after` names the page's last session (when it started, its id) for the next page; None
    when there is no more."""

    rows: list[HistoryRow]
    after: tuple[datetime, UUID] | None
    sessions: int
