from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from domain.events import ClassBroadcast, ClassJoined, ClassLeft, ClassUpdated, LiveMessage
from domain.statuses import BASIC_STATUSES, EXTRA_STATUSES, AttendanceStatus
from domain.users import Identity, Role

MAX_CLASS_NAME_LENGTH = 200


@dataclass(slots=True)
class Classroom:
    """A class: its teacher and its enrolled students, who alone hear its live sessions. Who
    joins is recorded in `events`."""

    id: UUID
    class_name: str
    teacher_id: UUID
    student_ids: list[UUID] = field(default_factory=list)
    private_marks: bool = False  # in its live sessions, a student hears only their own mark
    extra_statuses: tuple[AttendanceStatus, ...] = ()  # late, excused: off unless enabled
    archived: bool = False  # hidden from lists, records kept, no new sessions
    events: list[LiveMessage] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def create(cls, class_id: UUID, class_name: str, teacher_id: UUID) -> "Classroom":
        classroom = cls(id=class_id, class_name=class_name, teacher_id=teacher_id)
        classroom.events.append(ClassJoined(class_id, teacher_id))
        return classroom

    def is_taught_by(self, user_id: UUID) -> bool:
        return self.teacher_id == user_id

    def has_student(self, user_id: UUID) -> bool:
        return user_id in self.student_ids

    def is_visible_to(self, identity: Identity) -> bool:
        """The owning teacher and the enrolled students may see a class."""
        if identity.role is Role.TEACHER:
            return self.is_taught_by(identity.user_id)
        return self.has_student(identity.user_id)

    def enroll(self, student_id: UUID) -> bool:
        """Adds the student once; returns whether anything changed."""
        if self.has_student(student_id):
            return False
        self.student_ids.append(student_id)
        self.events.append(ClassJoined(self.id, student_id))
        return True

    def enroll_all(self, student_ids: Iterable[UUID]) -> list[UUID]:
        """Adds each student not yet enrolled, in order (an import's thousands at once: one
        look-up each); returns those added."""
        enrolled = set(self.student_ids)
        added = [s for s in dict.fromkeys(student_ids) if s not in enrolled]
        self.student_ids.extend(added)
        self.events.extend(ClassJoined(self.id, student_id) for student_id in added)
        return added

    def remove_all(self, student_ids: Iterable[UUID]) -> list[UUID]:
        """Takes each of those students off the roster (their past records stay); returns
        those who were on it."""
        leaving = set(student_ids)
        removed = [s for s in self.student_ids if s in leaving]
        if removed:
            self.student_ids = [s for s in self.student_ids if s not in leaving]
            self.events.extend(ClassLeft(self.id, student_id) for student_id in removed)
        return removed

    def hand_over(self, teacher_id: UUID) -> bool:
        """Another teacher teaches the class: they hear it from now on, the former one no
        longer. Returns whether anything changed."""
        if teacher_id == self.teacher_id:
            return False
        self.events.append(ClassLeft(self.id, self.teacher_id))
        self.teacher_id = teacher_id
        self.events.append(ClassJoined(self.id, teacher_id))
        return True

    def remove(self, student_id: UUID) -> bool:
        """Takes the student off the roster (their past records stay); returns whether
        anything changed."""
        if not self.has_student(student_id):
            return False
        self.student_ids.remove(student_id)
        self.events.append(ClassLeft(self.id, student_id))
        return True

    def change(
        self,
        *,
        class_name: str | None = None,
        private_marks: bool | None = None,
        extra_statuses: list[AttendanceStatus] | None = None,
        archived: bool | None = None,
    ) -> bool:
        """Changes what is given (None leaves it as it is); if anything changed, the class
        hears what it is now (`ClassUpdated`, numbered when it is published). Returns whether
        anything changed."""
        before = self._shown()
        if class_name is not None:
            self.class_name = class_name
        if private_marks is not None:
            self.private_marks = private_marks
        if extra_statuses is not None:
            self.enable_statuses(extra_statuses)
        if archived is not None:
            self.archived = archived
        if self._shown() == before:
            return False
        self.events.append(ClassBroadcast(self.id, self._shown()))
        return True

    def _shown(self) -> ClassUpdated:
        return ClassUpdated(self.class_name, self.archived, self.private_marks, self.statuses)

    def enable_statuses(self, extra: list[AttendanceStatus]) -> None:
        """Which of late and excused the class allows besides present and absent."""
        self.extra_statuses = tuple(status for status in EXTRA_STATUSES if status in extra)

    @property
    def statuses(self) -> tuple[AttendanceStatus, ...]:
        return BASIC_STATUSES + self.extra_statuses
