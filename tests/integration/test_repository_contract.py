"""One suite of behaviours every implementation of the repositories and views must have, run
against the in-memory fakes the unit tests use and against the PostgreSQL adapters, so the
fakes cannot drift from what the database does."""

import copy
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.attendance import AttendanceSession
from domain.classrooms import Classroom
from domain.errors import EmailAlreadyExists
from domain.events import AttendanceFinished, AttendanceMarked, ClassBroadcast
from domain.ports import UnitOfWork
from domain.statuses import AttendanceStatus, AttendanceSummary
from domain.users import Identity, Role, User
from infrastructure.database.pool import Database
from infrastructure.database.unit_of_work import PostgresUnitOfWork
from infrastructure.database.urls import plain_url
from tests.factories import ClassroomFactory, UserFactory
from tests.unit.fakes import FakeUnitOfWorkFactory

pytestmark = pytest.mark.anyio
PRESENT, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT
START = datetime(2025, 3, 11, 10, 0, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["fakes", "postgres"])
def database_url_or_none(request) -> str | None:
    """None for the fakes; else a database the server fixture has migrated."""
    if request.param == "fakes":
        return None
    request.getfixturevalue("server")
    return request.getfixturevalue("database_url")


@pytest.fixture
async def uow(database_url_or_none) -> AsyncIterator[Callable[[], UnitOfWork]]:
    if database_url_or_none is None:
        yield FakeUnitOfWorkFactory()
        return
    async with Database(plain_url(database_url_or_none), size=2) as database:
        yield lambda: PostgresUnitOfWork(database)


async def add_user(uow, role: Role, **fields) -> User:
    user = UserFactory.build(role=role, **fields)
    async with uow() as unit:
        await unit.users.add(user)
        await unit.commit()
    return user


async def add_class(uow, teacher: User, *students: User) -> Classroom:
    classroom = ClassroomFactory.build(teacher_id=teacher.id, student_ids=[s.id for s in students])
    async with uow() as unit:
        await unit.classes.add(classroom)
        await unit.commit()
    return classroom


async def open_session(uow, classroom: Classroom, at: datetime = START) -> AttendanceSession:
    session = AttendanceSession.open(uuid4(), classroom, at)
    async with uow() as unit:
        await unit.attendance.discard_active(classroom.id)
        await unit.attendance.add(session)
        await unit.commit()
    return session


async def mark(
    uow, session: AttendanceSession, student: User, status: AttendanceStatus
) -> int | None:
    session.mark(student.id, status)
    async with uow() as unit:
        saved = await unit.attendance.save_marks(session, [student.id])
        await unit.commit()
    return saved


async def finish(uow, session: AttendanceSession, at: datetime) -> bool:
    async with uow() as unit:
        locked = await unit.attendance.lock_for_finish(session.id)
        if locked is None:
            return False
        await unit.attendance.save_finished(locked.finish(at))
        await unit.commit()
    return True


async def test_emails_are_one_account_in_any_letter_case(uow):
    email = f"Mixed.{uuid4().hex[:8]}@Example.com"
    user = await add_user(uow, Role.STUDENT, email=email)
    async with uow() as unit:
        assert (await unit.users.get_by_email(email.upper())).id == user.id
        assert await unit.users.get(user.id) == user
    with pytest.raises(EmailAlreadyExists):
        await add_user(uow, Role.TEACHER, email=email.lower())


async def test_the_active_session_a_user_addresses(uow):
    teacher, student, outsider = (
        await add_user(uow, Role.TEACHER),
        await add_user(uow, Role.STUDENT),
        await add_user(uow, Role.STUDENT),
    )
    older, newer = await add_class(uow, teacher, student), await add_class(uow, teacher, student)
    first = await open_session(uow, older, START)
    second = await open_session(uow, newer, START + timedelta(minutes=5))
    async with uow() as unit:
        for who in (teacher, student):
            identity = Identity(who.id, who.role)
            assert (await unit.attendance.find_active(identity)).id == second.id
            assert (await unit.attendance.find_active(identity, older.id)).id == first.id
        assert await unit.attendance.find_active(Identity(outsider.id, Role.STUDENT)) is None
        stranger = Identity((await add_user(uow, Role.TEACHER)).id, Role.TEACHER)
        assert await unit.attendance.find_active(stranger, older.id) is None


async def test_marks_are_kept_and_refused_once_the_session_is_done(uow):
    teacher, a, b = [await add_user(uow, r) for r in (Role.TEACHER, Role.STUDENT, Role.STUDENT)]
    session = await open_session(uow, await add_class(uow, teacher, a, b))
    assert await mark(uow, session, a, PRESENT)
    assert await mark(uow, session, a, ABSENT)  # re-marking overwrites
    async with uow() as unit:
        found = await unit.attendance.find_active(
            Identity(teacher.id, Role.TEACHER), with_marks=True
        )
        assert found.marks == {a.id: ABSENT}
    assert await finish(uow, session, START + timedelta(hours=1))
    assert not await mark(uow, session, b, PRESENT)
    assert not await finish(uow, session, START + timedelta(hours=2))  # exactly once


async def test_history_is_newest_first_with_each_students_status(uow):
    teacher, a, b = [await add_user(uow, r) for r in (Role.TEACHER, Role.STUDENT, Role.STUDENT)]
    classroom = await add_class(uow, teacher, a, b)
    for hour, status in ((1, PRESENT), (2, ABSENT)):
        session = await open_session(uow, classroom, START + timedelta(hours=hour))
        await mark(uow, session, a, status)
        await finish(uow, session, START + timedelta(hours=hour, minutes=50))
    async with uow() as unit:
        history = await unit.views.finished_sessions(classroom.id)
        assert [s.ended_at for s in history] == [
            START + timedelta(hours=2, minutes=50),
            START + timedelta(hours=1, minutes=50),
        ]
        assert [s.summary for s in history] == [
            AttendanceSummary(present=0, absent=2, total=2),
            AttendanceSummary(present=1, absent=1, total=2),
        ]
        mine = await unit.views.student_history(classroom.id, a.id)
        assert [record.status for _, record in mine] == [ABSENT, PRESENT]
        assert await unit.views.latest_status(classroom.id, a.id) is ABSENT
        assert await unit.views.latest_status(classroom.id, uuid4()) is None


async def test_class_lists_and_rosters_for_their_members(uow):
    teacher, a, b = [await add_user(uow, r) for r in (Role.TEACHER, Role.STUDENT, Role.STUDENT)]
    classroom = await add_class(uow, teacher, b, a)
    async with uow() as unit:
        student_a, teacher_id = Identity(a.id, Role.STUDENT), Identity(teacher.id, Role.TEACHER)
        # No account, or not of that role: left out.
        nobody, a_as_teacher = Identity(uuid4(), Role.STUDENT), Identity(a.id, Role.TEACHER)
        assert await unit.views.ids_for([student_a, nobody, a_as_teacher, teacher_id]) == {
            student_a: (a.standing, [classroom.id]),
            teacher_id: (teacher.standing, [classroom.id]),
        }
        assert await unit.views.ids_for([]) == {}
        assert [c.id for c in await unit.views.list_for(Identity(teacher.id, Role.TEACHER))] == [
            classroom.id
        ]
        found, students = await unit.views.get_with_students(classroom.id)
        assert found.id == classroom.id
        assert [s.id for s in students] == [b.id, a.id]  # in enrolment order
        assert await unit.views.get_with_students(uuid4()) is None


async def test_broadcasts_since_a_moment(uow):
    teacher, a = [await add_user(uow, r) for r in (Role.TEACHER, Role.STUDENT)]
    classroom = await add_class(uow, teacher, a)
    before = datetime.now(UTC) - timedelta(seconds=5)
    session = await open_session(uow, classroom, datetime.now(UTC))
    await mark(uow, session, a, PRESENT)
    async with uow() as unit:
        assert await unit.views.broadcasts_since([classroom.id], before) == [
            ClassBroadcast(classroom.id, AttendanceMarked(a.id, PRESENT))
        ]
        assert await unit.views.broadcasts_since([uuid4()], before) == []
    await finish(uow, session, datetime.now(UTC))
    async with uow() as unit:
        assert await unit.views.broadcasts_since([classroom.id], before) == [
            ClassBroadcast(classroom.id, AttendanceFinished(AttendanceSummary(1, 0, 1), session.id))
        ]


async def test_broadcast_numbers_count_up_per_class_and_only_for_stored_marks(uow):
    teacher, a = [await add_user(uow, r) for r in (Role.TEACHER, Role.STUDENT)]
    classroom, other = await add_class(uow, teacher, a), await add_class(uow, teacher, a)
    session = await open_session(uow, classroom)
    assert await mark(uow, session, a, PRESENT) == 1
    async with uow() as unit:
        assert await unit.attendance.next_broadcast_number(classroom.id) == 2
        assert await unit.attendance.next_broadcast_number(other.id) == 1
        await unit.commit()
    assert await mark(uow, session, a, ABSENT) == 3
    await finish(uow, session, START + timedelta(hours=1))
    assert await mark(uow, session, a, PRESENT) is None  # refused: no number taken
    async with uow() as unit:
        assert await unit.attendance.next_broadcast_number(classroom.id) == 4


async def test_marks_counted_for_a_summary_are_the_enrolled_students_and_take_a_number(uow):
    teacher, a, b, c = [
        await add_user(uow, r) for r in (Role.TEACHER, Role.STUDENT, Role.STUDENT, Role.STUDENT)
    ]
    other_teacher = Identity((await add_user(uow, Role.TEACHER)).id, Role.TEACHER)
    identity = Identity(teacher.id, Role.TEACHER)
    classroom = await add_class(uow, teacher, a, b, c)
    async with uow() as unit:
        assert await unit.attendance.count_for_summary(identity, classroom.id) is None
        await unit.commit()
    session = await open_session(uow, classroom)
    async with uow() as unit:
        count, seq = await unit.attendance.count_for_summary(identity)
        await unit.commit()
    assert (count.class_id, dict(count.enrolled_marks), seq) == (classroom.id, {}, 1)
    assert await mark(uow, session, a, PRESENT) == 2
    assert await mark(uow, session, b, ABSENT) == 3
    assert await mark(uow, session, c, ABSENT) == 4
    classroom.student_ids.remove(c.id)  # taken off the class: their mark no longer counts
    async with uow() as unit:
        await unit.classes.save(classroom)
        await unit.commit()
    async with uow() as unit:
        count, seq = await unit.attendance.count_for_summary(identity, classroom.id)
        assert await unit.attendance.count_for_summary(other_teacher, classroom.id) is None
        await unit.commit()
    assert dict(count.enrolled_marks) == {PRESENT: 1, ABSENT: 1}
    assert count.extra_statuses == frozenset(classroom.extra_statuses)
    assert seq == 5  # the refused stranger took no number
    await finish(uow, session, START + timedelta(hours=1))
    async with uow() as unit:
        assert await unit.attendance.count_for_summary(identity, classroom.id) is None
        assert await unit.attendance.next_broadcast_number(classroom.id) == 6


async def test_marks_saved_together_take_one_number_each_and_keep_the_last_status(uow):
    teacher, a, b = [await add_user(uow, r) for r in (Role.TEACHER, Role.STUDENT, Role.STUDENT)]
    classroom = await add_class(uow, teacher, a, b)
    session = await open_session(uow, classroom)
    session.mark(b.id, PRESENT)
    session.mark(a.id, PRESENT)
    session.mark(b.id, ABSENT)  # marked twice in one batch: stored once, heard twice
    async with uow() as unit:
        assert await unit.attendance.save_marks(session, [b.id, a.id, b.id]) == 3
        await unit.commit()
    async with uow() as unit:
        found = await unit.attendance.find_active(
            Identity(teacher.id, Role.TEACHER), classroom.id, with_marks=True
        )
        assert found.marks == {a.id: PRESENT, b.id: ABSENT}
        assert await unit.attendance.next_broadcast_number(classroom.id) == 4
        await unit.commit()
    await finish(uow, session, START + timedelta(hours=1))
    session.mark(a.id, ABSENT)
    async with uow() as unit:  # the whole batch is refused once the session is done
        assert await unit.attendance.save_marks(session, [a.id, b.id]) is None
        await unit.commit()
    async with uow() as unit:
        assert await unit.attendance.next_broadcast_number(classroom.id) == 5


async def test_a_check_in_never_replaces_a_teachers_mark_when_saved(uow):
    teacher, a, b = [await add_user(uow, r) for r in (Role.TEACHER, Role.STUDENT, Role.STUDENT)]
    session = await open_session(uow, await add_class(uow, teacher, a, b))
    # Each copy was loaded before the other was saved: the teacher's lands first.
    seen_by_check_in = copy.deepcopy(session)
    await mark(uow, session, a, ABSENT)
    seen_by_check_in.marks[a.id] = PRESENT
    seen_by_check_in.checked_in.add(a.id)
    async with uow() as unit:
        assert await unit.attendance.save_marks(seen_by_check_in, [a.id]) is None
        await unit.commit()
    # A check-in only adds: a second one (racing the first) stores nothing, and the teacher
    # may overrule one.
    seen_by_check_in.marks[b.id] = PRESENT
    seen_by_check_in.checked_in.add(b.id)
    async with uow() as unit:
        assert await unit.attendance.save_marks(seen_by_check_in, [b.id]) is not None
        assert await unit.attendance.save_marks(seen_by_check_in, [b.id]) is None
        await unit.commit()
    assert await mark(uow, session, b, ABSENT) is not None
    async with uow() as unit:
        found = await unit.attendance.find_active(
            Identity(teacher.id, Role.TEACHER), None, with_marks=True
        )
    assert found.marks == {a.id: ABSENT, b.id: ABSENT}
    assert found.checked_in == set()
    async with uow() as unit:
        teacher_identity = Identity(teacher.id, Role.TEACHER)
        only_b = await unit.attendance.find_active(
            teacher_identity, with_marks=True, student_view=b.id
        )
        as_b_sees_it = await unit.attendance.find_active(
            Identity(b.id, Role.STUDENT), with_marks=True, student_view=b.id
        )
        outsider = (await add_user(uow, Role.STUDENT)).id
        outsiders_view = await unit.attendance.find_active(
            teacher_identity, with_marks=True, student_view=outsider
        )
    # One student's view: their own mark and place on the roster, no classmate's.
    assert (only_b.marks, only_b.roster) == ({b.id: ABSENT}, {b.id})
    assert (as_b_sees_it.marks, as_b_sees_it.roster) == ({b.id: ABSENT}, {b.id})
    assert (outsiders_view.marks, outsiders_view.roster) == ({}, frozenset())


async def test_check_in_state_and_one_secret_per_session(uow):
    teacher, a = [await add_user(uow, r) for r in (Role.TEACHER, Role.STUDENT)]
    session = await open_session(uow, await add_class(uow, teacher, a))
    first, second = copy.deepcopy(session), copy.deepcopy(session)
    first.open_check_in()
    second.open_check_in()  # at the same time, with a secret of its own
    async with uow() as unit:
        kept = await unit.attendance.save_check_in(first)
        assert await unit.attendance.save_check_in(second) == kept == first.check_in_secret
        await unit.commit()
    async with uow() as unit:
        found = await unit.attendance.find_active(Identity(a.id, Role.STUDENT))
    assert found.check_in_open and found.check_in_secret == kept


async def test_live_state_shows_the_teacher_every_mark_and_a_student_their_own(uow):
    teacher, a, b = [await add_user(uow, r) for r in (Role.TEACHER, Role.STUDENT, Role.STUDENT)]
    classroom, idle = await add_class(uow, teacher, a, b), await add_class(uow, teacher, a)
    session = await open_session(uow, classroom)
    await mark(uow, session, a, PRESENT)
    last = await mark(uow, session, b, ABSENT)
    async with uow() as unit:
        by_class = {
            state.class_id: state
            for state in await unit.views.live_state(Identity(teacher.id, Role.TEACHER))
        }
        assert by_class[idle.id].session is None and by_class[idle.id].seq == 0
        live = by_class[classroom.id]
        assert live.seq == last and live.session.id == session.id
        assert {(m.student_id, m.status) for m in live.session.marks} == {
            (a.id, PRESENT),
            (b.id, ABSENT),
        }
        (own,) = [
            s
            for s in await unit.views.live_state(Identity(a.id, Role.STUDENT))
            if s.class_id == classroom.id
        ]
        assert [(m.student_id, m.status) for m in own.session.marks] == [(a.id, PRESENT)]
        assert await unit.views.live_state(Identity(uuid4(), Role.STUDENT)) == []
