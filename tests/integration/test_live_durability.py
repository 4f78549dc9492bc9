"""Nothing lost, exactly once: racing DONEs persist once; a server killed mid-session loses no
mark that anyone saw."""

import signal

import pytest
from websockets.exceptions import ConnectionClosed

from tests.integration.live import LiveClient, drain, heard_racing_dones, is_done, send_at_once
from tests.integration.server import ServerProcess


def test_two_racing_dones_persist_once_and_broadcast_once(
    api, make_account, make_class, start_session, live
):
    teacher, students = make_account("teacher"), [make_account() for _ in range(3)]
    classroom = make_class(teacher, *students)
    start_session(teacher, classroom)
    first, second, listener = live(teacher), live(teacher), live(students[0])

    send_at_once([first, second], "DONE")

    # One DONE broadcast reaches every socket of the class once; the loser alone gets an ERROR.
    heard = dict(zip(("first", "second"), heard_racing_dones([first, second]), strict=True))
    for messages in heard.values():
        assert [m["event"] for m in messages].count("DONE") == 1
    errors = [m for messages in heard.values() for m in messages if m["event"] == "ERROR"]
    assert errors == [{"event": "ERROR", "data": {"message": "No active attendance session"}}]
    assert [m["event"] for m in drain(listener, after=is_done)] == ["DONE"]

    history = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()
    (session,) = history["data"]
    assert session["total"] == 3
    assert len(session["attendance"]) == 3


def test_a_server_killed_mid_session_keeps_every_mark_anyone_saw(
    server_env, tmp_path, api, make_account, make_class, start_session
):
    own_server = ServerProcess(server_env, tmp_path / "server.log").start()
    teacher, students = make_account("teacher"), [make_account() for _ in range(3)]
    classroom = make_class(teacher, *students)
    start_session(teacher, classroom)
    try:
        with LiveClient(own_server.ws_url, teacher.token) as ws:
            for student in students[:2]:
                ws.send("ATTENDANCE_MARKED", {"studentId": str(student.id), "status": "present"})
                assert ws.receive()["event"] == "ATTENDANCE_MARKED"  # seen, so it must survive
        own_server.stop(signal.SIGKILL)  # a crash: no graceful anything
        own_server.start()
        with LiveClient(own_server.ws_url, teacher.token) as ws:
            ws.send("TODAY_SUMMARY")
            assert ws.receive()["data"] == {"present": 2, "absent": 0, "total": 2}
            ws.send("DONE")
            assert ws.receive()["data"] == {
                "message": "Attendance persisted",
                "present": 2,
                "absent": 1,
                "total": 3,
            }
    finally:
        own_server.stop()


def test_sigterm_closes_sockets_with_going_away_and_the_session_resumes(
    server_env, tmp_path, make_account, make_class, start_session
):
    own_server = ServerProcess(server_env, tmp_path / "server.log").start()
    teacher, student = make_account("teacher"), make_account()
    start_session(teacher, make_class(teacher, student))
    try:
        teacher_ws = LiveClient(own_server.ws_url, teacher.token)
        student_ws = LiveClient(own_server.ws_url, student.token)
        teacher_ws.send("ATTENDANCE_MARKED", {"studentId": str(student.id), "status": "absent"})
        assert student_ws.receive()["event"] == "ATTENDANCE_MARKED"

        own_server.process.send_signal(signal.SIGTERM)
        for ws in (teacher_ws, student_ws):
            with pytest.raises(ConnectionClosed):
                while True:
                    ws.socket.recv(timeout=10)
            assert ws.socket.close_code == 1001
        assert own_server.process.wait(20) == 0

        own_server.start()
        with LiveClient(own_server.ws_url, student.token) as ws:
            ws.send("MY_ATTENDANCE")
            assert ws.receive()["data"] == {"status": "absent"}
    finally:
        own_server.stop()
