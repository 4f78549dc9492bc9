from datetime import timedelta
from uuid import uuid4

import pytest

from domain.errors import (
    ClassNotFound,
    NoActiveSession,
    NotClassTeacher,
    NotEnrolledInClass,
    StudentNotFound,
)
from domain.events import AttendanceFinished, AttendanceMarked, ClassBroadcast, SummaryShared
from domain.statuses import AttendanceStatus, AttendanceSummary
from domain.users import Role
from services.attendance import AttendanceService
from services.classes import ClassService
from tests.unit.fake_attendance import FakeAttendance

pytestmark = pytest.mark.anyio
PRESENT, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT


@pytest.fixture
def attendance(uow, clock, events) -> AttendanceService:
    return AttendanceService(uow, clock, events)


@pytest.fixture
def make_class(uow, add_user, events):
    async def make(teacher=None, students=2):
        teacher = teacher or add_user(Role.TEACHER)
        enrolled = [add_user(Role.STUDENT) for _ in range(students)]
        classes = ClassService(uow, events)
        classroom = await classes.create_class(teacher, "Maths")
        for student in enrolled:
            await classes.add_student(teacher, classroom.id, student.user_id)
        return teacher, enrolled, classroom

    return make


async def test_start_opens_one_session_and_a_second_start_replaces_it(attendance, make_class, uow):
    teacher, _, classroom = await make_class()
    first = await attendance.start(teacher, classroom.id)
    second = await attendance.start(teacher, classroom.id)
    assert second.started_at == first.started_at + timedelta(seconds=1)
    active = [s for s in uow.store.sessions.values() if s.is_active]
    assert [s.started_at for s in active] == [second.started_at]


async def test_start_checks_class_then_owner(attendance, make_class, add_user, uow):
    _, _, classroom = await make_class()
    with pytest.raises(ClassNotFound):
        await attendance.start(add_user(Role.TEACHER), uuid4())
    with pytest.raises(NotClassTeacher):
        await attendance.start(add_user(Role.TEACHER), classroom.id)
    assert uow.store.sessions == {}


async def test_a_mark_is_committed_before_the_class_hears_it(attendance, make_class, uow, events):
    teacher, (alice, _), classroom = await make_class()
    await attendance.start(teacher, classroom.id)
    committed_when_heard = []
    events.subscribe(
        lambda _: committed_when_heard.append(
            next(iter(uow.store.sessions.values())).marks.get(alice.user_id)
        )
    )
    await attendance.mark(teacher, alice.user_id, PRESENT)
    assert committed_when_heard == [PRESENT]
    broadcast = events.published[-1]
    # The class's broadcasts are numbered in commit order: the start was 1, this mark is 2.
    assert broadcast == ClassBroadcast(
        classroom.id, AttendanceMarked(alice.user_id, PRESENT), seq=2
    )


async def test_marking_someone_outside_the_class_is_student_not_found(
    attendance, make_class, add_user, events
):
    teacher, _, classroom = await make_class()
    await attendance.start(teacher, classroom.id)
    published = len(events.published)
    with pytest.raises(StudentNotFound):
        await attendance.mark(teacher, add_user(Role.STUDENT).user_id, PRESENT)
    assert len(events.published) == published


async def test_marks_that_queued_up_are_committed_together_and_heard_in_order(
    attendance, make_class, add_user, uow, events
):
    teacher, (alice, bob), classroom = await make_class()
    await attendance.start(teacher, classroom.id)
    published = len(events.published)
    opened = len(uow.opened)
    outsider = add_user(Role.STUDENT).user_id
    refusals = await attendance.mark_all(
        teacher,
        [
            (alice.user_id, PRESENT),
            (outsider, PRESENT),
            (bob.user_id, ABSENT),
            (alice.user_id, ABSENT),
        ],
    )
    assert [type(r) if r else None for r in refusals] == [None, StudentNotFound, None, None]
    assert [unit.commits for unit in uow.opened[opened:]] == [1]  # one transaction
    # Each accepted mark heard once, in order, numbered after the start (1).
    assert events.published[published:] == [
        ClassBroadcast(classroom.id, AttendanceMarked(alice.user_id, PRESENT), seq=2),
        ClassBroadcast(classroom.id, AttendanceMarked(bob.user_id, ABSENT), seq=3),
        ClassBroadcast(classroom.id, AttendanceMarked(alice.user_id, ABSENT), seq=4),
    ]
    assert await attendance.finish(teacher) == AttendanceSummary(present=0, absent=2, total=2)


async def test_marks_that_all_are_refused_commit_and_say_nothing(
    attendance, make_class, add_user, events
):
    teacher, _, classroom = await make_class()
    await attendance.start(teacher, classroom.id)
    published = len(events.published)
    outsider = add_user(Role.STUDENT).user_id
    refusals = await attendance.mark_all(teacher, [(outsider, PRESENT), (outsider, ABSENT)])
    assert all(isinstance(r, StudentNotFound) for r in refusals) and len(refusals) == 2
    assert len(events.published) == published


async def test_a_student_enrolled_mid_session_can_be_marked(
    attendance, make_class, add_user, uow, events
):
    teacher, _, classroom = await make_class()
    await attendance.start(teacher, classroom.id)
    late = add_user(Role.STUDENT)
    await ClassService(uow, events).add_student(teacher, classroom.id, late.user_id)
    await attendance.mark(teacher, late.user_id, PRESENT)
    assert await attendance.finish(teacher) == AttendanceSummary(present=1, absent=2, total=3)


async def test_without_a_session_every_live_use_case_says_so(attendance, make_class):
    teacher, (alice, _), _ = await make_class()
    for call in (
        attendance.mark(teacher, alice.user_id, PRESENT),
        attendance.share_summary(teacher),
        attendance.finish(teacher),
        attendance.my_live_status(alice),
        attendance.require_active_session(teacher),
    ):
        with pytest.raises(NoActiveSession):
            await call


async def test_strangers_do_not_see_another_class_s_session(attendance, make_class, add_user):
    teacher, _, classroom = await make_class()
    await attendance.start(teacher, classroom.id)
    with pytest.raises(NoActiveSession):
        await attendance.share_summary(add_user(Role.TEACHER))
    with pytest.raises(NoActiveSession):
        await attendance.my_live_status(add_user(Role.STUDENT))
    with pytest.raises(NoActiveSession):  # naming the class does not help a stranger
        await attendance.share_summary(add_user(Role.TEACHER), classroom.id)


async def test_the_most_recent_session_wins_unless_a_class_is_named(attendance, make_class, events):
    teacher, (alice, _), first = await make_class()
    _, (carol, _), second = await make_class(teacher=teacher)
    await attendance.start(teacher, first.id)
    await attendance.start(teacher, second.id)
    await attendance.mark(teacher, carol.user_id, PRESENT)
    assert events.published[-1].class_id == second.id
    with pytest.raises(StudentNotFound):  # alice is not in the most recent class
        await attendance.mark(teacher, alice.user_id, PRESENT)
    await attendance.mark(teacher, alice.user_id, ABSENT, class_id=first.id)
    assert events.published[-1].class_id == first.id


async def test_summary_counts_marks_so_far_and_reaches_the_class(attendance, make_class, events):
    teacher, (alice, bob, _), classroom = await make_class(students=3)
    await attendance.start(teacher, classroom.id)
    await attendance.mark(teacher, alice.user_id, PRESENT)
    await attendance.mark(teacher, bob.user_id, PRESENT)
    await attendance.mark(teacher, bob.user_id, ABSENT)
    await attendance.share_summary(teacher)
    assert events.published[-1].event == SummaryShared(AttendanceSummary(1, 1, 2))


async def test_my_live_status(attendance, make_class):
    teacher, (alice, bob), classroom = await make_class()
    await attendance.start(teacher, classroom.id)
    await attendance.mark(teacher, alice.user_id, ABSENT)
    assert await attendance.my_live_status(alice) is ABSENT
    assert await attendance.my_live_status(bob) is None


async def test_finish_persists_every_student_once_then_the_class_hears_done(
    attendance, make_class, uow, events
):
    teacher, (alice, bob), classroom = await make_class()
    await attendance.start(teacher, classroom.id)
    await attendance.mark(teacher, alice.user_id, PRESENT)
    summary = await attendance.finish(teacher)
    assert summary == AttendanceSummary(present=1, absent=1, total=2)
    (finished,) = uow.store.finished
    assert {(r.student_id, r.status) for r in finished.records} == {
        (alice.user_id, PRESENT),
        (bob.user_id, ABSENT),
    }
    assert events.published[-1].event == AttendanceFinished(summary, finished.id)
    with pytest.raises(NoActiveSession):
        await attendance.finish(teacher)
    assert len(uow.store.finished) == 1
    assert await attendance.my_persisted_status(bob, classroom.id) is ABSENT


async def test_history_lists_finished_sessions_newest_first_for_the_owner(
    attendance, make_class, add_user
):
    teacher, (alice, _), classroom = await make_class()
    for status in (PRESENT, ABSENT):
        await attendance.start(teacher, classroom.id)
        await attendance.mark(teacher, alice.user_id, status)
        await attendance.finish(teacher)
    await attendance.start(teacher, classroom.id)  # unfinished: not history
    history = await attendance.history(teacher, classroom.id)
    assert len(history) == 2
    assert history[0].ended_at > history[1].ended_at
    assert [s.summary.present for s in history] == [0, 1]
    with pytest.raises(NotClassTeacher):
        await attendance.history(add_user(Role.TEACHER), classroom.id)
    with pytest.raises(ClassNotFound):
        await attendance.history(teacher, uuid4())


async def test_my_persisted_status_checks_class_then_enrolment(attendance, make_class, add_user):
    _, _, classroom = await make_class()
    with pytest.raises(ClassNotFound):
        await attendance.my_persisted_status(add_user(Role.STUDENT), uuid4())
    with pytest.raises(NotEnrolledInClass):
        await attendance.my_persisted_status(add_user(Role.STUDENT), classroom.id)


async def test_a_mark_that_loses_the_race_to_done_is_refused_and_not_heard(
    attendance, make_class, events, monkeypatch
):
    teacher, (alice, _), classroom = await make_class()
    await attendance.start(teacher, classroom.id)
    published = len(events.published)

    async def session_already_finished(self, session, marked):
        return None  # nothing stored, no number taken

    monkeypatch.setattr(FakeAttendance, "save_marks", session_already_finished)
    with pytest.raises(NoActiveSession):
        await attendance.mark(teacher, alice.user_id, PRESENT)
    assert len(events.published) == published


async def test_a_student_s_history_lists_their_status_per_finished_session(
    attendance, make_class, add_user
):
    teacher, (alice, bob), classroom = await make_class()
    for status in (PRESENT, ABSENT):
        await attendance.start(teacher, classroom.id)
        await attendance.mark(teacher, alice.user_id, status)
        await attendance.finish(teacher)
    assert [r.status for _, r in await attendance.my_history(alice, classroom.id)] == [
        ABSENT,
        PRESENT,
    ]
    assert [r.status for _, r in await attendance.my_history(bob, classroom.id)] == [
        ABSENT,
        ABSENT,
    ]
    with pytest.raises(NotEnrolledInClass):
        await attendance.my_history(add_user(Role.STUDENT), classroom.id)
    with pytest.raises(ClassNotFound):
        await attendance.my_history(alice, uuid4())
