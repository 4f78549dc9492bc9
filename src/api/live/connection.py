"""One live socket as the registry sees it: who it is, which classes it hears, and the frames
on their way to it.

Sending never waits on a socket: a frame is written straight away when the server offers that
(our own WebSocket path does: a `write_frame` function) and the socket keeps up; otherwise
frames queue and a short-lived task sends them through the ASGI send, so one slow or dead
client holds up no one else; one that falls too far behind is closed."""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from api.live.protocol import TRY_AGAIN_LATER
from api.observability import DROPPED_FRAMES
from domain.users import Identity

log = logging.getLogger(__name__)

Send = Callable[[Any], Awaitable[None]]  # an ASGI send
WriteFrame = Callable[[bytes], bool]

MAX_PENDING_FRAMES = 4096
# The text a socket may have waiting to go out, its state included (a teacher of 2,000 classes
# has a state of about 300 KB); past it the socket is closed with 1013.
MAX_QUEUED_BYTES = 4 * 2**20


def text_message(text: str) -> dict[str, Any]:
    return {"type": "websocket.send", "text": text}


def wire_frame(text: str) -> bytes:
    """The text as one unmasked WebSocket frame, as a server sends it (RFC 6455, 5.2)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 65_536:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


class Outgoing:
    """A broadcast frame, encoded once for every socket: as an ASGI message and on the wire."""

    __slots__ = ("message", "wire")

    def __init__(self, text: str) -> None:
        self.message = text_message(text)
        self.wire = wire_frame(text)


class LiveConnection:
    __slots__ = (
        "_drainer", "_open", "_pending", "_placed_read", "_queued_bytes", "_read_number",
        "_reads", "_send", "_state", "_state_coming",
        "_write_frame", "class_ids", "client_gone", "close_code", "closed", "frames_in",
        "frames_out", "identity", "issued_at", "v2",
    )  # fmt: skip

    def __init__(
        self,
        identity: Identity,
        send: Send,
        v2: bool = False,
        write_frame: WriteFrame | None = None,
        issued_at: datetime | None = None,
    ) -> None:
        self.identity = identity
        self.issued_at = issued_at  # when the token the socket opened with was (None: unknown)
        self.v2 = v2  # speaks the v2 protocol (live-attendance.v2)
        self.class_ids: set[UUID] = set()
        self._send = send
        self._write_frame = write_frame
        self._pending: deque[dict[str, Any]] = deque()
        self._queued_bytes = 0  # of the texts in _pending (characters: bytes for ASCII)
        self._state: dict[str, Any] | None = None  # the state frame in _pending, if one is
        self._state_coming = False  # a state is being read, or waits in _pending
        self._reads = 0  # readings of the state under way
        self._read_number = 0  # of the latest reading begun
        self._placed_read = 0  # of the reading whose state was queued last
        self._drainer: asyncio.Task[None] | None = None
        self._open = False  # frames wait in the queue until the socket is accepted
        self.closed = False  # nothing more goes out
        self.client_gone = False  # the client hung up (it is closed too)
        self.close_code: int | None = None  # ours, or the client's
        self.frames_in = 0  # counted by the socket's handler
        self.frames_out = 0

    @property
    def user_id(self) -> UUID:
        return self.identity.user_id

    def open(self) -> None:
        """The socket is accepted: the queued frames, then future ones go out."""
        self._open = True
        self._start_draining()

    def claim_state_read(self, afresh: bool = False) -> int | None:
        """Starts a reading of the socket's state: its number; None when a state being read
        or waiting to go out answers the request instead (it reflects everything up to its
        reading; the frames queued behind it, the rest). `afresh` reads all the same (after
        the event bus was away, the one on its way may predate the outage). Until every
        reading has ended, frames wait: none goes out ahead of a state that may miss it."""
        if self.closed or (self._state_coming and not afresh):
            return None
        self._state_coming = True
        self._reads += 1
        self._read_number += 1
        self._open = False
        return self._read_number

    def state_read(self, number: int, state: str | None) -> None:
        """A reading ended with this state (or an ERROR in its place; None if it was cut
        short). It goes out first, replacing a state still waiting; a state from a reading
        older than one already placed is dropped."""
        self._reads -= 1
        if state is not None and not self.closed and number > self._placed_read:
            self._placed_read = number
            self._drop_waiting_state()
            self._state = text_message(state)
            self._pending.appendleft(self._state)
            self._queued_bytes += len(state)
            self.frames_out += 1
            if self._queued_bytes > MAX_QUEUED_BYTES:
                self._give_up()
                return
        if self._reads == 0:
            self._state_coming = self._state is not None
            self.open()  # (closed meanwhile by us: the close frame goes out)

    def _drop_waiting_state(self) -> None:
        if self._state is None:
            return
        for index, message in enumerate(self._pending):
            if message is self._state:  # by identity: an ERROR in its place may equal another
                del self._pending[index]
                self._queued_bytes -= len(self._state["text"])
                break
        self._state = None

    def push(self, message: dict[str, Any]) -> None:
        """Queues an ASGI message behind earlier ones, for the socket's drainer task to send;
        returns at once."""
        if self.closed:
            DROPPED_FRAMES.inc()
            return
        self.frames_out += 1
        self._queued_bytes += len(message.get("text") or "")
        if len(self._pending) >= MAX_PENDING_FRAMES or self._queued_bytes > MAX_QUEUED_BYTES:
            self._give_up()
            return
        self._pending.append(message)
        self._start_draining()

    def push_text(self, text: str) -> None:
        if self._may_skip_queue() and self._written(wire_frame(text)):  # encoded only then
            return
        self.push(text_message(text))

    def push_frame(self, frame: Outgoing) -> None:
        """A broadcast frame, encoded once for every socket that hears it."""
        if not (self._may_skip_queue() and self._written(frame.wire)):
            self.push(frame.message)

    def _may_skip_queue(self) -> bool:
        """The queue is empty and the server offers to write frames itself."""
        return (
            self._write_frame is not None
            and self._open
            and self._drainer is None
            and not self.closed
        )

    def _written(self, wire: bytes) -> bool:
        """Whether the server took the frame (it does not while the transport is full)."""
        write = self._write_frame
        if write is None or not write(wire):
            return False
        self.frames_out += 1
        return True

    def _start_draining(self) -> None:
        if self._open and self._drainer is None and self._pending:
            self._drainer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self._pending and self._open:
                message = self._pending.popleft()
                self._queued_bytes -= len(message.get("text") or "")
                if message is self._state:
                    self._state, self._state_coming = None, self._reads > 0
                await self._send(message)
        except Exception:  # the peer is gone; the receive loop will notice and unregister
            self._lost()
        finally:
            if self._drainer is asyncio.current_task():  # not replaced by _give_up
                self._drainer = None

    async def flushed(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Waits (a bounded time) until what was queued went out: a handler that closed its
        socket lets the close frame be sent before it returns."""
        if self._drainer is not None:
            with contextlib.suppress(Exception, TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._drainer), timeout)

    def close(self, code: int, reason: str = "") -> None:
        """Sends a close frame after whatever is already queued; nothing more goes out."""
        if self.closed:
            return
        self.push({"type": "websocket.close", "code": code, "reason": reason})
        self.closed_with(code)
        self.closed = True

    def closed_with(self, code: int) -> None:
        """Notes the first close code, ours or the client's (for the socket's access line)."""
        if self.close_code is None:
            self.close_code = code

    def hung_up(self, code: int) -> None:
        """The client is gone: what waited to go out to it is dropped, nothing more is sent."""
        self.closed_with(code)
        self.client_gone = True
        self._lost()
        if self._drainer is not None:
            self._drainer.cancel()

    def _lost(self) -> None:
        self.closed = True
        DROPPED_FRAMES.inc(len(self._pending))
        self._forget_queue()

    def _forget_queue(self) -> None:
        self._pending.clear()
        self._queued_bytes = 0
        self._state, self._state_coming = None, False

    def _give_up(self) -> None:
        log.warning(
            "closing a socket of user %s that fell too far behind (%d frames, %d bytes waiting)",
            self.user_id,
            len(self._pending),
            self._queued_bytes,
        )
        self.closed = True
        self.closed_with(TRY_AGAIN_LATER)
        DROPPED_FRAMES.inc(len(self._pending) + 1)
        self._forget_queue()
        if self._drainer is not None:
            self._drainer.cancel()
        close = {"type": "websocket.close", "code": TRY_AGAIN_LATER, "reason": ""}
        self._drainer = asyncio.get_running_loop().create_task(self._send_quietly(close))

    async def _send_quietly(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):
            await self._send(message)
