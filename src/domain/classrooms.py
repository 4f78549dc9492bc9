from dataclasses import dataclass, field
from uuid import UUID

from domain.events import ClassJoined, LiveMessage
from domain.users import Identity, Role


@dataclass(slots=True)
class Classroom:
    """A class: its teacher and its enrolled students, who alone hear its live sessions. Who
    joins is recorded in `events`."""

    id: UUID
    class_name: str
    teacher_id: UUID
    student_ids: list[UUID] = field(default_factory=list)
    private_marks: bool = False  # in its live sessions, a student hears only their own mark
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
