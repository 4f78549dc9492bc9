"""Frames that arrive together: marks that queue up on a socket are committed in one
transaction and heard in order, and every answer keeps the order of the frames."""

import asyncio
import json

import asyncpg

from infrastructure.database.urls import plain_url


def mark(student, status: str = "present") -> str:
    return json.dumps(
        {"event": "ATTENDANCE_MARKED", "data": {"studentId": str(student.id), "status": status}}
    )


def transactions_of_marks(database_url: str, class_id: str) -> int:
    """Rows written by one transaction share its start time (`now()`)."""

    async def count() -> int:
        connection = await asyncpg.connect(plain_url(database_url))
        try:
            return await connection.fetchval(
                "SELECT count(DISTINCT m.marked_at) FROM attendance_marks m"
                " JOIN attendance_sessions s ON s.id = m.session_id WHERE s.class_id = $1",
                class_id,
            )
        finally:
            await connection.close()

    return asyncio.run(count())


def test_a_burst_of_marks_is_committed_together_and_heard_in_order(
    make_account, make_class, start_session, live, database_url
):
    teacher = make_account("teacher")
    students = [make_account() for _ in range(20)]
    classroom = make_class(teacher, *students)
    start_session(teacher, classroom)
    teacher_ws, student_ws = live(teacher), live(students[0])
    statuses = ["present" if n % 3 else "absent" for n in range(len(students))]
    teacher_ws.send_together([mark(s, st) for s, st in zip(students, statuses, strict=True)])
    expected = [
        {"event": "ATTENDANCE_MARKED", "data": {"studentId": str(s.id), "status": st}}
        for s, st in zip(students, statuses, strict=True)
    ]
    for ws in (teacher_ws, student_ws):
        assert [ws.receive() for _ in students] == expected
    teacher_ws.assert_silent()
    # Far fewer transactions than marks (the first is usually alone: it wakes the handler).
    assert transactions_of_marks(database_url, classroom["id"]) <= 3


def test_answers_to_a_burst_keep_the_order_of_its_frames(
    make_account, make_class, start_session, live
):
    teacher, alice, bob, outsider = (
        make_account("teacher"),
        make_account(),
        make_account(),
        make_account(),
    )
    classroom = make_class(teacher, alice, bob)
    start_session(teacher, classroom)
    teacher_ws = live(teacher)
    teacher_ws.send_together(
        [
            mark(alice),
            mark(outsider),  # not in the class
            "not json",
            mark(bob, "late"),  # late is not enabled in this class
            json.dumps({"event": "MY_ATTENDANCE"}),  # a student's event
            mark(bob, "absent"),
            json.dumps({"event": "TODAY_SUMMARY"}),
            mark(alice, "absent"),
        ]
    )
    heard = [teacher_ws.receive() for _ in range(8)]
    assert heard == [
        {"event": "ATTENDANCE_MARKED", "data": {"studentId": str(alice.id), "status": "present"}},
        {"event": "ERROR", "data": {"message": "Student not found"}},
        {"event": "ERROR", "data": {"message": "Invalid message format"}},
        {"event": "ERROR", "data": {"message": "Invalid message format"}},
        {"event": "ERROR", "data": {"message": "Forbidden, student event only"}},
        {"event": "ATTENDANCE_MARKED", "data": {"studentId": str(bob.id), "status": "absent"}},
        {"event": "TODAY_SUMMARY", "data": {"present": 1, "absent": 1, "total": 2}},
        {"event": "ATTENDANCE_MARKED", "data": {"studentId": str(alice.id), "status": "absent"}},
    ]
    teacher_ws.assert_silent()


def test_a_burst_after_done_is_refused_mark_by_mark(make_account, make_class, start_session, live):
    teacher, alice = make_account("teacher"), make_account()
    classroom = make_class(teacher, alice)
    start_session(teacher, classroom)
    teacher_ws = live(teacher)
    teacher_ws.send_together([json.dumps({"event": "DONE"}), mark(alice), mark(alice)])
    assert teacher_ws.receive()["event"] == "DONE"
    assert [teacher_ws.receive_error() for _ in range(2)] == ["No active attendance session"] * 2
    teacher_ws.assert_silent()
