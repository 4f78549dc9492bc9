"""uvicorn's HTTP protocol (httptools) with the two limits it lacks.

- A request's headers must arrive within HTTP_HEADER_TIMEOUT_SECONDS of the connection opening
  (or of the previous response): uvicorn's keep-alive timeout covers only idle connections
  between requests, so a client that sends half a request line holds its connection forever.
- At most MAX_CONNECTIONS connections per process (HTTP and WebSocket); past it, a new one gets
  503 in the envelope and is closed. uvicorn's own `limit_concurrency` answers in plain text.

Both limits come from the environment that `live-attendance serve` prepares, so every worker
process reads the same figures."""

import asyncio
import os
from functools import cache

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_BODY = b'{"success":false,"error":"Service unavailable"}'
SERVICE_UNAVAILABLE = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
    b"content-length: " + str(len(_BODY)).encode() + b"\r\nconnection: close\r\n\r\n" + _BODY
)


@cache
def _limits() -> tuple[float, int]:
    return (
        float(os.environ.get("HTTP_HEADER_TIMEOUT_SECONDS", "10")),
        int(os.environ.get("MAX_CONNECTIONS", "10000")),
    )


class GuardedHttpProtocol(HttpToolsProtocol):
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        header_timeout, max_connections = _limits()
        if len(self.connections) > max_connections:
            transport.write(SERVICE_UNAVAILABLE)
            transport.close()
            return
        self._header_timer = self.loop.call_later(header_timeout, self._headers_too_slow)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:  # the next request on a kept-alive connection
            self._header_timer = self.loop.call_later(_limits()[0], self._headers_too_slow)

    def on_headers_complete(self) -> None:
        self._stop_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()
