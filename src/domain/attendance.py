from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain.classrooms import Classroom
from domain.errors import NoActiveSession, StudentNotFound
from domain.events import (
    AttendanceFinished,
    AttendanceMarked,
    ClassBroadcast,
    ClassEvent,
    LiveMessage,
    SummaryShared,
)
from domain.statuses import AttendanceStatus, AttendanceSummary


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    """One student's final status in one finished session."""

    session_id: UUID
    class_id: UUID
    student_id: UUID
    status: AttendanceStatus


@dataclass(frozen=True, slots=True)
class FinishedSession:
    id: UUID
    class_id: UUID
    started_at: datetime
    ended_at: datetime
    records: list[AttendanceRecord]

    @property
    def summary(self) -> AttendanceSummary:
        return AttendanceSummary.of([record.status for record in self.records])


@dataclass(slots=True)
class AttendanceSession:
    """The live attendance of one class: opened by its teacher, marked student by student,
    finished once. Every rule about marks lives here. What happens is recorded in `events`,
    for the class to hear once it is committed."""

    id: UUID
    class_id: UUID
    teacher_id: UUID
    roster: frozenset[UUID]
    started_at: datetime
    marks: dict[UUID, AttendanceStatus] = field(default_factory=dict)
    ended_at: datetime | None = None
    events: list[LiveMessage] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def open(cls, session_id: UUID, classroom: Classroom, at: datetime) -> "AttendanceSession":
        return cls(
            id=session_id,
            class_id=classroom.id,
            teacher_id=classroom.teacher_id,
            roster=frozenset(classroom.student_ids),
            started_at=at,
        )

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def mark(self, student_id: UUID, status: AttendanceStatus) -> None:
        """Records a student's status; marking again overwrites."""
        self._ensure_active()
        if student_id not in self.roster:
            raise StudentNotFound(student_id)
        self.marks[student_id] = status
        self._record(AttendanceMarked(student_id, status))

    def status_of(self, student_id: UUID) -> AttendanceStatus | None:
        return self.marks.get(student_id)

    def summary(self) -> AttendanceSummary:
        """Counts the students marked so far."""
        return AttendanceSummary.of(list(self.marks.values()))

    def share_summary(self) -> AttendanceSummary:
        """The summary so far, for the whole class to hear."""
        summary = self.summary()
        self._record(SummaryShared(summary))
        return summary

    def finish(self, at: datetime) -> FinishedSession:
        """Closes the session: every enrolled student left unmarked is absent."""
        self._ensure_active()
        self.ended_at = at
        for student_id in self.roster:
            self.marks.setdefault(student_id, AttendanceStatus.ABSENT)
        records = [
            AttendanceRecord(self.id, self.class_id, student_id, status)
            for student_id, status in self.marks.items()
        ]
        finished = FinishedSession(self.id, self.class_id, self.started_at, at, records)
        self._record(AttendanceFinished(finished.summary))
        return finished

    def _record(self, event: ClassEvent) -> None:
        self.events.append(ClassBroadcast(self.class_id, event))

    def _ensure_active(self) -> None:
        if not self.is_active:
            raise NoActiveSession(self.class_id)
