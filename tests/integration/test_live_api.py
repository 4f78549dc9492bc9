"""The live protocol over a real server and real sockets: every event, every error text, the
order of checks, who hears what."""

import json
import time
from uuid import uuid4

import jwt
import pytest
from websockets.exceptions import ConnectionClosed

from tests.integration.server import TEST_JWT_SECRET


def marked(student, status):
    return {"event": "ATTENDANCE_MARKED", "data": {"studentId": str(student.id), "status": status}}


# Connecting


@pytest.mark.parametrize("token", [None, "", "garbage", "expired", "other secret"])
def test_a_bad_token_gets_one_error_then_close_1008(live, token):
    forged = {
        "expired": jwt.encode(
            {"userId": str(uuid4()), "role": "teacher", "exp": int(time.time()) - 5},
            TEST_JWT_SECRET,
        ),
        "other secret": jwt.encode(
            {"userId": str(uuid4()), "role": "teacher", "exp": int(time.time()) + 60},
            "another-secret-that-is-long-enough-0000",
        ),
    }
    client = live(token=forged.get(token, token))
    assert client.receive() == {
        "event": "ERROR",
        "data": {"message": "Unauthorized or invalid token"},
    }
    with pytest.raises(ConnectionClosed):
        client.socket.recv(timeout=5)
    assert client.socket.close_code == 1008


def test_a_good_connection_is_silent_until_spoken_to(live, teacher):
    live(teacher).assert_silent()


# The assignment's whole flow


def test_the_assignment_end_to_end_flow(api, make_account, make_class, start_session, live):
    teacher, rahul, priya = make_account("teacher"), make_account(), make_account()
    classroom = make_class(teacher, rahul, priya)
    start_session(teacher, classroom)
    teacher_ws, rahul_ws, priya_ws = live(teacher), live(rahul), live(priya)
    everyone = (teacher_ws, rahul_ws, priya_ws)

    teacher_ws.send("ATTENDANCE_MARKED", {"studentId": str(rahul.id), "status": "present"})
    for ws in everyone:
        assert ws.receive() == marked(rahul, "present")

    rahul_ws.send("MY_ATTENDANCE")
    assert rahul_ws.receive() == {"event": "MY_ATTENDANCE", "data": {"status": "present"}}
    priya_ws.send("MY_ATTENDANCE")
    assert priya_ws.receive() == {"event": "MY_ATTENDANCE", "data": {"status": "not yet updated"}}
    teacher_ws.assert_silent()  # unicast: nobody else heard those

    teacher_ws.send("TODAY_SUMMARY")
    for ws in everyone:
        assert ws.receive() == {
            "event": "TODAY_SUMMARY",
            "data": {"present": 1, "absent": 0, "total": 1},
        }

    teacher_ws.send("DONE")
    for ws in everyone:
        assert ws.receive() == {
            "event": "DONE",
            "data": {"message": "Attendance persisted", "present": 1, "absent": 1, "total": 2},
        }

    # Persisted, and visible at once.
    for student, status in ((rahul, "present"), (priya, "absent")):
        response = api.get(f"/class/{classroom['id']}/my-attendance", headers=student.auth)
        assert response.json() == {
            "success": True,
            "data": {"classId": classroom["id"], "status": status},
        }
    # The session is over.
    teacher_ws.send("TODAY_SUMMARY")
    assert teacher_ws.receive_error() == "No active attendance session"

    history = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth)
    assert history.status_code == 200
    (session,) = history.json()["data"]
    assert (session["present"], session["absent"], session["total"]) == (1, 1, 2)
    assert sorted((e["studentId"], e["status"]) for e in session["attendance"]) == sorted(
        [(str(rahul.id), "present"), (str(priya.id), "absent")]
    )
    assert session["startedAt"] <= session["endedAt"]

    mine = api.get(f"/class/{classroom['id']}/my-history", headers=priya.auth)
    assert mine.status_code == 200
    assert mine.json()["data"] == [
        {
            "sessionId": session["id"],
            "startedAt": session["startedAt"],
            "endedAt": session["endedAt"],
            "status": "absent",
            "corrected": False,
        }
    ]
    outsider = api.get(f"/class/{classroom['id']}/my-history", headers=teacher.auth)
    assert outsider.json() == {"success": False, "error": "Forbidden, student access required"}


def test_remarking_overwrites(make_account, make_class, start_session, live):
    teacher, student = make_account("teacher"), make_account()
    start_session(teacher, make_class(teacher, student))
    teacher_ws, student_ws = live(teacher), live(student)
    for status in ("present", "absent"):
        teacher_ws.send("ATTENDANCE_MARKED", {"studentId": str(student.id), "status": status})
        assert teacher_ws.receive() == marked(student, status)
        assert student_ws.receive() == marked(student, status)
    student_ws.send("MY_ATTENDANCE")
    assert student_ws.receive()["data"] == {"status": "absent"}
    teacher_ws.send("TODAY_SUMMARY")
    assert teacher_ws.receive()["data"] == {"present": 0, "absent": 1, "total": 1}


# Errors, in the order of checks


def test_format_errors_leave_the_socket_open(make_account, make_class, start_session, live):
    teacher, student = make_account("teacher"), make_account()
    start_session(teacher, make_class(teacher, student))
    ws = live(teacher)
    for raw in (
        "not json",
        "[]",
        '"text"',
        "42",
        '{"data": {}}',
        '{"event": 5}',
        '{"event": "TODAY_SUMMARY", "data": {"classId": "nope"}}',
        b'{"event": "TODAY_SUMMARY"}',  # binary frame
        json.dumps({"event": "TODAY_SUMMARY", "data": {"pad": "x" * (64 * 1024)}}),
    ):
        ws.send_raw(raw)
        assert ws.receive_error() == "Invalid message format", raw[:40]
    ws.send("TODAY_SUMMARY")
    assert ws.receive()["event"] == "TODAY_SUMMARY"


def test_a_bad_class_id_is_judged_after_the_event_and_the_role(live, student, teacher):
    student_ws, teacher_ws = live(student), live(teacher)
    student_ws.send("DONE", {"classId": "x"})
    assert student_ws.receive_error() == "Forbidden, teacher event only"
    student_ws.send("BOGUS", {"classId": 1})
    assert student_ws.receive_error() == "Unknown event"
    teacher_ws.send("DONE", {"classId": "x"})
    assert teacher_ws.receive_error() == "Invalid message format"


def test_an_unknown_event_comes_before_the_role_check(live, student, teacher):
    for account in (student, teacher):
        ws = live(account)
        ws.send("HELLO")
        assert ws.receive_error() == "Unknown event"


@pytest.mark.parametrize("event", ["ATTENDANCE_MARKED", "TODAY_SUMMARY", "DONE"])
def test_teacher_events_refuse_students(live, student, event):
    ws = live(student)
    ws.send(event, {"studentId": str(student.id), "status": "present"})
    assert ws.receive_error() == "Forbidden, teacher event only"


def test_my_attendance_refuses_teachers(live, teacher):
    ws = live(teacher)
    ws.send("MY_ATTENDANCE")
    assert ws.receive_error() == "Forbidden, student event only"


@pytest.mark.parametrize("event", ["ATTENDANCE_MARKED", "TODAY_SUMMARY", "DONE", "MY_ATTENDANCE"])
def test_no_session_is_said_for_every_event(live, make_account, event):
    account = make_account("student" if event == "MY_ATTENDANCE" else "teacher")
    ws = live(account)
    ws.send(event, {"studentId": str(uuid4()), "status": "present"})
    assert ws.receive_error() == "No active attendance session"


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"studentId": "not-a-uuid", "status": "present"},
        {"studentId": str(uuid4()), "status": "late"},
        {"studentId": str(uuid4())},
    ],
)
def test_a_bad_mark_payload_is_checked_after_the_session(
    live, make_account, make_class, start_session, data
):
    teacher = make_account("teacher")
    ws = live(teacher)
    ws.send("ATTENDANCE_MARKED", data)
    assert ws.receive_error() == "No active attendance session"
    start_session(teacher, make_class(teacher))
    ws.send("ATTENDANCE_MARKED", data)
    assert ws.receive_error() == "Invalid message format"


def test_marking_a_student_outside_the_class(live, make_account, make_class, start_session):
    teacher, outsider = make_account("teacher"), make_account()
    start_session(teacher, make_class(teacher, make_account()))
    ws = live(teacher)
    ws.send("ATTENDANCE_MARKED", {"studentId": str(outsider.id), "status": "present"})
    assert ws.receive_error() == "Student not found"


# Who hears what


def test_two_classes_live_at_once_do_not_hear_each_other(
    make_account, make_class, start_session, live
):
    teacher_a, teacher_b = make_account("teacher"), make_account("teacher")
    student_a, student_b = make_account(), make_account()
    start_session(teacher_a, make_class(teacher_a, student_a))
    start_session(teacher_b, make_class(teacher_b, student_b))
    ws = {
        name: live(account)
        for name, account in (
            ("teacher_a", teacher_a),
            ("teacher_b", teacher_b),
            ("student_a", student_a),
            ("student_b", student_b),
        )
    }

    ws["teacher_a"].send("ATTENDANCE_MARKED", {"studentId": str(student_a.id), "status": "present"})
    ws["teacher_b"].send("TODAY_SUMMARY")
    assert ws["teacher_a"].receive() == marked(student_a, "present")
    assert ws["student_a"].receive() == marked(student_a, "present")
    summary_b = {"event": "TODAY_SUMMARY", "data": {"present": 0, "absent": 0, "total": 0}}
    assert ws["teacher_b"].receive() == summary_b
    assert ws["student_b"].receive() == summary_b
    for socket in ws.values():
        socket.assert_silent()

    # A teacher cannot mark the other class's student, even naming nothing.
    ws["teacher_b"].send("ATTENDANCE_MARKED", {"studentId": str(student_a.id), "status": "absent"})
    assert ws["teacher_b"].receive_error() == "Student not found"


def test_outsiders_have_no_session_while_another_class_is_live(
    make_account, make_class, start_session, live
):
    teacher, student = make_account("teacher"), make_account()
    classroom = make_class(teacher, student)
    start_session(teacher, classroom)
    stranger_teacher, stranger_student = live(make_account("teacher")), live(make_account())
    stranger_teacher.send("TODAY_SUMMARY")
    assert stranger_teacher.receive_error() == "No active attendance session"
    stranger_teacher.send("TODAY_SUMMARY", {"classId": classroom["id"]})
    assert stranger_teacher.receive_error() == "No active attendance session"
    stranger_student.send("MY_ATTENDANCE")
    assert stranger_student.receive_error() == "No active attendance session"


def test_a_teacher_with_two_live_classes_addresses_the_newest_or_the_named_one(
    make_account, make_class, start_session, live
):
    teacher, first_student, second_student = (
        make_account("teacher"),
        make_account(),
        make_account(),
    )
    first = make_class(teacher, first_student)
    second = make_class(teacher, second_student)
    start_session(teacher, first)
    start_session(teacher, second)
    ws, first_ws, second_ws = live(teacher), live(first_student), live(second_student)

    ws.send("ATTENDANCE_MARKED", {"studentId": str(second_student.id), "status": "present"})
    assert second_ws.receive() == marked(second_student, "present")
    assert ws.receive() == marked(second_student, "present")
    ws.send(
        "ATTENDANCE_MARKED",
        {"studentId": str(first_student.id), "status": "absent", "classId": first["id"]},
    )
    assert first_ws.receive() == marked(first_student, "absent")
    assert ws.receive() == marked(first_student, "absent")
    first_ws.assert_silent()
    second_ws.assert_silent()


def test_a_user_with_two_sockets_hears_on_both(make_account, make_class, start_session, live):
    teacher, student = make_account("teacher"), make_account()
    start_session(teacher, make_class(teacher, student))
    phone, laptop, teacher_ws = live(student), live(student), live(teacher)
    teacher_ws.send("ATTENDANCE_MARKED", {"studentId": str(student.id), "status": "present"})
    assert phone.receive() == laptop.receive() == marked(student, "present")


def test_tokens_and_passwords_stay_out_of_the_server_log(server, live, make_account):
    account = make_account("teacher")
    live(account).assert_silent()
    log = server.log_path.read_text()
    assert "socket opened" in log  # the socket's line is there, the token is not
    assert account.token not in log
    assert account.password not in log
