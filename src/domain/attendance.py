from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain import check_in
from domain.classrooms import Classroom
from domain.errors import (
    AlreadyMarkedByTeacher,
    CheckInClosed,
    NoActiveSession,
    NotEnrolledInClass,
    StatusNotAllowed,
    StudentNotFound,
    WrongCheckInCode,
)
from domain.events import (
    AttendanceFinished,
    AttendanceMarked,
    CheckInChanged,
    ClassBroadcast,
    ClassEvent,
    LiveMessage,
    SessionStarted,
    SummaryShared,
)
from domain.statuses import (
    BASIC_STATUSES,
    AttendanceStatus,
    AttendanceSummary,
    counts_late_and_excused,
)


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    """One student's final status in one finished session."""

    session_id: UUID
    class_id: UUID
    student_id: UUID
    status: AttendanceStatus  # as corrected, if it was
    corrected: bool = False


@dataclass(frozen=True, slots=True)
class FinishedSession:
    id: UUID
    class_id: UUID
    started_at: datetime
    ended_at: datetime
    records: list[AttendanceRecord]
    detailed: bool = False  # the class uses late or excused: its summary counts them

    @property
    def summary(self) -> AttendanceSummary:
        return AttendanceSummary.of([record.status for record in self.records], self.detailed)


@dataclass(frozen=True, slots=True)
class MarkCount:
    """A live session's marks of the students enrolled in its class, counted by status: what
    a summary needs, whatever the size of the class (a repository can count where the marks
    are kept)."""

    class_id: UUID
    extra_statuses: frozenset[AttendanceStatus]  # those the class allows
    enrolled_marks: Mapping[AttendanceStatus, int]

    def summary(self) -> AttendanceSummary:
        """Counts the enrolled students marked so far."""
        detailed = counts_late_and_excused(self.extra_statuses, self.enrolled_marks)
        return AttendanceSummary.of_counts(self.enrolled_marks, detailed)

    def shared(self, seq: int) -> ClassBroadcast:
        """The summary, for the whole class to hear as its broadcast number `seq`."""
        return ClassBroadcast(self.class_id, SummaryShared(self.summary()), seq=seq)


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
    checked_in: set[UUID] = field(default_factory=set)  # marks the students made themselves
    ended_at: datetime | None = None
    private_marks: bool = False  # a student hears only their own mark
    extra_statuses: frozenset[AttendanceStatus] = frozenset()  # late, excused, if enabled
    check_in_open: bool = False
    check_in_secret: bytes | None = None
    events: list[LiveMessage] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def open(cls, session_id: UUID, classroom: Classroom, at: datetime) -> "AttendanceSession":
        session = cls(
            id=session_id,
            class_id=classroom.id,
            teacher_id=classroom.teacher_id,
            roster=frozenset(classroom.student_ids),
            started_at=at,
            private_marks=classroom.private_marks,
            extra_statuses=frozenset(classroom.extra_statuses),
        )
        session._record(SessionStarted(session_id, at))
        return session

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def mark(self, student_id: UUID, status: AttendanceStatus) -> None:
        """The teacher records a student's status; marking again overwrites, a check-in too."""
        self._ensure_active()
        if status not in BASIC_STATUSES and status not in self.extra_statuses:
            raise StatusNotAllowed(status)  # checked first: it is part of the payload
        if student_id not in self.roster:
            raise StudentNotFound(student_id)
        self.marks[student_id] = status
        self.checked_in.discard(student_id)
        self._record_mark(AttendanceMarked(student_id, status))

    def open_check_in(self) -> None:
        self._ensure_active()
        if self.check_in_secret is None:
            self.check_in_secret = check_in.new_secret()
        if not self.check_in_open:
            self.check_in_open = True
            self._record(CheckInChanged(self.id, open=True))

    def close_check_in(self) -> None:
        self._ensure_active()
        if self.check_in_open:
            self.check_in_open = False
            self._record(CheckInChanged(self.id, open=False))

    def current_check_in_code(self, at: datetime) -> check_in.CheckInCode | None:
        if not self.check_in_open or self.check_in_secret is None:
            return None
        return check_in.current_code(self.check_in_secret, at)

    def check_in(self, student_id: UUID, code: str, at: datetime) -> bool:
        """A student marks themselves present with the code on the teacher's screen. Returns
        whether anything changed (checking in twice changes nothing)."""
        self._ensure_active()
        if student_id not in self.roster:
            raise NotEnrolledInClass(self.class_id)
        if not self.check_in_open or self.check_in_secret is None:
            raise CheckInClosed(self.class_id)
        if not check_in.accepts(self.check_in_secret, code, at):
            raise WrongCheckInCode(self.class_id)
        if student_id in self.checked_in:
            return False
        if student_id in self.marks:
            raise AlreadyMarkedByTeacher(student_id)
        self.marks[student_id] = AttendanceStatus.PRESENT
        self.checked_in.add(student_id)
        self._record_mark(AttendanceMarked(student_id, AttendanceStatus.PRESENT, checked_in=True))
        return True

    def status_of(self, student_id: UUID) -> AttendanceStatus | None:
        return self.marks.get(student_id)

    def count_marks(self) -> MarkCount:
        return MarkCount(self.class_id, self.extra_statuses, Counter(self._roster_marks().values()))

    def summary(self) -> AttendanceSummary:
        """Counts the enrolled students marked so far."""
        return self.count_marks().summary()

    def finish(self, at: datetime) -> FinishedSession:
        """Closes the session: every enrolled student left unmarked is absent."""
        self._ensure_active()
        self.ended_at = at
        # One record per enrolled student: a student taken off the class during the session
        # leaves no record of it.
        self.marks = self._roster_marks()
        for student_id in self.roster:
            self.marks.setdefault(student_id, AttendanceStatus.ABSENT)
        records = [
            AttendanceRecord(self.id, self.class_id, student_id, status)
            for student_id, status in self.marks.items()
        ]
        finished = FinishedSession(
            self.id, self.class_id, self.started_at, at, records, self._detailed()
        )
        self._record(AttendanceFinished(finished.summary, self.id))
        return finished

    def _roster_marks(self) -> dict[UUID, AttendanceStatus]:
        return {sid: status for sid, status in self.marks.items() if sid in self.roster}

    def _detailed(self) -> bool:
        return counts_late_and_excused(self.extra_statuses, self.marks.values())

    def _record(self, event: ClassEvent, audience: frozenset[UUID] | None = None) -> None:
        self.events.append(ClassBroadcast(self.class_id, event, audience=audience))

    def _record_mark(self, event: AttendanceMarked) -> None:
        audience = frozenset((self.teacher_id, event.student_id)) if self.private_marks else None
        self._record(event, audience)

    def _ensure_active(self) -> None:
        if not self.is_active:
            raise NoActiveSession(self.class_id)
