"""What a hostile caller tries against the running service: unknown paths with every method,
control characters in paths, JSON nested past any parser's recursion, CORS preflights from
elsewhere, tokens of accounts that do not exist. Each answer is in the envelope, none is a 500,
and nothing a caller sends can forge a log line."""

import json
import socket
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import jwt
import pytest

from tests.integration.live import ConnectionClosed, LiveClient
from tests.integration.server import CORS_ORIGIN, TEST_JWT_SECRET

NOT_FOUND = {"success": False, "error": "Not found"}
UNAUTHORIZED = {"success": False, "error": "Unauthorized, token missing or invalid"}
INVALID_SCHEMA = {"success": False, "error": "Invalid request schema"}
DEEP_JSON = "[" * 30_000 + "]" * 30_000


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"])
@pytest.mark.parametrize("path", ["/no/such/route", "/nope", "/auth/nope", "/class/x/y/z"])
def test_an_unknown_path_is_a_404_for_every_method(api, method, path):
    response = api.request(method, path)
    assert response.status_code == 404
    if method != "HEAD":
        assert response.json() == NOT_FOUND


@pytest.mark.parametrize("path", ["/", "/app.js", "/styles.css", "/health", "/schema/openapi.json"])
def test_head_answers_wherever_get_does(api, path):
    got = api.get(path)
    head = api.head(path)
    assert (got.status_code, head.status_code) == (200, 200)
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]


def test_head_on_an_authenticated_get_route(api, teacher):
    assert api.head("/auth/me", headers=teacher.auth).status_code == 200
    assert api.head("/auth/me").status_code == 401


def test_a_preflight_from_another_origin_is_refused_in_the_envelope(api):
    refused = api.options(
        "/auth/login",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert refused.status_code == 403
    assert refused.json() == {"success": False, "error": "Forbidden, origin not allowed"}
    assert "access-control-allow-origin" not in refused.headers


def test_a_preflight_from_the_allowed_origin_to_an_unknown_path_is_a_404(api):
    response = api.options(
        "/no/such/route", headers={"Origin": CORS_ORIGIN, "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def raw_request(port: int, path: str) -> bytes:
    """Sends the path exactly as given (an HTTP client would clean it up)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize(
    "path", ["/app.js%00", "/%00", "/app.js%0a", "/x%0d%0aFORGED-LOG-LINE%20ERROR", "/..%2fsrc"]
)
def test_control_characters_in_a_path_are_a_404_and_forge_no_log_line(server, path):
    answer = raw_request(server.port, path)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 404 Not Found", answer[:300]
    assert rest.endswith(json.dumps(NOT_FOUND, separators=(",", ":")).encode())
    log_lines = server.log_path.read_text().splitlines()
    assert not any(line.startswith("FORGED-LOG-LINE") for line in log_lines)


def test_json_nested_deeper_than_any_parser_recursion_is_a_400(api, teacher):
    for path, headers in (("/auth/signup", {}), ("/class", teacher.auth)):
        response = api.post(
            path, content=DEEP_JSON, headers={**headers, "Content-Type": "application/json"}
        )
        assert (response.status_code, response.json()) == (400, INVALID_SCHEMA)
    inside = '{"className": ' + DEEP_JSON + "}"
    response = api.post(
        "/class", content=inside, headers={**teacher.auth, "Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()) == (400, INVALID_SCHEMA)


def test_json_nested_deeper_than_any_parser_recursion_is_an_invalid_frame(live, teacher):
    ws = live(teacher)
    ws.send_raw(DEEP_JSON)
    assert ws.receive_error() == "Invalid message format"
    ws.send_raw('{"event": "TODAY_SUMMARY", "data": ' + DEEP_JSON + "}")
    assert ws.receive_error() == "Invalid message format"
    ws.send("TODAY_SUMMARY")  # the socket is still served
    assert ws.receive_error() == "No active attendance session"


def token_of_nobody(role: str) -> str:
    now = datetime.now(UTC)
    claims = {"userId": str(uuid4()), "role": role, "iat": now, "exp": now + timedelta(days=1)}
    return jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256")


def test_a_valid_token_of_a_missing_account_writes_nothing(api, server):
    headers = {"Authorization": token_of_nobody("teacher")}
    me = api.get("/auth/me", headers=headers)
    assert (me.status_code, me.json()) == (404, {"success": False, "error": "User not found"})
    for method, path, body in (
        ("POST", "/class", {"className": "Ghost class"}),
        ("GET", "/class", None),
        ("GET", "/students", None),
        ("POST", "/attendance/start", {"classId": str(uuid4())}),
    ):
        response = api.request(method, path, json=body, headers=headers)
        assert (response.status_code, response.json()) == (401, UNAUTHORIZED), path


def test_a_socket_with_a_valid_token_of_a_missing_account_is_refused(server):
    ws = LiveClient(server.ws_url, token_of_nobody("student"))
    assert ws.receive_error() == "Unauthorized or invalid token"
    with pytest.raises(ConnectionClosed) as closed:
        ws.receive()
    assert closed.value.rcvd.code == 1008


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "DELETE", "OPTIONS"])
@pytest.mark.parametrize("path", ["/schema/nope", "/schema/redoc", "/schema/x/y"])
def test_unknown_paths_under_the_schema_are_404s_too(api, method, path):
    response = api.request(method, path)
    assert response.status_code == 404
    if method != "HEAD":
        assert response.json() == NOT_FOUND


def raw_exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def envelope_of(answer: bytes) -> tuple[bytes, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), answer[:300]
    return head.split(b"\r\n")[0], json.loads(body)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"FOO /x HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET health HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n",
    ],
)
def test_a_request_the_parser_refuses_is_a_400_in_the_envelope(server, request_bytes):
    status_line, body = envelope_of(raw_exchange(server.port, request_bytes))
    assert status_line == b"HTTP/1.1 400 Bad Request"
    assert body == {"success": False, "error": "Invalid request"}


@pytest.mark.parametrize("size", [70_000, 200_000, 1_000_000])  # whole in one read, or not
def test_headers_over_64_kib_are_a_431_at_once(server, size):
    request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * size + b"\r\n\r\n"
    status_line, body = envelope_of(raw_exchange(server.port, request))
    assert status_line == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert body == {"success": False, "error": "Request headers too large"}


def websocket_handshake(path: str, extra: bytes = b"") -> bytes:
    return (
        (
            f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        ).encode()
        + extra
        + b"\r\n"
    )


def test_a_handshake_over_the_socket_limits_is_answered_at_once(server):
    status_line, body = envelope_of(
        raw_exchange(server.port, websocket_handshake("/ws?token=" + "a" * 20_000))
    )
    assert status_line == b"HTTP/1.1 414 URI Too Long"
    assert body == {"success": False, "error": "Request line too long"}
    many = b"".join(b"X-H%d: v\r\n" % n for n in range(200))
    status_line, body = envelope_of(raw_exchange(server.port, websocket_handshake("/ws", many)))
    assert status_line == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert body == {"success": False, "error": "Request headers too large"}


@pytest.mark.parametrize("path", ["/nope", "/health", "/auth/login"])
def test_a_handshake_to_a_path_that_is_no_socket_is_a_404(server, path):
    status_line, body = envelope_of(raw_exchange(server.port, websocket_handshake(path)))
    assert status_line.startswith(b"HTTP/1.1 404")
    assert body == NOT_FOUND


UUID_WITH_NEWLINE = "00000000-0000-0000-0000-000000000000\n"


def test_ids_and_emails_with_a_trailing_newline_are_invalid(api, teacher, make_class):
    classroom = make_class(teacher)
    for path, body in (
        ("/attendance/start", {"classId": UUID_WITH_NEWLINE}),
        (f"/class/{classroom['id']}/add-student", {"studentId": UUID_WITH_NEWLINE}),
    ):
        response = api.post(path, json=body, headers=teacher.auth)
        assert (response.status_code, response.json()) == (400, INVALID_SCHEMA), path
    look_alike = {
        "name": "Vic",
        "email": teacher.email + "\n",
        "password": "secret1",
        "role": "student",
    }
    response = api.post("/auth/signup", json=look_alike)
    assert (response.status_code, response.json()) == (400, INVALID_SCHEMA)


def test_ids_with_a_trailing_newline_are_invalid_frames(live, teacher, student):
    teacher_ws, student_ws = live(teacher), live(student)
    teacher_ws.send("TODAY_SUMMARY", {"classId": UUID_WITH_NEWLINE})
    assert teacher_ws.receive_error() == "Invalid message format"
    student_ws.send("MY_ATTENDANCE", {"classId": UUID_WITH_NEWLINE})
    assert student_ws.receive_error() == "Invalid message format"


@pytest.mark.parametrize(
    "body", [{"archived": 1}, {"archived": "true"}, {"privateMarks": 0}, {"privateMarks": "false"}]
)
def test_a_boolean_in_a_body_is_true_or_false_only(api, teacher, make_account, make_class, body):
    path = f"/class/{make_class(teacher)['id']}"
    refused = api.patch(path, json=body, headers=teacher.auth)
    assert (refused.status_code, refused.json()) == (400, INVALID_SCHEMA)
    settings = api.patch(path, json={}, headers=teacher.auth).json()["data"]
    assert (settings["archived"], settings["privateMarks"]) == (False, False)
    # The order of checks holds: the role before the body, the body before the class.
    student = make_account()
    assert api.patch(path, json=body, headers=student.auth).status_code == 403
    nowhere = api.patch(f"/class/{uuid4()}", json=body, headers=teacher.auth)
    assert nowhere.status_code == 400
    changed = api.patch(path, json={"privateMarks": True}, headers=teacher.auth)
    assert changed.status_code == 200 and changed.json()["data"]["privateMarks"] is True


@pytest.mark.parametrize("search", ["a\tb", "a\nb", "\x01", "a\x7f", "b\x85", "\r"])
def test_a_student_search_with_a_control_character_is_a_400(api, teacher, search):
    refused = api.get("/students", params={"search": search}, headers=teacher.auth)
    assert (refused.status_code, refused.json()) == (400, INVALID_SCHEMA)


@pytest.mark.parametrize("limit", ["1e3", "1.0", "1E1", "5e0"])
def test_a_limit_in_anything_but_plain_digits_is_a_400(api, teacher, student, limit):
    refused = api.get("/students", params={"limit": limit}, headers=teacher.auth)
    assert (refused.status_code, refused.json()) == (400, INVALID_SCHEMA)
    plain = api.get("/students", params={"limit": "1"}, headers=teacher.auth)
    assert plain.status_code == 200 and len(plain.json()["data"]) == 1


def test_path_ids_in_other_spellings_of_a_uuid_name_nothing(api, teacher, student, make_class):
    class_id = make_class(teacher, student)["id"]

    def spellings(uuid: str) -> list[str]:  # each of which Python's UUID() takes
        return [f"{{{uuid}}}", uuid.replace("-", ""), f"urn:uuid:{uuid}"]

    for other in spellings(class_id):
        for method in ("GET", "PATCH"):
            response = api.request(method, f"/class/{other}", json={}, headers=teacher.auth)
            assert (response.status_code, response.json()) == (
                404,
                {"success": False, "error": "Class not found"},
            ), (method, other)
    for other in spellings(str(student.id)):
        gone = api.delete(f"/class/{class_id}/students/{other}", headers=teacher.auth)
        assert (gone.status_code, gone.json()) == (
            404,
            {"success": False, "error": "Student not found"},
        ), other
    kept = api.get(f"/class/{class_id}", headers=teacher.auth).json()["data"]["students"]
    assert [s["id"] for s in kept] == [str(student.id)]
    # Upper case is the same UUID.
    assert api.get(f"/class/{class_id.upper()}", headers=teacher.auth).status_code == 200
