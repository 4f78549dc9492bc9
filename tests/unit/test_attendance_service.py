from datetime import timedelta
from uuid import uuid4

import pytest

from domain.attendance import AttendanceStatus
from domain.errors import ClassNotFound, NotClassTeacher, NotEnrolledInClass
from domain.users import Role
from services.attendance import AttendanceService
from services.classes import ClassService

pytestmark = pytest.mark.anyio


@pytest.fixture
def attendance(uow, clock) -> AttendanceService:
    return AttendanceService(uow, clock)


@pytest.fixture
async def class_with_student(uow, add_user):
    teacher, student = add_user(Role.TEACHER), add_user(Role.STUDENT)
    classes = ClassService(uow)
    classroom = await classes.create_class(teacher, "Maths")
    await classes.add_student(teacher, classroom.id, student.user_id)
    return teacher, student, classroom


async def test_start_opens_one_session_and_a_second_start_replaces_it(
    attendance, class_with_student, uow
):
    teacher, _, classroom = class_with_student
    first = await attendance.start(teacher, classroom.id)
    second = await attendance.start(teacher, classroom.id)
    assert second.started_at == first.started_at + timedelta(seconds=1)
    active = [s for s in uow.store.sessions.values() if s.is_active]
    assert [s.started_at for s in active] == [second.started_at]


async def test_start_checks_class_then_owner(attendance, class_with_student, add_user, uow):
    _, _, classroom = class_with_student
    with pytest.raises(ClassNotFound):
        await attendance.start(add_user(Role.TEACHER), uuid4())
    with pytest.raises(NotClassTeacher):
        await attendance.start(add_user(Role.TEACHER), classroom.id)
    assert uow.store.sessions == {}


async def test_my_persisted_status_is_none_until_a_session_finishes(
    attendance, class_with_student, uow, clock
):
    teacher, student, classroom = class_with_student
    assert await attendance.my_persisted_status(student, classroom.id) is None
    await attendance.start(teacher, classroom.id)
    session = next(iter(uow.store.sessions.values()))
    session.mark(student.user_id, AttendanceStatus.PRESENT)
    finished = session.finish(clock.now())
    async with uow() as work:
        await work.attendance.save_finished(finished)
        await work.commit()
    assert await attendance.my_persisted_status(student, classroom.id) is AttendanceStatus.PRESENT


async def test_my_persisted_status_checks_class_then_enrolment(
    attendance, class_with_student, add_user
):
    _, _, classroom = class_with_student
    with pytest.raises(ClassNotFound):
        await attendance.my_persisted_status(add_user(Role.STUDENT), uuid4())
    with pytest.raises(NotEnrolledInClass):
        await attendance.my_persisted_status(add_user(Role.STUDENT), classroom.id)
