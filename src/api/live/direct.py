"""`/ws` as our own server serves it (infrastructure/ws_direct.py): the server calls back with
each message, so no task waits on an idle socket. A task runs while a socket has something to
do: its opening, answering the messages that arrived, its end; each in the socket's own log
context (its request id and user id)."""

import asyncio
import contextvars
import logging
from typing import Any, Protocol

from api.live.sockets import LiveServices, LiveSocket, open_live_socket
from api.log_context import bind_request_id
from api.observability import REQUEST_ID_HEADER, request_id_of

log = logging.getLogger(__name__)

# Past this many messages waiting to be answered, the server stops reading the socket.
MAX_WAITING_MESSAGES = 256


class ServerSocket(Protocol):
    """What our server's direct socket offers the app."""

    def write_frame(self, frame: bytes) -> bool: ...

    async def send(self, message: dict[str, Any]) -> None: ...

    def abort(self) -> None: ...

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


class DirectLiveSockets:
    """Called by our server for each new socket on `/ws`."""

    def __init__(self, services: LiveServices) -> None:
        self._services = services

    def connect(self, scope: dict[str, Any], socket: ServerSocket) -> Any:
        return _DirectLiveSocket(self._services, scope, socket).received


class _DirectLiveSocket:
    __slots__ = ("_closed_with", "_context", "_live", "_server", "_task", "_waiting")

    def __init__(self, services: LiveServices, scope: dict[str, Any], server: ServerSocket) -> None:
        self._server = server
        self._live: LiveSocket | None = None
        self._waiting: list[dict[str, Any]] = []
        self._closed_with: int | None = None  # the disconnect's code, once it came
        self._context = contextvars.Context()
        request_id = request_id_of(scope)
        self._context.run(bind_request_id, request_id)
        self._task: asyncio.Task[None] | None = asyncio.get_running_loop().create_task(
            self._open(services, scope, request_id), context=self._context
        )

    def received(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.disconnect":
            self._closed_with = message.get("code")
            if self._live is not None:
                self._live.hung_up(self._closed_with)
        else:
            self._waiting.append(message)
            if len(self._waiting) == MAX_WAITING_MESSAGES:
                self._server.pause_reading()
        if self._task is None and self._live is not None:
            self._task = asyncio.get_running_loop().create_task(
                self._work(self._live), context=self._context
            )

    async def _open(self, services: LiveServices, scope: dict[str, Any], request_id: str) -> None:
        server = self._server
        live = None
        try:
            live = await open_live_socket(
                services,
                scope,
                server.send,
                write_frame=server.write_frame,
                headers=[(REQUEST_ID_HEADER, request_id.encode())],
            )
        except ConnectionResetError:  # the client left before it could be told why not
            pass
        except Exception:
            log.exception("could not open a live socket")
            server.abort()
        if live is None:  # turned away, gone or failed: what it sends from now on is not heard
            self._task = None
            return
        self._live = live
        await self._work(live)

    async def _work(self, live: LiveSocket) -> None:
        """Answers what waits, then ends the socket if it is gone."""
        try:
            while self._waiting and not live.closed:
                messages, self._waiting = self._waiting, []
                if len(messages) >= MAX_WAITING_MESSAGES:
                    self._server.resume_reading()
                await live.answer(messages)
            if live.closed or self._closed_with is not None:
                self._waiting = []
                self._live = None  # nothing more is answered or ended
                await live.end(None if live.closed else self._closed_with)
        finally:
            self._task = None
