"""While PostgreSQL is down the service says so, in the envelope and on sockets, keeps running
and keeps its sockets; when it is back, everything works again with no restart."""

import time

import httpx
import pytest

from tests.factories import SignupBodyFactory
from tests.integration.live import LiveClient
from tests.integration.postgres import OwnPostgres
from tests.integration.server import ServerProcess

UNAVAILABLE = {"success": False, "error": "Service unavailable"}


@pytest.fixture
def own_database(tmp_path):
    database = OwnPostgres(tmp_path)
    yield database
    database.cleanup()


def wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)


def test_the_service_rides_out_a_database_outage(own_database, server_env, tmp_path):
    server = ServerProcess(
        {**server_env, "DATABASE_URL": own_database.url}, tmp_path / "server.log"
    ).start()
    http = httpx.Client(base_url=server.base_url, timeout=15)
    try:
        teacher_body = SignupBodyFactory.build(role="teacher")
        student_body = SignupBodyFactory.build(role="student")
        ids = {}
        for body in (teacher_body, student_body):
            ids[body["role"]] = http.post("/auth/signup", json=body).json()["data"]["id"]
        token = http.post(
            "/auth/login",
            json={"email": teacher_body["email"], "password": teacher_body["password"]},
        ).json()["data"]["token"]
        auth = {"Authorization": token}
        class_id = http.post("/class", json={"className": "Outage"}, headers=auth).json()["data"][
            "id"
        ]
        http.post(
            f"/class/{class_id}/add-student", json={"studentId": ids["student"]}, headers=auth
        )
        assert http.post("/attendance/start", json={"classId": class_id}, headers=auth).is_success
        teacher_ws = LiveClient(server.ws_url, token)
        mark = {"studentId": ids["student"], "status": "present"}
        teacher_ws.send("ATTENDANCE_MARKED", mark)
        assert teacher_ws.receive()["event"] == "ATTENDANCE_MARKED"

        own_database.stop()

        for response in (
            http.get("/auth/me", headers=auth),
            http.get("/health"),
            http.get("/class", headers=auth),
            http.post("/auth/login", json={"email": teacher_body["email"], "password": "x1"}),
            http.post(
                "/auth/login",
                json={"email": teacher_body["email"], "password": teacher_body["password"]},
            ),
            http.post("/auth/signup", json=SignupBodyFactory.build()),
        ):
            assert (response.status_code, response.json()) == (503, UNAVAILABLE), response.url
        teacher_ws.send("TODAY_SUMMARY")
        assert teacher_ws.receive_error() == "Service unavailable"
        assert server.process.poll() is None
        assert "Traceback" not in server.log_path.read_text()

        own_database.start()

        wait_for(lambda: http.get("/health").status_code == 200)
        assert http.get("/auth/me", headers=auth).status_code == 200
        teacher_ws.send("TODAY_SUMMARY")  # the same socket, and the mark from before
        assert teacher_ws.receive()["data"] == {"present": 1, "absent": 0, "total": 1}
        teacher_ws.close()
    finally:
        http.close()
        server.stop()


def test_a_mark_made_as_the_database_returns_reaches_every_process(
    own_database, server_env, tmp_path
):
    env = {**server_env, "DATABASE_URL": own_database.url}
    a = ServerProcess(env, tmp_path / "a.log").start()
    b = ServerProcess(env, tmp_path / "b.log").start()
    http = httpx.Client(base_url=a.base_url, timeout=15)
    try:
        bodies = [SignupBodyFactory.build(role=role) for role in ("teacher", "student")]
        ids = [http.post("/auth/signup", json=body).json()["data"]["id"] for body in bodies]
        tokens = [
            http.post(
                "/auth/login", json={"email": body["email"], "password": body["password"]}
            ).json()["data"]["token"]
            for body in bodies
        ]
        auth = {"Authorization": tokens[0]}
        class_id = http.post("/class", json={"className": "Back"}, headers=auth).json()["data"][
            "id"
        ]
        http.post(f"/class/{class_id}/add-student", json={"studentId": ids[1]}, headers=auth)
        assert http.post("/attendance/start", json={"classId": class_id}, headers=auth).is_success
        teacher_ws, student_ws = LiveClient(a.ws_url, tokens[0]), LiveClient(b.ws_url, tokens[1])

        own_database.stop()
        time.sleep(4)  # long enough for the listeners' retries to back off
        own_database.start()

        mark = {"studentId": ids[1], "status": "present"}
        deadline = time.monotonic() + 20
        while True:  # the first moment A can commit again
            teacher_ws.send("ATTENDANCE_MARKED", mark)
            answer = teacher_ws.receive()
            if answer["event"] == "ATTENDANCE_MARKED":
                break
            assert answer["data"]["message"] == "Service unavailable"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert student_ws.receive(timeout=10) == {"event": "ATTENDANCE_MARKED", "data": mark}
        teacher_ws.close()
        student_ws.close()
    finally:
        http.close()
        a.stop()
        b.stop()
