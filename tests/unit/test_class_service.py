from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import (
    ClassNotFound,
    InvalidToken,
    NotClassMember,
    NotClassTeacher,
    StudentNotFound,
)
from domain.events import ClassBroadcast, ClassJoined, ClassUpdated
from domain.statuses import AttendanceStatus
from domain.users import Identity, IssuedToken, Role
from services.classes import ClassChanges, ClassService

pytestmark = pytest.mark.anyio


@pytest.fixture
def classes(uow, events) -> ClassService:
    return ClassService(uow, events)


async def test_create_class_belongs_to_the_teacher_and_starts_empty(classes, add_user, uow):
    teacher = add_user(Role.TEACHER)
    classroom = await classes.create_class(teacher, "Maths 101")
    stored = uow.store.classes[classroom.id]
    assert stored.teacher_id == teacher.user_id
    assert stored.class_name == "Maths 101"
    assert stored.student_ids == []


async def test_add_student_enrolls_once(classes, add_user, uow):
    teacher, student = add_user(Role.TEACHER), add_user(Role.STUDENT)
    classroom = await classes.create_class(teacher, "Maths")
    await classes.add_student(teacher, classroom.id, student.user_id)
    again = await classes.add_student(teacher, classroom.id, student.user_id)
    assert again.student_ids == [student.user_id]
    assert uow.store.classes[classroom.id].student_ids == [student.user_id]


async def test_add_student_checks_class_then_owner_then_student(classes, add_user):
    teacher, other_teacher = add_user(Role.TEACHER), add_user(Role.TEACHER)
    classroom = await classes.create_class(teacher, "Maths")
    with pytest.raises(ClassNotFound):
        await classes.add_student(teacher, uuid4(), uuid4())
    with pytest.raises(NotClassTeacher):
        await classes.add_student(other_teacher, classroom.id, uuid4())
    with pytest.raises(StudentNotFound):
        await classes.add_student(teacher, classroom.id, uuid4())
    with pytest.raises(StudentNotFound):  # a teacher is not a student
        await classes.add_student(teacher, classroom.id, other_teacher.user_id)


async def test_class_details_for_owner_and_enrolled_student_only(classes, add_user, uow):
    teacher, student, outsider = (
        add_user(Role.TEACHER),
        add_user(Role.STUDENT),
        add_user(Role.STUDENT),
    )
    classroom = await classes.create_class(teacher, "Maths")
    await classes.add_student(teacher, classroom.id, student.user_id)
    for viewer in (teacher, student):
        details = await classes.class_details(viewer, classroom.id)
        assert [s.id for s in details.students] == [student.user_id]
        assert details.students[0].email == uow.store.users[student.user_id].email
    with pytest.raises(NotClassMember):
        await classes.class_details(outsider, classroom.id)
    with pytest.raises(NotClassMember):
        await classes.class_details(add_user(Role.TEACHER), classroom.id)
    with pytest.raises(ClassNotFound):
        await classes.class_details(teacher, uuid4())


async def test_list_students_leaves_teachers_out(classes, add_user):
    add_user(Role.TEACHER)
    students = {add_user(Role.STUDENT).user_id for _ in range(3)}
    listed = await classes.list_students()
    assert {s.id for s in listed} == students


async def test_with_emails_hidden_a_search_shows_only_emails_typed_in_full(uow, events, add_user):
    private = ClassService(uow, events, expose_student_emails=False)
    students = [uow.store.users[add_user(Role.STUDENT).user_id] for _ in range(25)]
    for n, user in enumerate(students):
        user.name, user.email = f"Ann {n:02}", f"ann.{n:02}@example.com"
    assert await private.list_students() == []
    by_name = await private.list_students("ANN", 1000)
    assert len(by_name) == 20 and all(s.email is None for s in by_name)
    assert await private.list_students("ann.0", 5) == []  # an email's prefix finds no one
    whole = await private.list_students("Ann.24@Example.com")
    assert [(s.id, s.email) for s in whole] == [(students[24].id, "ann.24@example.com")]
    shown = ClassService(uow, events)  # the default, the assignment's
    assert len(await shown.list_students("ann")) == 25
    assert {s.email for s in await shown.list_students("ann.0")} == {
        f"ann.0{n}@example.com" for n in range(10)
    }


async def test_failed_add_student_commits_nothing(classes, add_user, uow):
    teacher = add_user(Role.TEACHER)
    classroom = await classes.create_class(teacher, "Maths")
    with pytest.raises(StudentNotFound):
        await classes.add_student(teacher, classroom.id, Identity(uuid4(), Role.STUDENT).user_id)
    assert uow.opened[-1].commits == 0


NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def token_of(member: Identity, issued_at: datetime = NOW) -> IssuedToken:
    return IssuedToken(member, issued_at)


async def test_classes_of_a_member_are_those_they_teach_or_attend(classes, add_user):
    teacher, student = add_user(Role.TEACHER), add_user(Role.STUDENT)
    maths = await classes.create_class(teacher, "Maths")
    art = await classes.create_class(teacher, "Art")
    await classes.create_class(add_user(Role.TEACHER), "Other")
    await classes.add_student(teacher, maths.id, student.user_id)
    assert [c.class_name for c in await classes.classes_of(teacher)] == ["Art", "Maths"]
    assert await classes.class_ids_of(token_of(teacher)) == [art.id, maths.id]
    assert await classes.class_ids_of(token_of(student)) == [maths.id]
    with pytest.raises(InvalidToken):  # a token of an account that is gone
        await classes.class_ids_of(token_of(Identity(uuid4(), Role.STUDENT)))


async def test_a_token_the_account_no_longer_accepts_hears_no_class(classes, add_user, uow):
    student = add_user(Role.STUDENT)
    uow.store.users[student.user_id].change_password("hashed:new", NOW)
    with pytest.raises(InvalidToken):  # issued before the change
        await classes.class_ids_of(token_of(student))
    assert await classes.class_ids_of(token_of(student, NOW + timedelta(seconds=1))) == []
    uow.store.users[student.user_id].deactivate(NOW + timedelta(seconds=2))
    with pytest.raises(InvalidToken):
        await classes.class_ids_of(token_of(student, NOW + timedelta(seconds=9)))


async def test_creating_and_enrolling_tell_the_live_sockets(classes, add_user, events):
    teacher, student = add_user(Role.TEACHER), add_user(Role.STUDENT)
    maths = await classes.create_class(teacher, "Maths")
    await classes.add_student(teacher, maths.id, student.user_id)
    await classes.add_student(teacher, maths.id, student.user_id)  # no change, no message
    assert events.published == [
        ClassJoined(maths.id, teacher.user_id),
        ClassJoined(maths.id, student.user_id),
    ]


async def test_a_change_is_one_numbered_broadcast_and_no_change_none(classes, add_user, events):
    teacher = add_user(Role.TEACHER)
    maths = await classes.create_class(teacher, "Maths")
    events.published.clear()
    await classes.change_class(teacher, maths.id, ClassChanges(class_name="Maths"))  # the same
    assert events.published == []
    await classes.change_class(teacher, maths.id, ClassChanges(class_name="Algebra"))
    await classes.change_class(teacher, maths.id, ClassChanges(archived=True))
    await classes.change_class(teacher, maths.id, ClassChanges(archived=True))  # already
    basic = (AttendanceStatus.PRESENT, AttendanceStatus.ABSENT)
    assert events.published == [
        ClassBroadcast(maths.id, ClassUpdated("Algebra", False, False, basic), seq=1),
        ClassBroadcast(maths.id, ClassUpdated("Algebra", True, False, basic), seq=2),
    ]
