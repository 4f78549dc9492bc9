"""Protocol v2 (subprotocol `live-attendance.v2`), self check-in and private marks, against the
real server; and that sockets speaking only the assignment's protocol see no change."""

import time
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import pytest

from tests.integration.live import drain

INVALID = "Invalid message format"


@pytest.fixture
def lesson(make_account, make_class, start_session):
    """A teacher, three students in a class with a live session, and a stranger."""
    teacher = make_account("teacher")
    students = [make_account() for _ in range(3)]
    classroom = make_class(teacher, *students)
    start_session(teacher, classroom)
    return teacher, students, classroom


def open_check_in(api, teacher, classroom) -> str:
    answer = api.post(f"/class/{classroom['id']}/check-in/open", headers=teacher.auth)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["code"]


def check_in(api, student, classroom, code):
    return api.post(f"/class/{classroom['id']}/check-in", json={"code": code}, headers=student.auth)


def state_of(frame: dict, classroom: dict) -> dict:
    assert frame["event"] == "SESSION_STATE", frame
    (found,) = [c for c in frame["data"]["classes"] if c["classId"] == classroom["id"]]
    return found


def test_a_v1_socket_hears_exactly_the_assignments_frames_beside_v2_sockets(api, lesson, live):
    teacher, (alice, bob, _), classroom = lesson
    old_teacher, old_student = live(teacher), live(alice)
    new_teacher, new_student = live(teacher, v2=True), live(alice, v2=True)
    for ws in (new_teacher, new_student):
        ws.receive_event("SESSION_STATE")

    code = open_check_in(api, teacher, classroom)
    assert check_in(api, alice, classroom, code).status_code == 200
    new_teacher.send("ATTENDANCE_MARKED", {"studentId": str(bob.id), "status": "absent"})
    new_teacher.send("TODAY_SUMMARY")
    new_teacher.send("DONE")

    assignment = [
        {"event": "ATTENDANCE_MARKED", "data": {"studentId": str(alice.id), "status": "present"}},
        {"event": "ATTENDANCE_MARKED", "data": {"studentId": str(bob.id), "status": "absent"}},
        {"event": "TODAY_SUMMARY", "data": {"present": 1, "absent": 1, "total": 2}},
        {
            "event": "DONE",
            "data": {"message": "Attendance persisted", "present": 1, "absent": 2, "total": 3},
        },
    ]
    for ws in (old_teacher, old_student):
        assert drain(ws) == assignment
    for ws in (new_teacher, new_student):
        heard = drain(ws)
        assert [m["event"] for m in heard] == [
            "CHECK_IN_STATE",
            "ATTENDANCE_MARKED",
            "ATTENDANCE_MARKED",
            "TODAY_SUMMARY",
            "DONE",
            "SESSION_ENDED",
        ]
        seqs = [m["seq"] for m in heard]
        assert seqs == sorted(seqs) and seqs[-1] == seqs[-2]  # DONE and SESSION_ENDED: one
        assert len(set(seqs)) == 5 and seqs[4] - seqs[0] == 4  # no gaps
        assert all(m["data"]["classId"] == classroom["id"] for m in heard)
        assert heard[1]["data"]["checkedIn"] is True and heard[2]["data"]["checkedIn"] is False


def test_v1_sockets_get_unknown_event_for_v2_events(lesson, live):
    teacher, (alice, *_), classroom = lesson
    for account, event in ((teacher, "CHECK_IN_OPEN"), (alice, "CHECK_IN"), (alice, "RESYNC")):
        ws = live(account)
        ws.send(event, {"classId": classroom["id"], "code": "123456"})
        assert ws.receive_error() == "Unknown event"


def test_state_on_connect_and_after_a_reload_shows_every_mark_to_the_teacher_only(
    api, lesson, live, start_session, make_class
):
    teacher, (alice, bob, carol), classroom = lesson
    idle_class = make_class(teacher, alice, name="No session today")
    marker = live(teacher)
    marker.send("ATTENDANCE_MARKED", {"studentId": str(alice.id), "status": "present"})
    marker.send("ATTENDANCE_MARKED", {"studentId": str(bob.id), "status": "absent"})
    drain(marker)

    for _ in range(2):  # connect, then "reload": a fresh socket sees the same
        teacher_ws = live(teacher, v2=True)
        state = state_of(teacher_ws.receive(), classroom)
        session = state["session"]
        assert {(m["studentId"], m["status"]) for m in session["marks"]} == {
            (str(alice.id), "present"),
            (str(bob.id), "absent"),
        }
        assert session["checkInOpen"] is False and state["seq"] >= 3
        teacher_ws.close()
    assert state_of(live(teacher, v2=True).receive(), idle_class)["session"] is None

    alice_ws = live(alice, v2=True)
    frame = alice_ws.receive()
    assert [m["studentId"] for m in state_of(frame, classroom)["session"]["marks"]] == [
        str(alice.id)
    ]
    assert state_of(frame, idle_class)["session"] is None
    carol_ws = live(carol, v2=True)
    assert state_of(carol_ws.receive(), classroom)["session"]["marks"] == []

    # RESYNC answers the same, on request, to anyone.
    carol_ws.send("RESYNC")
    assert state_of(carol_ws.receive(), classroom)["session"]["marks"] == []


def test_session_started_and_a_new_enrolment_reach_v2_sockets(
    api, make_account, make_class, start_session, live
):
    teacher, alice, bob = make_account("teacher"), make_account(), make_account()
    classroom = make_class(teacher, alice)
    alice_ws, bob_ws = live(alice, v2=True), live(bob, v2=True)
    alice_ws.receive_event("SESSION_STATE")
    bob_ws.receive_event("SESSION_STATE")

    started = start_session(teacher, classroom)
    frame = alice_ws.receive_event("SESSION_STARTED")
    assert frame["data"]["startedAt"] == started["startedAt"]
    assert frame["data"]["classId"] == classroom["id"]

    added = api.post(
        f"/class/{classroom['id']}/add-student",
        json={"studentId": str(bob.id)},
        headers=teacher.auth,
    )
    assert added.status_code == 200
    assert bob_ws.receive_event("CLASS_JOINED")["data"] == {"classId": classroom["id"]}
    bob_ws.send("RESYNC")
    assert state_of(bob_ws.receive(), classroom)["session"] is not None


def test_check_in_over_the_socket_is_answered_and_heard_by_the_class(api, lesson, live):
    teacher, (alice, *_), classroom = lesson
    teacher_ws, alice_ws = live(teacher, v2=True), live(alice, v2=True)
    teacher_ws.receive_event("SESSION_STATE")
    alice_ws.receive_event("SESSION_STATE")
    teacher_ws.send("CHECK_IN_OPEN", {"classId": classroom["id"]})
    assert teacher_ws.receive_event("CHECK_IN_STATE")["data"]["open"] is True
    assert alice_ws.receive_event("CHECK_IN_STATE")["data"]["open"] is True
    code = api.get(f"/class/{classroom['id']}/check-in", headers=teacher.auth).json()["data"]
    assert code["open"] and len(code["code"]) == 6
    assert code["checkInUrl"].endswith(f"#/check-in/{classroom['id']}/{code['code']}")
    assert code["qrSvg"].startswith("<svg")

    alice_ws.send("CHECK_IN", {"classId": classroom["id"], "code": code["code"]})
    heard = drain(alice_ws)
    assert {"event": "CHECKED_IN", "data": {"classId": classroom["id"], "status": "present"}} in (
        heard
    )
    marked = teacher_ws.receive_event("ATTENDANCE_MARKED")["data"]
    assert marked["studentId"] == str(alice.id) and marked["checkedIn"] is True

    alice_ws.send("CHECK_IN", {"classId": classroom["id"], "code": "abc"})
    assert alice_ws.receive_error() == "Wrong or expired code"
    alice_ws.send("CHECK_IN", {"classId": classroom["id"]})
    assert alice_ws.receive_error() == INVALID
    teacher_ws.send("CHECK_IN_CLOSE", {"classId": classroom["id"]})
    assert teacher_ws.receive_event("CHECK_IN_STATE")["data"]["open"] is False
    drain(alice_ws)
    alice_ws.send("CHECK_IN", {"classId": classroom["id"], "code": code["code"]})
    assert alice_ws.receive_error() == "Check-in is closed"


def test_every_check_in_error_is_clear_and_distinct(api, lesson, make_account, make_class):
    teacher, (alice, _, carol), classroom = lesson
    stranger = make_account()
    path = f"/class/{classroom['id']}/check-in"

    def error(answer):
        return answer.status_code, answer.json()["error"]

    assert error(check_in(api, alice, classroom, "123456")) == (409, "Check-in is closed")
    code = open_check_in(api, teacher, classroom)
    assert open_check_in(api, teacher, classroom) == code  # opening twice: the same code
    wrong = str((int(code) + 1) % 10**6).zfill(6)
    assert error(check_in(api, alice, classroom, wrong)) == (400, "Wrong or expired code")
    assert error(check_in(api, stranger, classroom, code)) == (
        403,
        "Forbidden, not enrolled in class",
    )
    missing = {"id": str(uuid4())}
    assert error(check_in(api, alice, missing, code)) == (404, "Class not found")
    assert error(check_in(api, teacher, classroom, code)) == (
        403,
        "Forbidden, student access required",
    )
    assert error(api.post(path, json={"code": ""}, headers=alice.auth)) == (
        400,
        "Invalid request schema",
    )
    assert error(api.post(path, json={"code": code})) == (
        401,
        "Unauthorized, token missing or invalid",
    )

    assert check_in(api, alice, classroom, code).status_code == 200
    assert check_in(api, alice, classroom, code).status_code == 200  # again: no change

    other = make_class(teacher, carol, name="No session")
    assert error(check_in(api, carol, other, code)) == (409, "No active attendance session")
    assert error(api.post(f"/class/{other['id']}/check-in/open", headers=teacher.auth)) == (
        409,
        "No active attendance session",
    )
    assert error(api.post(f"{path}/open", headers=make_account("teacher").auth)) == (
        403,
        "Forbidden, not class teacher",
    )


def test_a_teachers_mark_is_never_replaced_by_a_check_in(api, lesson, live):
    teacher, (alice, *_), classroom = lesson
    teacher_ws = live(teacher)
    teacher_ws.send("ATTENDANCE_MARKED", {"studentId": str(alice.id), "status": "absent"})
    teacher_ws.receive_event("ATTENDANCE_MARKED")
    code = open_check_in(api, teacher, classroom)
    answer = check_in(api, alice, classroom, code)
    assert (answer.status_code, answer.json()["error"]) == (409, "Already marked by the teacher")
    alice_ws = live(alice)
    alice_ws.send("MY_ATTENDANCE")
    assert alice_ws.receive_event("MY_ATTENDANCE")["data"] == {"status": "absent"}


def test_check_in_attempts_are_limited_per_student_and_session(api, lesson, start_session):
    teacher, (alice, bob, _), classroom = lesson
    code = open_check_in(api, teacher, classroom)
    wrong = str((int(code) + 1) % 10**6).zfill(6)
    answers = [check_in(api, alice, classroom, wrong).status_code for _ in range(10)]
    assert answers == [400] * 10
    limited = check_in(api, alice, classroom, code)
    assert (limited.status_code, limited.json()["error"]) == (
        429,
        "Too many attempts, try again later",
    )
    assert check_in(api, bob, classroom, code).status_code == 200  # another student: not held
    start_session(teacher, classroom)  # a new session: a new allowance
    assert check_in(api, alice, classroom, open_check_in(api, teacher, classroom)).status_code == (
        200
    )


def test_private_marks_reach_only_the_teacher_and_that_student(api, lesson, live):
    teacher, (alice, bob, _), classroom = lesson
    path = f"/class/{classroom['id']}"
    turned_on = api.patch(path, json={"privateMarks": True}, headers=teacher.auth)
    assert turned_on.status_code == 200 and turned_on.json()["data"]["privateMarks"] is True
    teacher_ws, alice_ws, bob_ws = live(teacher), live(alice), live(bob)
    teacher_ws.send("ATTENDANCE_MARKED", {"studentId": str(alice.id), "status": "present"})
    teacher_ws.send("TODAY_SUMMARY")
    mark = {"event": "ATTENDANCE_MARKED", "data": {"studentId": str(alice.id), "status": "present"}}
    summary = {"event": "TODAY_SUMMARY", "data": {"present": 1, "absent": 0, "total": 1}}
    assert drain(teacher_ws) == [mark, summary]
    assert drain(alice_ws) == [mark, summary]
    assert drain(bob_ws) == [summary]  # no classmate's status

    assert api.patch(path, json={"privateMarks": False}, headers=teacher.auth).status_code == 200
    teacher_ws.send("ATTENDANCE_MARKED", {"studentId": str(alice.id), "status": "absent"})
    assert bob_ws.receive_event("ATTENDANCE_MARKED")["data"]["status"] == "absent"


def test_changing_options_is_for_the_classs_teacher_with_a_valid_body(api, lesson, make_account):
    teacher, (alice, *_), classroom = lesson
    path = f"/class/{classroom['id']}"

    def error(answer):
        return answer.status_code, answer.json()["error"]

    assert error(api.patch(path, json={"privateMarks": True}, headers=alice.auth)) == (
        403,
        "Forbidden, teacher access required",
    )
    assert error(
        api.patch(path, json={"privateMarks": True}, headers=make_account("teacher").auth)
    ) == (403, "Forbidden, not class teacher")
    assert error(api.patch(path, json={"privateMarks": "yes"}, headers=teacher.auth)) == (
        400,
        "Invalid request schema",
    )
    assert error(
        api.patch(f"/class/{uuid4()}", json={"privateMarks": True}, headers=teacher.auth)
    ) == (404, "Class not found")
    unchanged = api.patch(path, json={}, headers=teacher.auth)
    assert unchanged.status_code == 200 and unchanged.json()["data"]["privateMarks"] is False


def test_starting_again_while_marks_and_check_ins_arrive_never_fails(
    api, server, make_account, make_class, start_session, live
):
    """A new Start races marks and check-ins of the session it replaces: each of them lands
    before it or finds no session; none deadlocks into a 500."""
    teacher = make_account("teacher")
    students = [make_account() for _ in range(8)]
    classroom = make_class(teacher, *students)
    sockets = [live(teacher) for _ in range(4)]
    starts, check_ins, frames_heard = [], [], []

    def mark_all(ws, some):
        for student in some:
            ws.send("ATTENDANCE_MARKED", {"studentId": str(student.id), "status": "present"})

    for round_number in range(12):
        start_session(teacher, classroom)
        code = open_check_in(api, teacher, classroom)
        with ThreadPoolExecutor(max_workers=10) as pool:
            # The teacher marks the first four; the other four check themselves in.
            jobs = [pool.submit(mark_all, ws, [students[i]]) for i, ws in enumerate(sockets)]
            jobs += [
                pool.submit(lambda s=s, c=code: check_ins.append(check_in(api, s, classroom, c)))
                for s in students[4:]
            ]
            time.sleep(0.001 * (round_number % 4))
            starts.append(
                api.post(
                    "/attendance/start", json={"classId": classroom["id"]}, headers=teacher.auth
                )
            )
            for job in jobs:
                job.result()
        for ws in sockets:
            frames_heard += drain_quietly(ws)

    assert {answer.status_code for answer in starts} == {200}
    outcomes = {(a.status_code, a.json().get("error")) for a in check_ins}
    assert outcomes <= {
        (200, None),
        (409, "No active attendance session"),
        (409, "Check-in is closed"),
    }, outcomes
    errors = {f["data"]["message"] for f in frames_heard if f["event"] == "ERROR"}
    assert errors <= {"No active attendance session"}, errors
    assert "Deadlock" not in server.log_path.read_text()


def drain_quietly(ws) -> list[dict]:
    heard = []
    while True:
        try:
            heard.append(ws.receive(timeout=0.3))
        except TimeoutError:
            return heard


def test_racing_check_ins_of_one_student_are_heard_once(api, lesson, live):
    teacher, (alice, *_), classroom = lesson
    teacher_ws = live(teacher)
    code = open_check_in(api, teacher, classroom)
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: check_in(api, alice, classroom, code), range(10)))
    assert [a.status_code for a in answers] == [200] * 10
    assert drain(teacher_ws) == [
        {"event": "ATTENDANCE_MARKED", "data": {"studentId": str(alice.id), "status": "present"}}
    ]


def test_checked_in_names_the_class_as_every_frame_does(api, lesson, live):
    teacher, (alice, *_), classroom = lesson
    code = open_check_in(api, teacher, classroom)
    ws = live(alice, v2=True)
    ws.receive_event("SESSION_STATE")
    ws.send("CHECK_IN", {"classId": classroom["id"].upper(), "code": code})
    heard = {m["event"]: m for m in drain(ws)}
    assert heard["CHECKED_IN"]["data"]["classId"] == classroom["id"]
