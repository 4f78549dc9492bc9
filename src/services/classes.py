from dataclasses import dataclass, replace
from uuid import UUID, uuid4

from domain.classrooms import Classroom
from domain.errors import (
    ClassNotFound,
    InvalidToken,
    NotClassMember,
    NotClassTeacher,
    NotEnrolledInClass,
    StudentNotFound,
)
from domain.ports import ClassroomRepository, EventBus, UnitOfWorkFactory
from domain.statuses import AttendanceStatus
from domain.users import Identity, IssuedToken, Role, TokenStanding, User, UserSummary
from services.broadcasts import publish_numbered
from services.gathering import GatheredLookups

# With EXPOSE_STUDENT_EMAILS off, a student search answers at most this many.
PRIVATE_SEARCH_LIMIT = 20


@dataclass(frozen=True, slots=True)
class ClassChanges:
    """What a teacher may change about a class; None leaves it as it is."""

    class_name: str | None = None
    private_marks: bool | None = None
    extra_statuses: list[AttendanceStatus] | None = None
    archived: bool | None = None


@dataclass(frozen=True, slots=True)
class ClassDetails:
    classroom: Classroom
    students: list[UserSummary]


async def load_owned_class(
    classes: ClassroomRepository, teacher: Identity, class_id: UUID, *, for_update: bool = False
) -> Classroom:
    """The class, if it exists and this teacher owns it (checked in that order)."""
    classroom = await classes.get(class_id, for_update=for_update)
    if classroom is None:
        raise ClassNotFound(class_id)
    if not classroom.is_taught_by(teacher.user_id):
        raise NotClassTeacher(class_id)
    return classroom


async def enroll_student(
    classes: ClassroomRepository, classroom: Classroom, student: User | None, student_id: UUID
) -> None:
    """Enrolls a student's account in the class (loaded for update), once: the one way into a
    class (add-student, invitations). Its events are published after the commit."""
    if student is None or student.role is not Role.STUDENT or not student.is_active:
        raise StudentNotFound(student_id)  # a deactivated one is nobody to add
    if classroom.enroll(student_id):
        await classes.save(classroom)


async def load_enrolled_class(
    classes: ClassroomRepository, student: Identity, class_id: UUID
) -> Classroom:
    """The class, if it exists and this student is enrolled in it (checked in that order)."""
    classroom = await classes.get(class_id)
    if classroom is None:
        raise ClassNotFound(class_id)
    if not classroom.has_student(student.user_id):
        raise NotEnrolledInClass(class_id)
    return classroom


class ClassService:
    def __init__(
        self, uow: UnitOfWorkFactory, events: EventBus, *, expose_student_emails: bool = True
    ) -> None:
        self._uow = uow
        self._events = events
        # Off: a student sees no classmate's email, and the student list answers searches only.
        self._expose_student_emails = expose_student_emails
        self._class_ids = GatheredLookups(self._class_ids_of_all)

    async def create_class(self, teacher: Identity, class_name: str) -> Classroom:
        classroom = Classroom.create(uuid4(), class_name, teacher.user_id)
        async with self._uow() as uow:
            await uow.classes.add(classroom)
            await uow.commit()
        await self._events.publish(*classroom.events)
        return classroom

    async def add_student(self, teacher: Identity, class_id: UUID, student_id: UUID) -> Classroom:
        async with self._uow() as uow:
            classroom = await load_owned_class(uow.classes, teacher, class_id, for_update=True)
            student = await uow.users.get(student_id)
            await enroll_student(uow.classes, classroom, student, student_id)
            await uow.commit()
        await self._events.publish(*classroom.events)
        return classroom

    async def change_class(
        self, teacher: Identity, class_id: UUID, changes: ClassChanges
    ) -> Classroom:
        """Changes what is given; the class's live session follows from its next event."""
        async with self._uow() as uow:
            classroom = await load_owned_class(uow.classes, teacher, class_id, for_update=True)
            classroom.change(
                class_name=changes.class_name,
                private_marks=changes.private_marks,
                extra_statuses=changes.extra_statuses,
                archived=changes.archived,
            )
            await uow.classes.save(classroom)
            # The change is one of the class's numbered broadcasts (its live clients apply it
            # in order with the marks; SESSION_STATE reflects it).
            messages = await publish_numbered(uow, class_id, classroom.events)
        await self._events.publish(*messages)
        return classroom

    async def remove_student(
        self, teacher: Identity, class_id: UUID, student_id: UUID | None
    ) -> Classroom:
        """Takes the student off the roster; their records stay, and their sockets stop
        hearing the class at once, on every process."""
        async with self._uow() as uow:
            classroom = await load_owned_class(uow.classes, teacher, class_id, for_update=True)
            if student_id is None or not classroom.remove(student_id):
                raise StudentNotFound(student_id)
            await uow.classes.save(classroom)
            await uow.commit()
        await self._events.publish(*classroom.events)
        return classroom

    async def class_details(self, viewer: Identity, class_id: UUID) -> ClassDetails:
        async with self._uow() as uow:
            found = await uow.views.get_with_students(class_id)
        if found is None:
            raise ClassNotFound(class_id)
        classroom, students = found
        if not classroom.is_visible_to(viewer):
            raise NotClassMember(class_id)
        if viewer.role is Role.STUDENT and not self._expose_student_emails:
            students = [
                student if student.id == viewer.user_id else replace(student, email=None)
                for student in students
            ]
        return ClassDetails(classroom=classroom, students=students)

    async def classes_of(self, member: Identity, include_archived: bool = False) -> list[Classroom]:
        """A teacher's own classes, or the classes a student is enrolled in; archived ones
        only if asked."""
        async with self._uow() as uow:
            return await uow.views.list_for(member, include_archived)

    async def class_ids_of(self, member: IssuedToken) -> list[UUID]:
        """The ids of the classes whose live events the token's user hears. Raises InvalidToken
        if the account is gone or no longer accepts the token (checked in the same query)."""
        found = await self._class_ids.look_up(member.identity)
        if found is None or not found[0].accepts(member):
            raise InvalidToken()
        return found[1]

    async def _class_ids_of_all(
        self, members: list[Identity]
    ) -> dict[Identity, tuple[TokenStanding, list[UUID]]]:
        async with self._uow() as uow:
            return await uow.views.ids_for(members)

    async def list_students(
        self, search: str | None = None, limit: int | None = None
    ) -> list[UserSummary]:
        """Students by name, those whose name or email starts with search if given. With
        emails hidden, only a search is answered, by name prefix or whole email, with the email
        only of a student whose email was typed in full, and at most PRIVATE_SEARCH_LIMIT of
        them: no one harvests emails (nor many names) by trying prefixes."""
        if self._expose_student_emails:
            async with self._uow() as uow:
                return await uow.views.list_students(search or None, limit)
        if not search:
            return []
        limit = min(limit or PRIVATE_SEARCH_LIMIT, PRIVATE_SEARCH_LIMIT)
        async with self._uow() as uow:
            found = await uow.views.list_students(search, limit, whole_email=True)
        typed = search.lower()
        return [
            student
            if student.email is not None and student.email.lower() == typed
            else replace(student, email=None)
            for student in found
        ]
