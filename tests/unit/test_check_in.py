"""Self check-in in the domain: the rotating codes, and the session's rules for a check-in."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain import check_in
from domain.errors import (
    AlreadyMarkedByTeacher,
    CheckInClosed,
    NoActiveSession,
    NotEnrolledInClass,
    WrongCheckInCode,
)
from domain.events import AttendanceMarked, CheckInChanged, ClassBroadcast
from domain.statuses import AttendanceStatus
from tests.factories import AttendanceSessionFactory

PERIOD = timedelta(seconds=check_in.CODE_PERIOD_SECONDS)
NOON = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)  # a period boundary (multiple of 15 s)
SECRET = b"0123456789abcdefghij"


def test_a_code_is_six_digits_and_lasts_one_period():
    code = check_in.current_code(SECRET, NOON)
    assert len(code.code) == 6 and code.code.isdigit()
    assert code.valid_until == NOON + PERIOD
    assert check_in.current_code(SECRET, NOON + PERIOD - timedelta(microseconds=1)) == code
    assert check_in.current_code(SECRET, NOON + PERIOD).code != code.code


def test_the_code_depends_on_the_secret():
    assert check_in.current_code(SECRET, NOON) != check_in.current_code(b"another secret", NOON)


def test_the_current_and_the_previous_code_are_accepted_and_no_other():
    code = check_in.current_code(SECRET, NOON).code
    assert check_in.accepts(SECRET, code, NOON)
    assert check_in.accepts(SECRET, code, NOON + PERIOD)  # the previous one, just changed
    assert not check_in.accepts(SECRET, code, NOON + 2 * PERIOD)
    assert not check_in.accepts(SECRET, code, NOON - PERIOD)  # not yet valid
    assert not check_in.accepts(SECRET, "", NOON)
    assert not check_in.accepts(b"another secret", code, NOON)


def live_session(students=3, **options):
    ids = [uuid4() for _ in range(students)]
    session = AttendanceSessionFactory.build(roster=frozenset(ids), started_at=NOON, **options)
    return session, ids


def code_now(session):
    return session.current_check_in_code(NOON).code


def test_check_in_is_closed_until_the_teacher_opens_it():
    session, (alice, *_) = live_session()
    assert session.current_check_in_code(NOON) is None
    with pytest.raises(CheckInClosed):
        session.check_in(alice, "123456", NOON)
    session.open_check_in()
    session.open_check_in()  # twice: one event
    assert session.events == [ClassBroadcast(session.class_id, CheckInChanged(session.id, True))]
    assert session.check_in(alice, code_now(session), NOON)
    session.close_check_in()
    with pytest.raises(CheckInClosed):
        session.check_in(alice, "000000", NOON)


def test_a_check_in_marks_present_once_and_is_heard_like_a_teachers_mark():
    session, (alice, *_) = live_session()
    session.open_check_in()
    session.events.clear()
    assert session.check_in(alice, code_now(session), NOON)
    assert session.status_of(alice) is AttendanceStatus.PRESENT
    assert not session.check_in(alice, code_now(session), NOON)  # again: nothing new
    assert session.events == [
        ClassBroadcast(
            session.class_id, AttendanceMarked(alice, AttendanceStatus.PRESENT, checked_in=True)
        )
    ]


def test_errors_are_distinct_and_a_teachers_mark_is_never_replaced():
    session, (alice, bob, _) = live_session()
    session.open_check_in()
    with pytest.raises(NotEnrolledInClass):
        session.check_in(uuid4(), code_now(session), NOON)
    wrong = str((int(code_now(session)) + 1) % 10**6).zfill(6)
    with pytest.raises(WrongCheckInCode):
        session.check_in(alice, wrong, NOON)
    session.mark(bob, AttendanceStatus.ABSENT)
    with pytest.raises(AlreadyMarkedByTeacher):
        session.check_in(bob, code_now(session), NOON)
    assert session.status_of(bob) is AttendanceStatus.ABSENT
    # The teacher may overrule a check-in.
    session.check_in(alice, code_now(session), NOON)
    session.mark(alice, AttendanceStatus.ABSENT)
    assert session.status_of(alice) is AttendanceStatus.ABSENT
    assert alice not in session.checked_in


def test_no_check_in_after_done():
    session, (alice, *_) = live_session()
    session.open_check_in()
    code = code_now(session)
    session.finish(NOON)
    with pytest.raises(NoActiveSession):
        session.check_in(alice, code, NOON)


def test_private_marks_are_heard_by_the_teacher_and_that_student_only():
    session, (alice, *_) = live_session(private_marks=True)
    session.mark(alice, AttendanceStatus.PRESENT)
    (broadcast,) = session.events
    assert broadcast.audience == {session.teacher_id, alice}
    public, (bob, *_) = live_session()
    public.mark(bob, AttendanceStatus.PRESENT)
    assert public.events[0].audience is None
