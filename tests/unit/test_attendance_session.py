from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.attendance import AttendanceSession
from domain.errors import NoActiveSession, StudentNotFound
from domain.events import AttendanceFinished, AttendanceMarked, ClassBroadcast, SummaryShared
from domain.statuses import AttendanceStatus, AttendanceSummary
from tests.factories import AttendanceSessionFactory

PRESENT, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT
START = datetime(2025, 3, 11, 10, 0, tzinfo=UTC)


def open_session(students: int = 3) -> tuple[AttendanceSession, list]:
    ids = [uuid4() for _ in range(students)]
    return AttendanceSessionFactory.build(roster=frozenset(ids), started_at=START), ids


def test_a_new_session_is_active_and_has_no_marks():
    session, _ = open_session()
    assert session.is_active
    assert session.summary() == AttendanceSummary(present=0, absent=0, total=0)


def test_marking_records_and_remarking_overwrites():
    session, (a, b, _) = open_session()
    session.mark(a, PRESENT)
    session.mark(b, PRESENT)
    session.mark(b, ABSENT)
    assert session.status_of(a) is PRESENT
    assert session.status_of(b) is ABSENT
    assert session.summary() == AttendanceSummary(present=1, absent=1, total=2)


def test_only_enrolled_students_can_be_marked():
    session, _ = open_session()
    with pytest.raises(StudentNotFound):
        session.mark(uuid4(), PRESENT)
    assert session.marks == {}


def test_status_of_an_unmarked_student_is_none():
    session, (a, *_) = open_session()
    assert session.status_of(a) is None


def test_finish_fills_unmarked_students_as_absent_and_yields_one_record_each():
    session, (a, b, c) = open_session()
    session.mark(a, PRESENT)
    end = START + timedelta(minutes=5)
    finished = session.finish(end)
    assert not session.is_active
    assert finished.ended_at == end and finished.started_at == START
    statuses = {record.student_id: record.status for record in finished.records}
    assert statuses == {a: PRESENT, b: ABSENT, c: ABSENT}
    assert {record.session_id for record in finished.records} == {session.id}
    assert finished.summary == AttendanceSummary(present=1, absent=2, total=3)


def test_a_finished_session_takes_no_more_marks_and_cannot_finish_twice():
    session, (a, *_) = open_session()
    session.finish(START)
    with pytest.raises(NoActiveSession):
        session.mark(a, PRESENT)
    with pytest.raises(NoActiveSession):
        session.finish(START)


def test_finishing_an_empty_class_gives_no_records():
    session, _ = open_session(students=0)
    finished = session.finish(START)
    assert finished.records == []
    assert finished.summary == AttendanceSummary(0, 0, 0)


def test_the_session_records_what_the_class_must_hear_in_order():
    session, (a, b, _) = open_session()
    session.mark(a, PRESENT)
    session.mark(b, ABSENT)
    finished = session.finish(START + timedelta(hours=1))
    assert session.events == [
        ClassBroadcast(session.class_id, AttendanceMarked(a, PRESENT)),
        ClassBroadcast(session.class_id, AttendanceMarked(b, ABSENT)),
        ClassBroadcast(session.class_id, AttendanceFinished(finished.summary, session.id)),
    ]
    assert finished.summary == AttendanceSummary(present=1, absent=2, total=3)


def test_a_refused_mark_records_nothing():
    session, _ = open_session()
    with pytest.raises(StudentNotFound):
        session.mark(uuid4(), PRESENT)
    assert session.events == []


def test_a_shared_count_says_the_summary_under_its_number():
    session, (a, b, c) = open_session()
    session.mark(a, PRESENT)
    session.mark(b, PRESENT)
    session.mark(c, ABSENT)
    session.roster = session.roster - {c}  # taken off the class: no longer counted
    assert session.count_marks().shared(seq=7) == ClassBroadcast(
        session.class_id, SummaryShared(AttendanceSummary(present=2, absent=0, total=2)), seq=7
    )


def test_a_count_includes_late_and_excused_where_the_class_allows_them_or_a_mark_holds_one():
    session, (a, b, _) = open_session()
    session.extra_statuses = frozenset({AttendanceStatus.LATE, AttendanceStatus.EXCUSED})
    session.mark(a, AttendanceStatus.LATE)
    session.mark(b, PRESENT)
    assert session.summary() == AttendanceSummary(1, 0, 2, late=1, excused=0)
    session.extra_statuses = frozenset()  # switched off after a late mark went in
    assert session.summary() == AttendanceSummary(1, 0, 2, late=1, excused=0)
    session.mark(a, ABSENT)
    assert session.summary() == AttendanceSummary(1, 1, 2)
