"""Who is connected to this process, and delivery of broadcasts to them.

Each broadcast is encoded once and the same ASGI message goes to every recipient. Sending never
waits on a socket: frames are queued per connection and written by a short-lived task, so one
slow or dead client holds up no one else; one that falls too far behind is closed."""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from api.live.protocol import event_frame
from domain.events import ClassBroadcast

log = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[None]]

MAX_PENDING_FRAMES = 4096
CLOSE_TRY_AGAIN_LATER = 1013


def text_message(text: str) -> dict[str, Any]:
    return {"type": "websocket.send", "text": text}


class LiveConnection:
    __slots__ = ("_drainer", "_pending", "_send", "closed", "user_id")

    def __init__(self, user_id: UUID, send: Send) -> None:
        self.user_id = user_id
        self._send = send
        self._pending: deque[dict[str, Any]] = deque()
        self._drainer: asyncio.Task[None] | None = None
        self.closed = False

    def push(self, message: dict[str, Any]) -> None:
        """Queues an ASGI send message; returns at once."""
        if self.closed:
            return
        if len(self._pending) >= MAX_PENDING_FRAMES:
            self._give_up()
            return
        self._pending.append(message)
        if self._drainer is None:
            self._drainer = asyncio.get_running_loop().create_task(self._drain())

    def push_text(self, text: str) -> None:
        self.push(text_message(text))

    async def _drain(self) -> None:
        try:
            while self._pending:
                await self._send(self._pending.popleft())
        except Exception:  # the peer is gone; the receive loop will notice and unregister
            self.closed = True
            self._pending.clear()
        finally:
            if self._drainer is asyncio.current_task():
                self._drainer = None

    def _give_up(self) -> None:
        log.warning("closing a socket of user %s that fell too far behind", self.user_id)
        self.closed = True
        self._pending.clear()
        if self._drainer is not None:
            self._drainer.cancel()
        close = {"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER, "reason": ""}
        self._drainer = asyncio.get_running_loop().create_task(self._send_quietly(close))

    async def _send_quietly(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):
            await self._send(message)


class SocketRegistry:
    def __init__(self) -> None:
        self._by_user: dict[UUID, set[LiveConnection]] = {}

    def connect(self, user_id: UUID, send: Send) -> LiveConnection:
        connection = LiveConnection(user_id, send)
        self._by_user.setdefault(user_id, set()).add(connection)
        return connection

    def disconnect(self, connection: LiveConnection) -> None:
        connection.closed = True
        connections = self._by_user.get(connection.user_id)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del self._by_user[connection.user_id]

    def connections_of(self, user_id: UUID) -> int:
        return len(self._by_user.get(user_id, ()))

    def deliver(self, broadcast: ClassBroadcast) -> None:
        """Sends the broadcast to this process's sockets of its audience."""
        audience = broadcast.audience
        by_user = self._by_user
        if len(audience) <= len(by_user):
            recipients = [by_user[user] for user in audience if user in by_user]
        else:
            recipients = [sockets for user, sockets in by_user.items() if user in audience]
        if not recipients:
            return
        message = text_message(event_frame(broadcast.event))
        for sockets in recipients:
            for connection in sockets:
                connection.push(message)
