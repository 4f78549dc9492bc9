"""Issue 24, item 8: what changes about a class or a student's record after the fact reaches
the student's v2 sockets live (CLASS_UPDATED, ATTENDANCE_CORRECTED, CLASS_LEFT), against the
real server; and sockets speaking only the assignment's protocol hear none of it.

Silence is checked without sleeping: after the event, the teacher sends something every
socket hears (a `TODAY_SUMMARY`), published later by the same process, so a socket whose next
frame is that summary heard nothing in between."""

import pytest

from tests.integration.live import receive_until


@pytest.fixture
def lesson(make_account, make_class, start_session):
    """A teacher, two students in a class with a live session."""
    teacher = make_account("teacher")
    alice, bob = make_account(), make_account()
    classroom = make_class(teacher, alice, bob, name="Maths 101")
    start_session(teacher, classroom)
    return teacher, (alice, bob), classroom


def summary_next(ws, v2: bool) -> None:
    """The socket's next frame is the teacher's TODAY_SUMMARY (nothing came before it)."""
    frame = ws.receive()
    assert frame["event"] == "TODAY_SUMMARY", frame
    assert ("seq" in frame) is v2


def patch(api, teacher, classroom, body) -> dict:
    answer = api.patch(f"/class/{classroom['id']}", json=body, headers=teacher.auth)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def finish(teacher_ws) -> str:
    """Sends DONE and answers the finished session's id."""
    teacher_ws.send("DONE")
    ended = receive_until(teacher_ws, lambda m: m["event"] == "SESSION_ENDED")[-1]
    return ended["data"]["sessionId"]


def correct(api, teacher, classroom, session_id, student, status) -> None:
    answer = api.post(
        f"/class/{classroom['id']}/attendance/{session_id}/corrections",
        json={"studentId": str(student.id), "status": status},
        headers=teacher.auth,
    )
    assert answer.status_code == 201, answer.text


def test_renaming_and_archiving_reach_v2_sockets_numbered_and_no_v1_socket(api, lesson, live):
    teacher, (alice, _), classroom = lesson
    teacher_ws, alice_ws = live(teacher, v2=True), live(alice, v2=True)
    old_teacher, old_alice = live(teacher), live(alice)
    seq = {ws: ws.receive_event("SESSION_STATE") for ws in (teacher_ws, alice_ws)}
    (before,) = [c for c in seq[alice_ws]["data"]["classes"] if c["classId"] == classroom["id"]]
    assert before["className"] == "Maths 101" and before["archived"] is False

    patch(api, teacher, classroom, {"className": "Algebra"})
    patch(api, teacher, classroom, {"className": "Algebra"})  # no change: nothing heard
    patch(api, teacher, classroom, {"archived": True})
    for ws in (teacher_ws, alice_ws):
        renamed, archived = ws.receive_event("CLASS_UPDATED"), ws.receive_event("CLASS_UPDATED")
        assert renamed["data"] == {
            "classId": classroom["id"],
            "className": "Algebra",
            "archived": False,
            "privateMarks": False,
            "statuses": ["present", "absent"],
        }
        assert archived["data"]["className"] == "Algebra" and archived["data"]["archived"] is True
        # Class broadcasts: the class's next numbers, one each.
        assert renamed["seq"] == before["seq"] + 1 and archived["seq"] == before["seq"] + 2

    # The state reflects them, with the number of the last.
    alice_ws.send("RESYNC")
    state = alice_ws.receive_event("SESSION_STATE")
    (after,) = [c for c in state["data"]["classes"] if c["classId"] == classroom["id"]]
    assert (after["className"], after["archived"], after["seq"]) == (
        "Algebra",
        True,
        archived["seq"],
    )

    teacher_ws.send("TODAY_SUMMARY")  # a live session of an archived class still runs
    for ws in (old_teacher, old_alice):
        summary_next(ws, v2=False)  # v1: no CLASS_UPDATED before it
    for ws in (teacher_ws, alice_ws):
        summary_next(ws, v2=True)


def test_a_correction_reaches_that_student_and_the_teacher_only(api, lesson, live, start_session):
    teacher, (alice, bob), classroom = lesson
    teacher_ws = live(teacher, v2=True)
    alice_ws, bob_ws = live(alice, v2=True), live(bob, v2=True)
    old_teacher, old_alice = live(teacher), live(alice)
    for ws in (teacher_ws, alice_ws, bob_ws):
        ws.receive_event("SESSION_STATE")
    session_id = finish(teacher_ws)  # both absent
    for ws in (alice_ws, bob_ws):
        receive_until(ws, lambda m: m["event"] == "SESSION_ENDED")
    for ws in (old_teacher, old_alice):
        ws.receive_event("DONE")

    correct(api, teacher, classroom, session_id, alice, "present")
    expected = {
        "classId": classroom["id"],
        "sessionId": session_id,
        "studentId": str(alice.id),
        "status": "present",
    }
    for ws in (teacher_ws, alice_ws):
        frame = ws.receive_event("ATTENDANCE_CORRECTED")
        assert frame["data"] == expected and "seq" not in frame

    correct(api, teacher, classroom, session_id, bob, "present")
    assert teacher_ws.receive_event("ATTENDANCE_CORRECTED")["data"]["studentId"] == str(bob.id)
    bob_ws.receive_event("ATTENDANCE_CORRECTED")

    # Alice hears nothing of Bob's correction, nor a v1 socket of either: the next thing they
    # hear is the next session's summary.
    start_session(teacher, classroom)
    for ws in (teacher_ws, alice_ws, bob_ws):
        ws.receive_event("SESSION_STARTED")
    teacher_ws.send("TODAY_SUMMARY")
    for ws in (old_teacher, old_alice):
        summary_next(ws, v2=False)
    for ws in (teacher_ws, alice_ws, bob_ws):
        summary_next(ws, v2=True)


def test_a_student_removed_mid_session_hears_class_left_and_then_nothing_of_the_class(
    api, lesson, live, make_class, start_session
):
    teacher, (alice, bob), classroom = lesson
    other = make_class(teacher, alice, name="Art")  # where Alice stays
    start_session(teacher, other)
    teacher_ws, alice_ws, old_alice = live(teacher, v2=True), live(alice, v2=True), live(alice)
    teacher_ws.receive_event("SESSION_STATE")
    alice_ws.receive_event("SESSION_STATE")
    teacher_ws.send(
        "ATTENDANCE_MARKED",
        {"classId": classroom["id"], "studentId": str(alice.id), "status": "present"},
    )
    for ws in (teacher_ws, alice_ws, old_alice):
        ws.receive_event("ATTENDANCE_MARKED")

    removed = api.delete(f"/class/{classroom['id']}/students/{alice.id}", headers=teacher.auth)
    assert removed.status_code == 200, removed.text
    assert alice_ws.receive_event("CLASS_LEFT")["data"] == {"classId": classroom["id"]}

    # Everything that follows in the class: a mark, a rename, a summary, DONE, a correction.
    teacher_ws.send(
        "ATTENDANCE_MARKED",
        {"classId": classroom["id"], "studentId": str(bob.id), "status": "present"},
    )
    teacher_ws.receive_event("ATTENDANCE_MARKED")
    patch(api, teacher, classroom, {"className": "Algebra"})
    teacher_ws.receive_event("CLASS_UPDATED")
    teacher_ws.send("TODAY_SUMMARY", {"classId": classroom["id"]})
    teacher_ws.receive_event("TODAY_SUMMARY")
    teacher_ws.send("DONE", {"classId": classroom["id"]})
    teacher_ws.receive_event("DONE")
    ended = teacher_ws.receive_event("SESSION_ENDED")
    correct(api, teacher, classroom, ended["data"]["sessionId"], bob, "absent")
    teacher_ws.receive_event("ATTENDANCE_CORRECTED")

    # Then a summary of the class Alice stays in is the next thing her sockets hear.
    teacher_ws.send("TODAY_SUMMARY", {"classId": other["id"]})
    for ws in (alice_ws, old_alice):
        summary_next(ws, v2=ws is alice_ws)
