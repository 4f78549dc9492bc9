"""The access lines (one per HTTP request, two per live socket), written without structlog's
generic machinery: they are most of what the service logs under load."""

import os
from typing import Any

from infrastructure.log_redaction import may_need_redaction, redact_secrets
from infrastructure.log_writing import TurnBatchedWriter, UtcTimestamp, json_encoder

MAX_REMEMBERED_STARTS = 1_000
ACCESS_LOGGER = "live_attendance.access"  # the logger of every access line


class JsonAccessLines:
    """Writes the access lines (one per HTTP request, two per live socket) as the JSON pipeline
    (infrastructure/logs.py) writes `structlog.get_logger("live_attendance.access").info(
    "request", method=..., route=..., status=..., duration_ms=...)` and the sockets' "socket
    opened" and "socket closed" with the request and user ids bound: the same fields, values
    and redaction, to the same writer, without structlog's generic machinery. The fields every
    line of a kind shares (a request's method, route and status; a socket's protocol) are
    encoded and redacted once, and so is how every line of the process ends; per line only the
    rest, the ids and the time are. Through the pipeline a request's line costs about 80,000
    instructions, this way about 15,600 (docs/benchmarks.md). A test holds the two to the same
    output."""

    def __init__(self, writer: TurnBatchedWriter) -> None:
        self._writer = writer
        self._stamp = UtcTimestamp()
        self._starts: dict[tuple[Any, ...], bytes] = {}  # '{"method":...,"status":200'
        self._pid = -1
        self._ends: dict[str, bytes] = {}  # ',"message":...,"pid":...,"timestamp":"', by message

    def request(
        self,
        method: str,
        route: str,
        status: int,
        duration_ms: float,
        request_id: str,
        user_id: str | None,
    ) -> None:
        key = (method, route, status)
        start = self._starts.get(key) or self._start(
            key, {"method": method, "route": route, "status": status}
        )
        self._write(start, "request", {"duration_ms": duration_ms}, request_id, user_id)

    def socket_opened(self, protocol: str, request_id: str | None, user_id: str | None) -> None:
        key = ("socket opened", protocol)
        start = self._starts.get(key) or self._start(key, {"protocol": protocol})
        self._write(start, "socket opened", {}, request_id, user_id)

    def socket_closed(
        self,
        protocol: str,
        close_code: int | None,
        duration_ms: float,
        frames_in: int,
        frames_out: int,
        request_id: str | None,
        user_id: str | None,
    ) -> None:
        key = ("socket closed", protocol)
        start = self._starts.get(key) or self._start(key, {"protocol": protocol})
        varying = {
            "close_code": close_code,
            "duration_ms": duration_ms,
            "frames_in": frames_in,
            "frames_out": frames_out,
        }
        self._write(start, "socket closed", varying, request_id, user_id)

    def _start(self, key: tuple[Any, ...], fields: dict[str, Any]) -> bytes:
        start = json_encoder.encode(redact_secrets(None, "info", fields))[:-1]
        if len(self._starts) < MAX_REMEMBERED_STARTS:  # methods are the client's to choose
            self._starts[key] = start
        return start

    def _write(
        self,
        start: bytes,
        message: str,
        varying: dict[str, Any],
        request_id: str | None,
        user_id: str | None,
    ) -> None:
        if request_id is not None:
            varying["request_id"] = request_id
        if user_id is not None:
            varying["user_id"] = user_id
        # One look at both ids decides (a marker in either is in their join).
        if may_need_redaction((request_id or "") + (user_id or "")):
            redact_secrets(None, "info", varying)
        pid = os.getpid()
        if self._pid != pid:
            self._pid, self._ends = pid, {}
        end = self._ends.get(message) or self._end(message, pid)
        middle = b"," + json_encoder.encode(varying)[1:-1] if varying else b""
        self._writer.write(b"".join((start, middle, end, self._stamp.now().encode(), b'"}\n')))

    def _end(self, message: str, pid: int) -> bytes:
        fixed = {"message": message, "logger": ACCESS_LOGGER, "level": "info"}
        end = self._ends[message] = (
            b"," + json_encoder.encode(fixed)[1:-1] + b',"pid":%d,"timestamp":"' % pid
        )
        return end
