"""What an operator sees of each request and socket: a request id that ties its log lines
together (an incoming `X-Request-ID` is kept, else one is made, and it is returned), the
access lines (one per HTTP request, two per live socket; through structlog unless the
composition root hands over a faster writer of the same lines), and the Prometheus metrics
the api counts.

Metric objects are created at import. With PROMETHEUS_MULTIPROC_DIR set (the `serve` command
sets it before anything imports prometheus-client), every worker writes its values to files
there and `GET /metrics` adds them up; without it (another server), each process reports its
own."""

import itertools
import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol, cast

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from api.log_context import bind_request_id, bound_user_id
from domain.errors import TooManyAttempts

PREFIX = "live_attendance_"
REQUEST_ID_HEADER = b"x-request-id"
# What an incoming request id may look like; anything else is replaced (it goes in every line,
# so nothing the log redaction would change: no "=", no "?").
_ACCEPTED_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:@/+-]{1,128}")
UNMATCHED_ROUTE = "unmatched"  # the label of requests no route took (404s, refused early)

# Its `_count` is the number of requests answered (one metric, one update per request).
HTTP_DURATION = Histogram(
    f"{PREFIX}http_request_duration_seconds",
    "HTTP requests answered, and the time from each one's arrival to its answer's end, by "
    "method, route template and status",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LIVE_SOCKETS = Gauge(
    f"{PREFIX}live_sockets",
    "Open live sockets, by protocol (v1: the assignment's, v2: live-attendance.v2)",
    ["protocol"],
    multiprocess_mode="livesum",
)
DELIVERIES = Counter(
    f"{PREFIX}broadcast_deliveries", "Frames of class broadcasts handed to sockets"
)
DROPPED_FRAMES = Counter(
    f"{PREFIX}dropped_frames",
    "Frames not sent: their socket was gone, or closed for falling too far behind",
)
THROTTLED = Counter(
    f"{PREFIX}throttled",
    "Attempts refused by a limit (429), by action: login, signup, check_in, password_reset",
    ["action"],
)

_access_log = structlog.get_logger("live_attendance.access")


class AccessLines(Protocol):
    """Writes the access lines: one per HTTP request, and two per live socket (opened, and
    closed with its close code, duration and frames). The ids are those bound to the request
    or socket being served (None if none was known)."""

    def request(
        self,
        method: str,
        route: str,
        status: int,
        duration_ms: float,
        request_id: str,
        user_id: str | None,
    ) -> None: ...

    def socket_opened(self, protocol: str, request_id: str | None, user_id: str | None) -> None: ...

    def socket_closed(
        self,
        protocol: str,
        close_code: int | None,
        duration_ms: float,
        frames_in: int,
        frames_out: int,
        request_id: str | None,
        user_id: str | None,
    ) -> None: ...


class StructuredAccessLines:
    """The access lines through structlog's configured processors (which add the bound ids)."""

    def request(
        self,
        method: str,
        route: str,
        status: int,
        duration_ms: float,
        _request_id: str,
        _user_id: str | None,
    ) -> None:
        _access_log.info(
            "request", method=method, route=route, status=status, duration_ms=duration_ms
        )

    def socket_opened(self, protocol: str, _request_id: str | None, _user_id: str | None) -> None:
        _access_log.info("socket opened", protocol=protocol)

    def socket_closed(
        self,
        protocol: str,
        close_code: int | None,
        duration_ms: float,
        frames_in: int,
        frames_out: int,
        _request_id: str | None,
        _user_id: str | None,
    ) -> None:
        _access_log.info(
            "socket closed",
            protocol=protocol,
            close_code=close_code,
            duration_ms=duration_ms,
            frames_in=frames_in,
            frames_out=frames_out,
        )


@contextmanager
def throttling_counted(action: str) -> Iterator[None]:
    """Counts the attempts of that action a limit refuses (login, signup, check_in,
    password_reset)."""
    try:
        yield
    except TooManyAttempts:
        THROTTLED.labels(action).inc()
        raise


# Request ids made here: unique per process start, then counted (cheaper than a UUID each).
_ID_PREFIX = os.urandom(6).hex()
_made_ids = itertools.count(1)


def request_id_of(scope: Mapping[str, Any]) -> str:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            if _ACCEPTED_REQUEST_ID.fullmatch(value):
                return value.decode()
            break
    return f"{_ID_PREFIX}-{next(_made_ids):x}"


class Observed:
    """The outermost ASGI layer: binds the request id (and, later, the user id) for every line
    logged while the request or socket is served, returns the id, and for HTTP writes the
    access line and the request metrics."""

    def __init__(self, app: ASGIApp, lines: AccessLines) -> None:
        self._app = app
        self._access_line = lines.request
        self._durations: dict[tuple[str, str, int], Any] = {}  # labelled once, then reused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in (ScopeType.HTTP, ScopeType.WEBSOCKET):
            await self._app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        bind_request_id(request_id)
        id_header = (REQUEST_ID_HEADER, request_id.encode())
        if scope["type"] == ScopeType.WEBSOCKET:
            await self._app(scope, receive, _with_header(send, "websocket.accept", id_header))
            return
        started = time.perf_counter()
        status = 500  # unless an answer starts

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = _with_added_header(message, id_header)
            await send(message)

        try:
            await self._app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            method, route = scope["method"], scope.get("path_template", UNMATCHED_ROUTE)
            key = (method, route, status)
            duration = self._durations.get(key)
            if duration is None:
                duration = self._durations[key] = HTTP_DURATION.labels(method, route, status)
            duration.observe(seconds)
            self._access_line(
                method, route, status, round(seconds * 1000, 2), request_id, bound_user_id()
            )


def _with_header(send: Send, message_type: str, header: tuple[bytes, bytes]) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == message_type:
            message = _with_added_header(message, header)
        await send(message)

    return sending


def _with_added_header(message: Message, header: tuple[bytes, bytes]) -> Message:
    """A response's start (or a socket's accept) with one more header; the app's own message
    and header list are left as they are (a response may reuse them)."""
    headers = [*cast("list[tuple[bytes, bytes]]", message.get("headers", [])), header]
    return cast(Message, {**message, "headers": headers})


def metrics_page() -> tuple[bytes, str]:
    """The metrics in Prometheus's text format, of every worker when they share a folder."""
    registry: Any = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    # The server adds the charset of a text answer itself (twice is a header Prometheus refuses).
    return generate_latest(registry), CONTENT_TYPE_LATEST.replace("; charset=utf-8", "")
