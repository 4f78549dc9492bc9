"""The app on a server that offers nothing beyond ASGI (uvicorn's own WebSocket protocol,
without the frame-writing extension of ours): every broadcast goes through the plain ASGI send,
and the live protocol works just the same."""

import sys

import pytest

from tests.integration.live import LiveClient, drain
from tests.integration.server import ServerProcess


@pytest.fixture(scope="module")
def plain_server(server_env, tmp_path_factory, server):  # `server` migrated the database
    process = ServerProcess(server_env, tmp_path_factory.mktemp("plain") / "server.log")
    process.command = [
        sys.executable, "-m", "uvicorn", "bootstrap.container:create_app_from_environment",
        "--factory", "--ws", "websockets-sansio", "--host", "127.0.0.1",
        "--port", str(process.port),
    ]  # fmt: skip
    yield process.start()
    process.stop()


def test_the_live_protocol_works_over_plain_asgi(
    plain_server, make_account, make_class, start_session
):
    teacher, student = make_account("teacher"), make_account()
    classroom = make_class(teacher, student)
    start_session(teacher, classroom)
    with (
        LiveClient(plain_server.ws_url, teacher.token) as teacher_ws,
        LiveClient(plain_server.ws_url, student.token) as student_ws,
        LiveClient(plain_server.ws_url, student.token, v2=True) as student_v2,
    ):
        assert student_v2.receive()["event"] == "SESSION_STATE"
        mark = {"studentId": str(student.id), "status": "present"}
        teacher_ws.send("ATTENDANCE_MARKED", mark)
        teacher_ws.send("DONE")
        done = {"message": "Attendance persisted", "present": 1, "absent": 0, "total": 1}
        expected = [
            {"event": "ATTENDANCE_MARKED", "data": mark},
            {"event": "DONE", "data": done},
        ]
        assert drain(teacher_ws) == expected
        assert drain(student_ws) == expected
        heard = drain(student_v2)
        assert [m["event"] for m in heard] == ["ATTENDANCE_MARKED", "DONE", "SESSION_ENDED"]
