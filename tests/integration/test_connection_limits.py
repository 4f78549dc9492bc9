"""Connections that never finish their request are closed, and a process holds at most
MAX_CONNECTIONS; past it, a newcomer hears 503 in the envelope, and room comes back as others
leave."""

import socket
import time

import httpx
import pytest

from tests.integration.server import ServerProcess

HEADER_TIMEOUT = 1  # HTTP_REQUEST_TIMEOUT_SECONDS
MAX_CONNECTIONS = 20


@pytest.fixture(scope="module")
def strict_server(server_env, tmp_path_factory):
    env = {
        **server_env,
        "HTTP_REQUEST_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
        "MAX_CONNECTIONS": str(MAX_CONNECTIONS),
    }
    process = ServerProcess(env, tmp_path_factory.mktemp("limits") / "server.log").start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def patient_server(server_env, tmp_path_factory):
    """The same cap with a request deadline no test step can outlast on a busy machine: for
    the tests that need connections to stay while they work, not the deadline itself."""
    env = {
        **server_env,
        "HTTP_REQUEST_TIMEOUT_SECONDS": "60",
        "MAX_CONNECTIONS": str(MAX_CONNECTIONS),
    }
    process = ServerProcess(env, tmp_path_factory.mktemp("patient") / "server.log").start()
    yield process
    process.stop()


def half_sent_request(port: int) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    return connection


def closed_by_server(connection: socket.socket) -> bytes:
    """What the server sent before closing (b"" for a silent close); fails if it stays open."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def test_a_request_whose_headers_never_finish_is_closed(strict_server):
    started = time.monotonic()
    with half_sent_request(strict_server.port) as connection:
        assert closed_by_server(connection) == b""
    assert HEADER_TIMEOUT - 0.1 <= time.monotonic() - started < HEADER_TIMEOUT + 5


def test_an_idle_kept_alive_connection_that_starts_a_request_and_stalls_is_closed(strict_server):
    with socket.create_connection(("127.0.0.1", strict_server.port), timeout=10) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        first = b""
        while not first.endswith(b"}}"):  # the whole first response
            first += connection.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        connection.sendall(b"GET /health HTTP/1.1\r\nHo")
        assert closed_by_server(connection) == b""


def test_past_the_connection_cap_a_newcomer_gets_a_503_in_the_envelope(patient_server):
    hogs = [half_sent_request(patient_server.port) for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", patient_server.port), timeout=10) as late:
            answer = closed_by_server(late)
        assert answer.startswith(b"HTTP/1.1 503")
        assert answer.endswith(b'{"success":false,"error":"Service unavailable"}')
    finally:
        for hog in hogs:
            hog.close()
    deadline = time.monotonic() + 10
    while httpx.get(f"{patient_server.base_url}/health").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_request_whose_body_never_finishes_is_closed(strict_server):
    with socket.create_connection(("127.0.0.1", strict_server.port), timeout=10) as connection:
        connection.sendall(
            b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        started = time.monotonic()
        answer = closed_by_server(connection)
        assert not answer.startswith(b"HTTP/1.1 5"), answer
        assert time.monotonic() - started < HEADER_TIMEOUT + 5


def test_an_endless_chunked_trailer_is_refused_not_buffered(patient_server):
    with socket.create_connection(("127.0.0.1", patient_server.port), timeout=10) as connection:
        connection.sendall(
            b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-Trailer: "
        )
        answer = b""
        try:
            for _ in range(400):  # up to 400 KiB of trailer, far past the limit
                connection.sendall(b"a" * 1024)
        except (BrokenPipeError, ConnectionResetError):
            pass
        while chunk := connection.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert answer.endswith(b'{"success":false,"error":"Payload too large"}')
