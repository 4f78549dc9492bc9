import contextvars
import json
import logging
import os
import re
from uuid import UUID

import bcrypt
import pytest
import structlog

from api.log_context import add_bound_ids, bind_request_id, bind_user_id
from infrastructure.logs import configure_logging, log_config

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOiJ4In0.c2lnbmF0dXJl"
USER_ID = UUID("2b1c7f0e-8c3f-4a55-9a53-5b1f6f1f0d2e")


def formatted(message: str, *args, log_format: str = "console") -> str:
    """A standard library record (uvicorn's, a library's) as our handler writes it."""
    options = dict(log_config("DEBUG", log_format)["formatters"]["structured"])
    formatter = options.pop("()")(**options)
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, message, args, None)
    return formatter.format(record)


def redacted(message: str, *args) -> str:
    return json.loads(formatted(message, *args, log_format="json"))["message"]


def test_tokens_in_socket_urls_are_redacted():
    line = redacted('%s - "WebSocket %s" [accepted]', "127.0.0.1:5", "/ws?token=abc.def-ghi")
    assert "abc.def-ghi" not in line
    assert "/ws?[redacted]" in line


@pytest.mark.parametrize("path", [f"/ws%3Ftoken%3D{JWT}", f"/ws/token%3D{JWT}"])
def test_tokens_in_percent_encoded_socket_urls_are_redacted(path):
    # uvicorn quotes the path of a handshake it refuses, so "?" and "=" arrive as %3F and %3D.
    line = redacted('%s - "WebSocket %s" 404', "127.0.0.1:5", path)
    assert JWT not in line and JWT[:20] not in line and "[redacted]" in line


def test_jwts_and_bcrypt_hashes_are_redacted_anywhere():
    password_hash = bcrypt.hashpw(b"secret1", bcrypt.gensalt(4)).decode()
    line = redacted("user %s hash %s", JWT, password_hash)
    assert JWT not in line and password_hash not in line
    assert line.count("[redacted]") == 2


def test_a_one_time_links_token_is_redacted_wherever_a_link_is_logged():
    token = "Zq3-x_81bYk0w9VtAa5e2nN4cR7uHs6dLm1oPfEgTjI"
    link = f"https://attendance.school.example/#/reset-password/{token}"
    line = redacted("sent %s and %s", link, f"#/set-password/{token}")
    assert token not in line and token[:10] not in line
    assert line == "sent https://attendance.school.example/#/[redacted] and #/[redacted]"


def test_ordinary_lines_are_untouched():
    assert redacted("serving on %s:%d", "0.0.0.0", 3000) == "serving on 0.0.0.0:3000"


@pytest.mark.parametrize("log_format", ["json", "console"])
def test_control_characters_from_a_caller_cannot_forge_a_log_line(log_format):
    line = formatted(
        "unhandled error on GET %s", "/x\r\nERROR forged line\x00\x1b[31m", log_format=log_format
    )
    assert "\n" not in line and "\r" not in line and "\x00" not in line and "\x1b" not in line
    message = json.loads(line)["message"] if log_format == "json" else line
    assert "unhandled error on GET /x\\r\\nERROR forged line\\x00\\x1b[31m" in message


def test_a_socket_url_keeps_no_query_even_with_encoded_names():
    line = redacted('"WebSocket %s" [accepted]', "/ws?%74oken=%65yJhbGciOiJIUzI1NiJ9.x.y")
    assert "%65yJ" not in line and line == '"WebSocket /ws?[redacted]" [accepted]'


def test_no_query_of_any_url_reaches_the_log_whatever_it_holds():
    for path in ("/ws?'&%74oken=%65yJhbGci", '/ws?a"b&token=x', "/ws/?%74oken=x", "/nope?t=x"):
        line = redacted('%s - "WebSocket %s" 404', "127.0.0.1:5", path)
        assert line.endswith('?[redacted]" 404'), line
    assert redacted("what? nothing") == "what? nothing"


def test_a_json_line_names_time_level_logger_and_message():
    line = json.loads(formatted("serving on %s", "0.0.0.0", log_format="json"))
    assert line["message"] == "serving on 0.0.0.0"
    assert (line["level"], line["logger"]) == ("info", "uvicorn.error")
    assert line["timestamp"].endswith("Z")


def test_our_records_carry_the_bound_request_and_user_and_never_a_secret(capsys):
    configure_logging("DEBUG", "json", add_bound_ids)

    def serve_a_request() -> None:  # in a context of its own, as a request is served
        bind_request_id("r-1")
        bind_user_id(USER_ID)
        structlog.get_logger("live_attendance.test").info(
            "signed up", password="hunter22", token=JWT, authorization="Bearer x", path="/x?t=1"
        )

    contextvars.copy_context().run(serve_a_request)
    structlog.get_logger("live_attendance.test").info("outside any request")
    line, outside = [json.loads(text) for text in capsys.readouterr().err.splitlines()]
    assert line["message"] == "signed up" and line["logger"] == "live_attendance.test"
    assert (line["request_id"], line["user_id"], line["level"]) == ("r-1", str(USER_ID), "info")
    assert "request_id" not in outside and "user_id" not in outside
    assert line["pid"] == os.getpid() and re.fullmatch(r"\d{4}-.*T.*\.\d{6}Z", line["timestamp"])
    assert "event" not in line
    assert line["password"] == line["token"] == line["authorization"] == "[redacted]"
    assert line["path"] == "/x?[redacted]"


class RecordingFile:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def flush(self) -> None:
        pass


def test_lines_of_one_turn_of_the_loop_are_written_together():
    import asyncio

    from infrastructure.log_writing import TurnBatchedWriter

    raw = RecordingFile()
    writer = TurnBatchedWriter(raw)
    writer.write(b"before the loop\n")  # nothing to wait for: at once
    assert raw.writes == [b"before the loop\n"]

    async def lines() -> list[bytes]:
        for n in range(3):
            writer.write(b"line %d\n" % n)
        written_meanwhile = list(raw.writes)
        await asyncio.sleep(0)  # the turn ends
        return written_meanwhile

    assert asyncio.run(lines()) == [b"before the loop\n"]
    assert raw.writes == [b"before the loop\n", b"line 0\nline 1\nline 2\n"]


def test_a_long_value_is_cut_after_redaction_and_jwts_after_separators_still_go():
    from infrastructure.log_redaction import MAX_VALUE_CHARACTERS, redacted

    line = redacted("/" + "eyJ" * 2700)  # a refused handshake's path, up to 8 KB
    assert len(line) <= MAX_VALUE_CHARACTERS + len("…[cut]") and line.endswith("…[cut]")
    for before in (" ", "=", ":", '"', "/", "("):
        assert JWT not in redacted(f"x{before}{JWT} y"), before
    # A token across the cut is redacted whole, not cut into pieces no pattern recognises.
    straddling = redacted("/" * (MAX_VALUE_CHARACTERS - 31) + " " + JWT)
    assert JWT[:12] not in straddling and "[redacted" in straddling


def test_forgotten_are_the_live_gauges_of_workers_that_died_not_their_counts(tmp_path, monkeypatch):
    import os
    import subprocess

    from infrastructure.metrics import forget_dead_processes

    dead = subprocess.Popen(["true"])
    dead.wait()
    names = [
        f"gauge_livesum_{dead.pid}.db",
        f"counter_{dead.pid}.db",
        f"gauge_livesum_{os.getpid()}.db",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    forget_dead_processes()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])


@pytest.mark.parametrize(
    ("method", "request_id", "user_id"),
    [
        ("GET", "r-1", USER_ID),
        ("eyJa.eyJb.c2ln", "r-1", None),
        ("PO\nST", "r-1", None),
        ("GET", "eyJa.eyJb.c2ln", USER_ID),  # a client's id may look like a token
    ],
)
def test_the_fast_access_line_is_the_line_structlog_writes(
    capsys, monkeypatch, method, request_id, user_id
):
    pipeline, fast = pipeline_and_fast_access_lines(monkeypatch)
    user = None if user_id is None else str(user_id)

    def serve_requests() -> None:
        bind_request_id(request_id)
        if user_id is not None:
            bind_user_id(user_id)
        # The second and third lines of the fast writer reuse what the first encoded.
        for duration_ms in (12.5, 0.07, 1234.0):
            for lines in (pipeline, fast):
                lines.request(method, "/class/{class_id:uuid}", 201, duration_ms, request_id, user)

    contextvars.copy_context().run(serve_requests)
    lines = [json.loads(text) for text in capsys.readouterr().err.splitlines()]
    assert len(lines) == 6
    for line in lines:
        assert re.fullmatch(r"\d{4}-.*T.*\.\d{6}Z", line.pop("timestamp"))
    for pipeline_line, fast_line in zip(lines[::2], lines[1::2], strict=True):
        assert pipeline_line == fast_line
    assert [line["duration_ms"] for line in lines[::2]] == [12.5, 0.07, 1234.0]
    assert lines[0]["route"] == "/class/{class_id:uuid}" and lines[0]["status"] == 201
    assert lines[0].get("user_id") == user and lines[0]["request_id"] != "eyJa.eyJb.c2ln"
    assert "eyJa" not in lines[0]["method"] and "\n" not in lines[0]["method"]


def pipeline_and_fast_access_lines(monkeypatch):
    from api import observability
    from api.observability import StructuredAccessLines
    from infrastructure.logs import json_access_lines

    configure_logging("INFO", "json", add_bound_ids)
    # The module's logger keeps the stream of its first use (another test's captured one).
    monkeypatch.setattr(
        observability, "_access_log", structlog.get_logger("live_attendance.access")
    )
    fast = json_access_lines()
    assert fast is not None
    return StructuredAccessLines(), fast


@pytest.mark.parametrize(
    ("request_id", "user_id"), [("r-1", USER_ID), (None, None), ("eyJa.eyJb.c2ln", None)]
)
def test_the_fast_socket_lines_are_the_lines_structlog_writes(
    capsys, monkeypatch, request_id, user_id
):
    pipeline, fast = pipeline_and_fast_access_lines(monkeypatch)
    user = None if user_id is None else str(user_id)

    def serve_sockets() -> None:
        if request_id is not None:
            bind_request_id(request_id)
        if user_id is not None:
            bind_user_id(user_id)
        for protocol, close_code in (("v1", 1000), ("v2", None), ("v1", 4001)):
            for lines in (pipeline, fast):
                lines.socket_opened(protocol, request_id, user)
            for lines in (pipeline, fast):
                lines.socket_closed(protocol, close_code, 1234.57, 3, 10, request_id, user)

    contextvars.copy_context().run(serve_sockets)
    lines = [json.loads(text) for text in capsys.readouterr().err.splitlines()]
    assert len(lines) == 12
    for line in lines:
        assert re.fullmatch(r"\d{4}-.*T.*\.\d{6}Z", line.pop("timestamp"))
    for pipeline_line, fast_line in zip(lines[::2], lines[1::2], strict=True):
        assert pipeline_line == fast_line
    opened, closed = lines[0], lines[2]
    assert (opened["message"], opened["protocol"]) == ("socket opened", "v1")
    assert (closed["message"], closed["close_code"], closed["frames_out"]) == (
        "socket closed",
        1000,
        10,
    )
    assert lines[6]["close_code"] is None and lines[10]["close_code"] == 4001
    assert closed.get("user_id") == user and closed.get("request_id") != "eyJa.eyJb.c2ln"
    assert ("request_id" in closed) == (request_id is not None)


def test_the_fast_access_line_remembers_a_bounded_number_of_line_starts():
    from infrastructure.access_lines import MAX_REMEMBERED_STARTS, JsonAccessLines

    written: list[bytes] = []
    lines = JsonAccessLines(RecordingWriter(written))
    for n in range(MAX_REMEMBERED_STARTS + 500):  # a client choosing a new method each time
        lines.request(f"M{n}", "unmatched", 404, 0.5, "r-1", None)
    assert len(lines._starts) == MAX_REMEMBERED_STARTS
    last = json.loads(written[-1])
    assert (last["method"], last["status"], last["duration_ms"]) == (
        f"M{MAX_REMEMBERED_STARTS + 499}",
        404,
        0.5,
    )


class RecordingWriter:
    def __init__(self, written: list[bytes]) -> None:
        self.write = written.append


def test_no_fast_access_line_unless_lines_are_json_and_info_is_written():
    from infrastructure.logs import json_access_lines

    configure_logging("WARNING", "json")
    assert json_access_lines() is None
    configure_logging("INFO", "console")
    assert json_access_lines() is None


@pytest.mark.parametrize("log_format", ["json", "console"])
def test_uvicorn_is_given_no_access_logger_to_format_its_lines_for(log_format):
    # uvicorn's HTTP protocol writes its access line, formatting the client's address and the
    # path first, whenever `logging.getLogger("uvicorn.access").hasHandlers()`.
    configure_logging("DEBUG", log_format)
    assert not logging.getLogger("uvicorn.access").hasHandlers()
    assert logging.getLogger("uvicorn.error").hasHandlers()  # its errors are still written
