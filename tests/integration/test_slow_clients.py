"""Clients that stop reading cannot take the service down (issue 24, item 1). The attack: a
teacher with 200 students and 40 finished sessions opens 10 raw sockets with a 4 KB receive
buffer, asks each for the class's full history as CSV, and never reads. Before, each export
held a pooled connection inside a transaction for as long as its client liked: with 10 held,
`GET /class` and `/health` answered 503 after 5 s and a login hung past 30 s. Now the export
is read in pages on short loans, a user may run only EXPORTS_PER_USER at once, and a client
that reads nothing for WRITE_TIMEOUT_SECONDS is cut off. The figures are printed (`-s`).

The server's kernel takes up to 4 MB into a socket's send buffer here (tcp_wmem), which swallows
the attack's 1.2 MB whole; so the class here is larger and its names long (a 5 MB export), for
the server to wait on its clients as it would over a real network.

Nothing here waits on the clock for the server: a held export has begun once its status line
has come back (its slot is taken before), and it has been cut off once the log says so. What
needs every export held (one more refused) is asked at once after, well inside the write
timeout; what follows holds whether the held ones have been cut off by then or not."""

import json
import re
import socket
import time
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest

from tests.factories import SignupBodyFactory
from tests.integration.live import LiveClient
from tests.integration.server import ServerProcess

STUDENTS, SESSIONS, HELD = 300, 60, 10
WRITE_TIMEOUT = 8
TOO_MANY_EXPORTS = {
    "success": False,
    "error": "Too many exports at once, try again when one has finished",
}


@pytest.fixture(scope="module")
def exporting_server(server_env, tmp_path_factory) -> Iterator[ServerProcess]:
    env = {
        **server_env,
        "WRITE_TIMEOUT_SECONDS": str(WRITE_TIMEOUT),
        "EXPORTS_PER_USER": str(HELD),
    }
    process = ServerProcess(env, tmp_path_factory.mktemp("exports") / "server.log").start()
    yield process
    process.stop()


def _sign_up(api: httpx.Client, role: str, long_name: bool = False) -> dict:
    body = SignupBodyFactory.build(role=role)
    if long_name:  # the longest the contract allows
        body["name"] = (body["name"] + " " + "Longname" * 20)[:100]
    created = api.post("/auth/signup", json=body)
    assert created.status_code == 201, created.text
    return {**body, "id": created.json()["data"]["id"]}


@pytest.fixture(scope="module")
def long_history(exporting_server) -> dict:
    """A teacher's class of STUDENTS students with SESSIONS finished sessions."""
    with httpx.Client(base_url=exporting_server.base_url, timeout=30) as api:
        teacher = _sign_up(api, "teacher")
        login = api.post("/auth/login", json={k: teacher[k] for k in ("email", "password")})
        auth = {"Authorization": login.json()["data"]["token"]}
        classroom = api.post("/class", json={"className": "History"}, headers=auth).json()["data"]
        for _ in range(STUDENTS):
            student = _sign_up(api, "student", long_name=True)
            added = api.post(
                f"/class/{classroom['id']}/add-student",
                json={"studentId": student["id"]},
                headers=auth,
            )
            assert added.status_code == 200, added.text
        teacher_socket = LiveClient(exporting_server.ws_url, auth["Authorization"])
        try:
            for _ in range(SESSIONS):
                started = api.post(
                    "/attendance/start", json={"classId": classroom["id"]}, headers=auth
                )
                assert started.status_code == 200, started.text
                teacher_socket.send("DONE")
                assert teacher_socket.receive_event("DONE")["data"]["total"] == STUDENTS
        finally:
            teacher_socket.close()
    return {"teacher": teacher, "auth": auth, "class_id": classroom["id"]}


def _held_download(server: ServerProcess, path: str, token: str) -> socket.socket:
    """Asks for `path` on a socket with a 4 KB receive buffer, and reads nothing."""
    held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    held.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    held.connect(("127.0.0.1", server.port))
    held.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {token}\r\n\r\n".encode()
    )
    return held


def _status_of(held: socket.socket) -> int:
    """The status of the answer on a held socket, read from its status line alone: the rest
    stays unread. An export answers 200 only once it has taken its slot."""
    held.settimeout(30)
    line = b""
    while b"\r\n" not in line:
        chunk = held.recv(64)
        assert chunk, f"the server hung up before answering: {line!r}"
        line += chunk
    return int(line.split(b" ", 2)[1])


def _refused_export(api: httpx.Client, path: str, auth: dict) -> tuple[int, object]:
    """Asks for one export more; an answer other than a refusal is not read to its end."""
    with api.stream("GET", path, headers=auth) as answer:
        if answer.status_code != 429:
            return answer.status_code, None
        return answer.status_code, json.loads(answer.read())


EXPORT_ENDED = "route=/class/{class_id}/attendance.csv status=200"


def _wait_until_ended(server: ServerProcess, exports: int) -> None:
    """Until the server has ended that many exports in all (each writes its access line as
    it ends), so their slots are free again."""
    deadline = time.monotonic() + 30
    while server.log_path.read_text().count(EXPORT_ENDED) < exports:
        assert time.monotonic() < deadline, "the exports did not end"
        time.sleep(0.2)


def _timed(call) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    answer = call()
    return answer, time.perf_counter() - started


def _pool_in_use(api: httpx.Client) -> str:
    found = re.search(
        r"^live_attendance_db_pool_connections_in_use \S+", api.get("/metrics").text, re.M
    )
    return found.group(0) if found else "?"


def test_held_exports_leave_logins_classes_and_health_answering(exporting_server, long_history):
    path = f"/class/{long_history['class_id']}/attendance.csv"
    token = long_history["auth"]["Authorization"]
    teacher = long_history["teacher"]
    held = [_held_download(exporting_server, path, token) for _ in range(HELD)]
    try:
        assert [_status_of(sock) for sock in held] == [200] * HELD  # every export has begun
        # A short timeout: before, these waited 5 s for a pooled connection (or forever).
        with httpx.Client(base_url=exporting_server.base_url, timeout=4) as api:
            # One export more than a user may run at once is refused at once.
            assert _refused_export(api, path, long_history["auth"]) == (429, TOO_MANY_EXPORTS)
            print(f"\nwith {HELD} exports held: {_pool_in_use(api)}")
            login, login_took = _timed(
                lambda: api.post(
                    "/auth/login", json={"email": teacher["email"], "password": teacher["password"]}
                )
            )
            classes, classes_took = _timed(lambda: api.get("/class", headers=long_history["auth"]))
            health, health_took = _timed(lambda: api.get("/health"))
            print(
                f"login {login.status_code} in {login_took:.3f} s, GET /class"
                f" {classes.status_code} in {classes_took:.3f} s, /health {health.status_code}"
                f" in {health_took:.3f} s"
            )
            assert (login.status_code, classes.status_code, health.status_code) == (200,) * 3
            # Once every export has filled its socket and waits on its client, none holds a
            # connection (the gauge is read every second; the exports take a while to get
            # there on a busy machine).
            deadline = time.monotonic() + 30
            while _pool_in_use(api) != "live_attendance_db_pool_connections_in_use 0.0":
                assert time.monotonic() < deadline, _pool_in_use(api)
                time.sleep(0.5)
            print(f"then: {_pool_in_use(api)}")
    finally:
        for sock in held:
            sock.close()
    _wait_until_ended(exporting_server, HELD)


def test_a_client_that_stops_reading_is_cut_off_and_its_export_slot_freed(
    exporting_server, long_history
):
    path = f"/class/{long_history['class_id']}/attendance.csv"
    token = long_history["auth"]["Authorization"]
    ended_before = _log_count(exporting_server, EXPORT_ENDED)
    cut_off_before = _log_count(exporting_server, "client stopped reading")
    held = [_held_download(exporting_server, path, token) for _ in range(HELD)]
    received: list[int] = []
    with httpx.Client(base_url=exporting_server.base_url, timeout=30) as api:
        try:
            assert [_status_of(sock) for sock in held] == [200] * HELD  # each holds a slot
            assert _refused_export(api, path, long_history["auth"]) == (429, TOO_MANY_EXPORTS)
            deadline = time.monotonic() + WRITE_TIMEOUT + 30
            while _log_count(exporting_server, "client stopped reading") < cut_off_before + HELD:
                assert time.monotonic() < deadline, "no one was cut off"
                time.sleep(0.2)
            for sock in held:  # what each got before the server hung up
                with closing(sock):
                    received.append(_read_until_cut_off(sock))
        finally:
            for sock in held:
                sock.close()
        whole = api.get(path, headers=long_history["auth"])
    assert whole.status_code == 200
    assert whole.text.count("\r\n") == 1 + STUDENTS * SESSIONS
    assert max(received) < len(whole.content)  # each was cut off, none read to the end
    _wait_until_ended(exporting_server, ended_before + HELD + 1)
    assert _log_count(exporting_server, "client stopped reading") - cut_off_before == HELD
    # Every slot was given back: as many exports as a user may run can run at once again.
    again = [_held_download(exporting_server, path, token) for _ in range(HELD)]
    try:
        assert [_status_of(sock) for sock in again] == [200] * HELD
    finally:
        for sock in again:
            sock.close()
    _wait_until_ended(exporting_server, ended_before + 2 * HELD + 1)


def _log_count(server: ServerProcess, text: str) -> int:
    return server.log_path.read_text().count(text)


def _read_until_cut_off(sock: socket.socket) -> int:
    received = 0
    try:
        while chunk := sock.recv(65536):
            received += len(chunk)
    except ConnectionResetError:
        pass
    return received
