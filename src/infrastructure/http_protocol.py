"""uvicorn's HTTP protocol (httptools) with the limits it lacks, and its own refusals in the
envelope.

- A request (its headers and its body) must arrive within HTTP_REQUEST_TIMEOUT_SECONDS of its
  first byte, or of the connection opening: uvicorn's keep-alive timeout covers only idle
  connections between requests, so a client that sends half a request holds its connection
  forever.
- Request headers take at most MAX_HEADER_BYTES (431 past it): httptools buffers a header of
  any size, and parsing one of many megabytes stalls every other client of the process. A whole
  request takes at most that plus twice the largest body its route may take (MAX_BODY_BYTES,
  or IMPORT_MAX_BYTES for an import's file; 413 past it), which also bounds chunked trailers,
  which httptools buffers too and the app never sees.
- A client that reads nothing of its response for WRITE_TIMEOUT_SECONDS (the transport's buffer
  stays full) is cut off: otherwise it holds the request's task, and whatever the app holds while
  it waits, for as long as it likes.
- At most MAX_CONNECTIONS connections per process (HTTP and WebSocket); past it, a new one gets
  503 and is closed. uvicorn's own `limit_concurrency` answers in plain text.
- A valid WebSocket handshake to a path the app serves directly becomes a socket of our own
  (infrastructure/ws_direct.py), without uvicorn's ASGI task per socket.
- A WebSocket handshake over the `websockets` library's line or header limits is refused here
  (that library answers it only once the client hangs up), and a request httptools cannot
  parse gets 400 in the envelope, not uvicorn's plain text.
- Every refusal is counted by status (`live_attendance_http_refused_total`) and has an access
  line (`request refused`): the app, which writes the others, never sees these requests.

The figures come from the environment that `live-attendance serve` prepares, so every worker
process reads the same ones."""

import asyncio
import re
from functools import cache
from typing import cast
from urllib.parse import unquote

import httptools
import msgspec
import structlog
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from websockets.http11 import MAX_LINE_LENGTH, MAX_NUM_HEADERS

from infrastructure.access_lines import ACCESS_LOGGER
from infrastructure.metrics import HTTP_REFUSED
from infrastructure.settings import Settings, load_settings
from infrastructure.ws_direct import DIRECT_SOCKETS_STATE, DirectWebSocket
from infrastructure.ws_handshake import accept_value, subprotocols_asked

MAX_HEADER_BYTES = 64 * 1024
# After a refusal, what the client still sends is read and dropped for this long before the
# connection closes: closing with unread data resets it, and the client never reads the answer.
LINGER_SECONDS = 2.0
_REASONS = {
    400: b"Bad Request",
    413: b"Content Too Large",
    414: b"URI Too Long",
    431: b"Request Header Fields Too Large",
    503: b"Service Unavailable",
}
_MESSAGES = {
    400: "Invalid request",
    413: "Payload too large",
    414: "Request line too long",
    431: "Request headers too large",
    503: "Service unavailable",
}


def refusal(status: int) -> bytes:
    """A whole HTTP response in the envelope, after which the connection closes."""
    body = msgspec.json.encode({"success": False, "error": _MESSAGES[status]})
    return (
        b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
        b"connection: close\r\n\r\n" % (status, _REASONS[status], len(body))
    ) + body


# Beside the app's access lines: these requests never reach it.
_access_log = structlog.get_logger(ACCESS_LOGGER)


@cache
def _limits() -> Settings:
    return load_settings()


# The routes that take a file (an import's roster CSV or OneRoster zip): /admin/roster/...,
# /admin/oneroster/..., /class/{id}/roster/...
_IMPORT_PATH = re.compile(rb"^/(admin/(one)?roster|class/[^/]+/roster)/")


def _largest_body(url: bytes) -> int:
    """The largest body the request's route may take (the app refuses each route's own limit
    with 413; this bounds what reaches it, trailers included)."""
    if _IMPORT_PATH.match(url):
        return max(_limits().max_body_bytes, _limits().import_max_bytes)
    return _limits().max_body_bytes


class GuardedHttpProtocol(HttpToolsProtocol):
    _request_timer: asyncio.TimerHandle | None = None
    _write_timer: asyncio.TimerHandle | None = None
    _header_bytes: int | None = None  # counted while headers are arriving
    _request_bytes: int | None = None  # counted while a request is arriving
    _refused = False
    _headers_may_be_over = False  # see data_received

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > _limits().max_connections:
            self._refuse(503)
            return
        self._start_request()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        # Headers are counted as their reads arrive (below), but a read is counted only once
        # parsed, and it may hold the headers' end: headers that end in a read that could
        # take them past the limit are measured when they end (on_headers_complete).
        self._headers_may_be_over = (self._header_bytes or 0) + len(data) > MAX_HEADER_BYTES
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self._header_bytes is not None:
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._refuse(431)
                return
        if self._request_bytes is not None:
            self._request_bytes += len(data)
            if self._request_bytes > MAX_HEADER_BYTES + 2 * _largest_body(
                getattr(self, "url", b"")
            ):
                self._refuse(413)

    # Once refused, nothing more of what the client sent is served (pipelined requests in the
    # same read included), and the refusal's closing timer is left running.

    def on_message_begin(self) -> None:
        if self._refused:
            return
        super().on_message_begin()
        if self._request_timer is None:  # the next request on a kept-alive connection
            self._start_request()

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        self._header_bytes = None
        if self._headers_may_be_over and self._header_size() > MAX_HEADER_BYTES:
            self._refuse(431)
            return
        super().on_headers_complete()

    def _header_size(self) -> int:
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        self._stop_request_timer()
        self._request_bytes = None
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        if self._refused:
            return
        self._stop_request_timer()
        if len(self.url) + 32 > MAX_LINE_LENGTH:
            self._refuse(414)
        elif len(self.headers) > MAX_NUM_HEADERS or any(
            len(name) + len(value) + 4 > MAX_LINE_LENGTH for name, value in self.headers
        ):
            self._refuse(431)
        elif not self._upgraded_directly():
            super().handle_websocket_upgrade()

    def _upgraded_directly(self) -> bool:
        """A valid handshake to a path the app serves directly becomes one of our own
        sockets (infrastructure/ws_direct.py); anything else goes to uvicorn's."""
        paths = self.app_state.get(DIRECT_SOCKETS_STATE)
        if not paths:
            return False
        try:
            url = httptools.parse_url(self.url)
        except httptools.HttpParserInvalidURLError:
            return False
        path = self.root_path + unquote(url.path.decode("latin-1"))
        app = paths.get(path)
        if app is None:
            return False
        headers = cast("list[tuple[bytes, bytes]]", self.scope["headers"])
        accept = accept_value(self.scope["method"], self.scope["http_version"], headers)
        if accept is None:
            return False
        self.connections.discard(self)
        self._stop_write_timer()
        scope = {
            **self.scope,
            "type": "websocket",
            "path": path,
            "raw_path": url.path,
            "query_string": url.query or b"",
            "scheme": "wss" if self.scope["scheme"] == "https" else "ws",
            "subprotocols": subprotocols_asked(headers),
        }
        DirectWebSocket.take_over(
            self.transport,
            app,
            scope,
            accept,
            self.server_state,
            max_size=self.config.ws_max_size,
            ping_interval=self.config.ws_ping_interval,
            write_timeout=_limits().write_timeout_seconds,
        )
        return True

    def send_400_response(self, msg: str) -> None:
        self._refuse(400)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._write_timer is None:
            self._write_timer = self.loop.call_later(
                _limits().write_timeout_seconds, self._write_too_slow
            )

    def resume_writing(self) -> None:
        self._stop_write_timer()
        super().resume_writing()

    def _write_too_slow(self) -> None:
        self._write_timer = None
        _access_log.warning("client stopped reading", timeout=_limits().write_timeout_seconds)
        self.transport.abort()

    def _stop_write_timer(self) -> None:
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_request_timer()
        self._stop_write_timer()
        super().connection_lost(exc)

    def _start_request(self) -> None:
        self._header_bytes = 0
        self._request_bytes = 0
        self._request_timer = self.loop.call_later(
            _limits().http_request_timeout_seconds, self._request_too_slow
        )

    def _stop_request_timer(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _request_too_slow(self) -> None:
        self._request_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def _refuse(self, status: int) -> None:
        self._stop_request_timer()
        self._header_bytes = self._request_bytes = None
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        HTTP_REFUSED.labels(status).inc()
        _access_log.info("request refused", status=status, error=_MESSAGES[status])
        self.transport.write(refusal(status))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._request_timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)
