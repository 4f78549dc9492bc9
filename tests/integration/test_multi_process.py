"""Several server processes on one database serve as one: PostgreSQL is the shared state and,
through LISTEN/NOTIFY, the message bus."""

import asyncio
import time

import httpx

from tests.integration import two_processes
from tests.integration.live import LiveClient, drain, heard_racing_dones, is_done, send_at_once
from tests.integration.server import ServerProcess
from tests.integration.two_processes import started_workers

server_b, live_on = two_processes.server_b, two_processes.live_on  # the fixtures, shared


def test_marks_made_on_one_process_reach_another_in_order(
    api, make_account, make_class, start_session, live_on
):
    teacher = make_account("teacher")
    students = [make_account() for _ in range(3)]
    classroom = make_class(teacher, *students[:2])
    start_session(teacher, classroom)
    on_b = [live_on("b", student) for student in students]
    # Enrolled through process A after connecting to B: B hears of it and lets them listen.
    added = api.post(
        f"/class/{classroom['id']}/add-student",
        json={"studentId": str(students[2].id)},
        headers=teacher.auth,
    )
    assert added.status_code == 200
    teacher_ws = live_on("a", teacher)
    time.sleep(0.3)  # the enrolment travels to B as a notification

    sequence = [(students[i % 3], ("present", "absent")[i % 2]) for i in range(30)]
    for student, status in sequence:
        teacher_ws.send("ATTENDANCE_MARKED", {"studentId": str(student.id), "status": status})
    expected = [
        {"event": "ATTENDANCE_MARKED", "data": {"studentId": str(s.id), "status": status}}
        for s, status in sequence
    ]
    assert [teacher_ws.receive() for _ in sequence] == expected
    for ws in on_b:
        assert [ws.receive() for _ in sequence] == expected

    final = {s.id: status for s, status in sequence}
    for student, ws in zip(students, on_b, strict=True):
        ws.send("MY_ATTENDANCE")  # read on B, marked on A
        assert ws.receive() == {"event": "MY_ATTENDANCE", "data": {"status": final[student.id]}}

    teacher_ws.send("DONE")
    present = sum(1 for status in final.values() if status == "present")
    done = {
        "event": "DONE",
        "data": {
            "message": "Attendance persisted",
            "present": present,
            "absent": 3 - present,
            "total": 3,
        },
    }
    assert teacher_ws.receive() == done
    for ws in on_b:
        assert ws.receive() == done
    history = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()
    assert [session["total"] for session in history["data"]] == [3]


def test_dones_racing_on_two_processes_persist_once(
    api, make_account, make_class, start_session, live_on
):
    teacher, student = make_account("teacher"), make_account()
    classroom = make_class(teacher, student)
    start_session(teacher, classroom)
    on_a, on_b, listener = live_on("a", teacher), live_on("b", teacher), live_on("b", student)

    send_at_once([on_a, on_b], "DONE")

    heard = dict(zip("ab", heard_racing_dones([on_a, on_b]), strict=True))
    for messages in heard.values():
        assert [m["event"] for m in messages].count("DONE") == 1
    errors = [m for messages in heard.values() for m in messages if m["event"] == "ERROR"]
    assert errors == [{"event": "ERROR", "data": {"message": "No active attendance session"}}]
    assert [m["event"] for m in drain(listener, after=is_done)] == ["DONE"]
    history = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()
    assert len(history["data"]) == 1
    assert len(history["data"][0]["attendance"]) == 1


def test_workers_on_one_port_serve_as_one(server_env, tmp_path, make_account, make_class):
    workers = ServerProcess({**server_env, "WORKERS": "2"}, tmp_path / "workers.log").start()
    try:
        deadline = time.monotonic() + 30
        while len(started_workers(workers)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(started_workers(workers)) == 2
        teacher, students = make_account("teacher"), [make_account() for _ in range(6)]
        classroom = make_class(teacher, *students)
        started = httpx.post(
            f"{workers.base_url}/attendance/start",
            json={"classId": classroom["id"]},
            headers=teacher.auth,
        )
        assert started.status_code == 200
        sockets = [LiveClient(workers.ws_url, a.token) for a in (teacher, *students)]
        try:
            mark = {"studentId": str(students[0].id), "status": "present"}
            sockets[0].send("ATTENDANCE_MARKED", mark)
            for ws in sockets:  # whichever worker each socket landed on
                assert ws.receive() == {"event": "ATTENDANCE_MARKED", "data": mark}
        finally:
            for ws in sockets:
                ws.close()
    finally:
        workers.stop()


# Protocol v2 across processes.


def test_broadcast_numbers_have_no_gaps_across_two_processes(
    make_account, make_class, start_session, live_on
):
    teacher = make_account("teacher")
    students = [make_account() for _ in range(4)]
    classroom = make_class(teacher, *students)
    start_session(teacher, classroom)
    markers = {"a": live_on("a", teacher), "b": live_on("b", teacher)}
    watchers = [live_on("a", students[0], v2=True), live_on("b", students[1], v2=True)]
    first_seq = [w.receive_event("SESSION_STATE") for w in watchers]
    (start,) = {
        c["seq"] for f in first_seq for c in f["data"]["classes"] if c["classId"] == classroom["id"]
    }
    for n in range(12):  # alternately through each process, each heard before the next
        marker = markers["ab"[n % 2]]
        marker.send(
            "ATTENDANCE_MARKED",
            {"studentId": str(students[n % 4].id), "status": ("present", "absent")[n % 2]},
        )
        marker.receive_event("ATTENDANCE_MARKED")
    for watcher in watchers:
        heard = [m["seq"] for m in drain(watcher) if m["event"] == "ATTENDANCE_MARKED"]
        # Every number once, none missing. A process hears its own broadcasts before another
        # process's earlier ones can arrive, so the order may differ by a frame or two: a
        # client waits a moment for a missing number before it asks RESYNC.
        assert sorted(heard) == list(range(start + 1, start + 13))


def test_a_check_in_on_one_process_is_heard_on_the_other_and_codes_agree(
    server, server_b, make_account, make_class, start_session, live_on
):
    teacher, student = make_account("teacher"), make_account()
    classroom = make_class(teacher, student)
    start_session(teacher, classroom)
    teacher_on_b = live_on("b", teacher, v2=True)
    teacher_on_b.receive_event("SESSION_STATE")
    path = f"/class/{classroom['id']}/check-in"
    opened = httpx.post(f"{server.base_url}{path}/open", headers={"Authorization": teacher.token})
    assert opened.status_code == 200
    assert teacher_on_b.receive_event("CHECK_IN_STATE")["data"]["open"] is True
    codes = {
        base: httpx.get(f"{base}{path}", headers={"Authorization": teacher.token}).json()["data"]
        for base in (server.base_url, server_b.base_url)
    }
    a, b = codes.values()
    assert a["code"] == b["code"] or a["validUntil"] != b["validUntil"]  # unless it turned

    checked = httpx.post(
        f"{server.base_url}{path}",
        json={"code": b["code"]},  # the code process B showed, checked on process A
        headers={"Authorization": student.token},
    )
    assert checked.status_code == 200, checked.text
    heard = teacher_on_b.receive_event("ATTENDANCE_MARKED")["data"]
    assert heard["studentId"] == str(student.id) and heard["checkedIn"] is True


def test_check_in_attempts_hold_their_limit_across_processes_at_once(
    server, server_b, make_account, make_class, start_session
):
    teacher, student = make_account("teacher"), make_account()
    classroom = make_class(teacher, student)
    start_session(teacher, classroom)
    path = f"/class/{classroom['id']}/check-in"
    opened = httpx.post(f"{server.base_url}{path}/open", headers={"Authorization": teacher.token})
    wrong = str((int(opened.json()["data"]["code"]) + 1) % 10**6).zfill(6)

    async def attempt_everywhere() -> list[int]:
        async with httpx.AsyncClient(timeout=30) as client:
            answers = await asyncio.gather(
                *(
                    client.post(
                        f"{base}{path}",
                        json={"code": wrong},
                        headers={"Authorization": student.token},
                    )
                    for base in [server.base_url, server_b.base_url] * 20
                )
            )
        return sorted(answer.status_code for answer in answers)

    # The default allowance is 10 per student and session, wherever the attempts land.
    assert asyncio.run(attempt_everywhere()) == [400] * 10 + [429] * 30


def test_a_removed_student_stops_hearing_the_class_at_once_on_another_process(
    server, make_account, make_class, start_session, live_on
):
    teacher, leaving, staying = make_account("teacher"), make_account(), make_account()
    classroom = make_class(teacher, leaving, staying)
    start_session(teacher, classroom)
    old_socket, new_socket = live_on("b", leaving), live_on("b", leaving, v2=True)
    new_socket.receive_event("SESSION_STATE")
    removed = httpx.delete(
        f"{server.base_url}/class/{classroom['id']}/students/{leaving.id}",
        headers={"Authorization": teacher.token},
    )
    assert removed.status_code == 200
    assert new_socket.receive_event("CLASS_LEFT")["data"] == {"classId": classroom["id"]}
    teacher_ws = live_on("a", teacher)
    teacher_ws.send("ATTENDANCE_MARKED", {"studentId": str(staying.id), "status": "present"})
    teacher_ws.receive_event("ATTENDANCE_MARKED")
    teacher_ws.send("TODAY_SUMMARY")
    teacher_ws.receive_event("TODAY_SUMMARY")
    old_socket.assert_silent(0.5)
    new_socket.assert_silent(0.1)


def test_late_and_excused_counts_reach_the_other_process(
    api, server, make_account, make_class, start_session, live_on
):
    teacher, student = make_account("teacher"), make_account()
    classroom = make_class(teacher, student)
    enabled = api.patch(
        f"/class/{classroom['id']}", json={"extraStatuses": ["late"]}, headers=teacher.auth
    )
    assert enabled.status_code == 200
    start_session(teacher, classroom)
    on_a, on_b = live_on("a", teacher), live_on("b", student)
    on_a.send("ATTENDANCE_MARKED", {"studentId": str(student.id), "status": "late"})
    on_a.send("TODAY_SUMMARY")
    on_a.send("DONE")
    counts = {"present": 0, "absent": 0, "total": 1, "late": 1, "excused": 0}
    assert [m["data"] for m in drain(on_b)][1:] == [
        counts,
        {"message": "Attendance persisted", **counts},
    ]


def test_class_changes_and_corrections_reach_the_other_process(
    api, make_account, make_class, start_session, live_on
):
    teacher, alice, bob = make_account("teacher"), make_account(), make_account()
    classroom = make_class(teacher, alice, bob)
    start_session(teacher, classroom)
    alice_b, bob_b = live_on("b", alice, v2=True), live_on("b", bob, v2=True)
    old_alice_b = live_on("b", alice)
    for ws in (alice_b, bob_b):
        ws.receive_event("SESSION_STATE")
    renamed = api.patch(
        f"/class/{classroom['id']}", json={"className": "Renamed"}, headers=teacher.auth
    )
    assert renamed.status_code == 200  # on process A
    for ws in (alice_b, bob_b):
        assert ws.receive_event("CLASS_UPDATED")["data"]["className"] == "Renamed"

    teacher_a = live_on("a", teacher)
    teacher_a.send("DONE")
    teacher_a.receive_event("DONE")
    old_alice_b.receive_event("DONE")
    for ws in (alice_b, bob_b):
        ws.receive_event("DONE")
        session_id = ws.receive_event("SESSION_ENDED")["data"]["sessionId"]
    corrected = api.post(
        f"/class/{classroom['id']}/attendance/{session_id}/corrections",
        json={"studentId": str(alice.id), "status": "present"},
        headers=teacher.auth,
    )
    assert corrected.status_code == 201, corrected.text
    heard = alice_b.receive_event("ATTENDANCE_CORRECTED")["data"]
    assert (heard["studentId"], heard["status"]) == (str(alice.id), "present")
    # Bob and the v1 socket hear nothing of it: their next frame is the next session's.
    start_session(teacher, classroom)
    bob_b.receive_event("SESSION_STARTED")
    teacher_a.send("TODAY_SUMMARY")
    bob_b.receive_event("TODAY_SUMMARY")
    old_alice_b.receive_event("TODAY_SUMMARY")
