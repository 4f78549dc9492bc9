"""Who is connected to this process, and delivery of broadcasts to them.

Each broadcast is encoded once, for every recipient. Sending never waits on a socket: a frame is
written straight away when the server offers that (our own WebSocket path does: a `write_frame`
function) and the socket keeps up; otherwise frames queue per connection and a short-lived task
sends them through the ASGI send, so one slow or dead client holds up no one else; one that
falls too far behind is closed."""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from uuid import UUID

from api.errors import INTERNAL_SERVER_ERROR, answer_for
from api.live.protocol import (
    TRY_AGAIN_LATER,
    class_joined_frame,
    class_left_frame,
    error_frame,
    state_frame,
    v1_frames,
    v2_frames,
)
from api.observability import DELIVERIES, DROPPED_FRAMES
from domain.events import (
    AttendanceFinished,
    AttendanceMarked,
    ClassBroadcast,
    ClassJoined,
    ClassLeft,
    LiveMessage,
    SessionStarted,
    StatesRequested,
)
from domain.live_state import ClassLiveState
from domain.ports import Unavailable
from domain.users import Identity, Role

log = logging.getLogger(__name__)

Send = Callable[[Any], Awaitable[None]]  # an ASGI send
WriteFrame = Callable[[bytes], bool]
LiveState = Callable[[Identity], Awaitable[list[ClassLiveState]]]

MAX_PENDING_FRAMES = 4096
RESYNCS_AT_ONCE = 4


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
        "_drainer", "_open", "_pending", "_send", "_write_frame", "class_ids", "close_code",
        "closed", "frames_in", "frames_out", "identity", "v2",
    )  # fmt: skip

    def __init__(
        self,
        identity: Identity,
        send: Send,
        v2: bool = False,
        write_frame: WriteFrame | None = None,
    ) -> None:
        self.identity = identity
        self.v2 = v2  # speaks the v2 protocol (live-attendance.v2)
        self.class_ids: set[UUID] = set()
        self._send = send
        self._write_frame = write_frame
        self._pending: deque[dict[str, Any]] = deque()
        self._drainer: asyncio.Task[None] | None = None
        self._open = False  # frames wait in the queue until the socket is accepted
        self.closed = False
        self.close_code: int | None = None  # ours, or the client's
        self.frames_in = 0  # counted by the socket's handler
        self.frames_out = 0

    @property
    def user_id(self) -> UUID:
        return self.identity.user_id

    def open(self, first: str | None = None) -> None:
        """The socket is accepted (or its state was read again): `first`, then the queued
        frames, then future ones go out."""
        if first is not None and not self.closed:
            self._pending.appendleft(text_message(first))
            self.frames_out += 1
        self._open = True
        self._start_draining()

    def pause(self) -> None:
        """Frames wait in the queue until the next open()."""
        self._open = False

    def push(self, message: dict[str, Any]) -> None:
        """Queues an ASGI message behind earlier ones, for the socket's drainer task to send;
        returns at once."""
        if self.closed:
            DROPPED_FRAMES.inc()
            return
        self.frames_out += 1
        if len(self._pending) >= MAX_PENDING_FRAMES:
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
                await self._send(self._pending.popleft())
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

    def close(self, code: int) -> None:
        """Sends a close frame after whatever is already queued; nothing more goes out."""
        if self.closed:
            return
        self.push({"type": "websocket.close", "code": code, "reason": ""})
        self.closed_with(code)
        self.closed = True

    def closed_with(self, code: int) -> None:
        """Notes the first close code, ours or the client's (for the socket's access line)."""
        if self.close_code is None:
            self.close_code = code

    def _lost(self) -> None:
        self.closed = True
        DROPPED_FRAMES.inc(len(self._pending))
        self._pending.clear()

    def _give_up(self) -> None:
        log.warning("closing a socket of user %s that fell too far behind", self.user_id)
        self.closed = True
        self.closed_with(TRY_AGAIN_LATER)
        DROPPED_FRAMES.inc(len(self._pending) + 1)
        self._pending.clear()
        if self._drainer is not None:
            self._drainer.cancel()
        close = {"type": "websocket.close", "code": TRY_AGAIN_LATER, "reason": ""}
        self._drainer = asyncio.get_running_loop().create_task(self._send_quietly(close))

    async def _send_quietly(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):
            await self._send(message)


class SocketRegistry:
    """This process's sockets, by user and by class. A socket hears a class's broadcasts when
    its user is the class's teacher or one of its enrolled students."""

    def __init__(self, live_state: LiveState | None = None) -> None:
        # Ordered sets (dicts of None): a class's broadcasts are written in its order, its
        # teacher's sockets first (the teacher acted, or asked, and waits for the answer), then
        # its students' in the order they joined.
        self._by_user: dict[UUID, dict[LiveConnection, None]] = {}
        self._by_class: dict[UUID, dict[LiveConnection, None]] = {}
        self._live_state = live_state
        self._resyncs: set[asyncio.Task[None]] = set()
        # After the bus was away every v2 socket is sent its state: a few reads at a time, so
        # thousands of sockets do not queue for the database pool all at once.
        self._resync_slots = asyncio.Semaphore(RESYNCS_AT_ONCE)
        self._heard = HeardSoFar()

    def connect(
        self,
        identity: Identity,
        send: Send,
        v2: bool = False,
        write_frame: WriteFrame | None = None,
    ) -> LiveConnection:
        connection = LiveConnection(identity, send, v2, write_frame)
        self._by_user.setdefault(identity.user_id, {})[connection] = None
        return connection

    async def resync(self, connection: LiveConnection) -> None:
        """Sends a v2 socket the state of its classes. Broadcasts wait until it is read and
        sent, so the client sees each one either reflected in the state (its number is no
        higher than the class's `seq` there) or after it."""
        if self._live_state is None:
            return
        connection.pause()
        first = None
        try:
            first = state_frame(await self._live_state(connection.identity))
        except Unavailable as error:
            first = error_frame(answer_for(error).message)
        except Exception:
            log.exception("could not read the live state of user %s", connection.user_id)
            first = error_frame(INTERNAL_SERVER_ERROR)
        finally:
            connection.open(first)

    def join(self, connection: LiveConnection, class_ids: Iterable[UUID]) -> None:
        if connection.closed:
            return
        for class_id in class_ids:
            connection.class_ids.add(class_id)
            listeners = self._by_class.setdefault(class_id, {})
            if connection.identity.role is Role.TEACHER:  # a class has one: copied rarely
                self._by_class[class_id] = {connection: None, **listeners}
            else:
                listeners[connection] = None

    def disconnect(self, connection: LiveConnection) -> None:
        connection.closed = True
        _discard(self._by_user, connection.user_id, connection)
        for class_id in connection.class_ids:
            _discard(self._by_class, class_id, connection)

    async def close_all(self, code: int, timeout: float) -> None:  # noqa: ASYNC109
        """Closes every socket of this process with the given code and waits (at most
        `timeout` seconds) until the close frames went out."""
        connections = [c for of_user in self._by_user.values() for c in of_user]
        for connection in connections:
            connection.close(code)
        await asyncio.gather(*(connection.flushed(timeout) for connection in connections))

    def connections_of(self, user_id: UUID) -> int:
        return len(self._by_user.get(user_id, ()))

    def class_ids(self) -> list[UUID]:
        """The classes someone on this process hears."""
        return list(self._by_class)

    def deliver(self, message: LiveMessage) -> None:
        """Applies a live message from any process to this process's sockets."""
        match message:
            case ClassBroadcast(class_id=class_id, audience=audience):
                listeners = self._by_class.get(class_id)
                if listeners:
                    self._broadcast(message, listeners, audience, self._heard.news_to_v1(message))
            case ClassJoined(class_id=class_id, user_id=user_id):
                joined = None
                for connection in self._by_user.get(user_id, ()):
                    self.join(connection, (class_id,))
                    if connection.v2:
                        joined = joined or text_message(class_joined_frame(class_id))
                        connection.push(joined)
            case ClassLeft(class_id=class_id, user_id=user_id):
                left = None
                for connection in self._by_user.get(user_id, ()):
                    connection.class_ids.discard(class_id)
                    _discard(self._by_class, class_id, connection)
                    if connection.v2:
                        left = left or text_message(class_left_frame(class_id))
                        connection.push(left)
            case StatesRequested():
                for connections in self._by_user.values():
                    for connection in connections:
                        if connection.v2:
                            self._resync_later(connection)

    @staticmethod
    def _broadcast(
        message: ClassBroadcast,
        listeners: Iterable[LiveConnection],
        audience: frozenset[UUID] | None,
        news_to_v1: bool,
    ) -> None:
        # Each frame is encoded once, for every socket that hears it.
        v1: list[Outgoing] | None = None
        v2: list[Outgoing] | None = None
        delivered = 0
        for connection in listeners:
            if audience is not None and connection.identity.user_id not in audience:
                continue
            if connection.v2:
                if message.seq is None:
                    continue  # replayed after the bus was away: v2 sockets get the state
                if v2 is None:
                    v2 = [Outgoing(text) for text in v2_frames(message)]
                frames = v2
            else:
                if not news_to_v1:
                    continue
                if v1 is None:
                    v1 = [Outgoing(text) for text in v1_frames(message.event)]
                frames = v1
            for frame in frames:
                connection.push_frame(frame)
            delivered += len(frames)
        DELIVERIES.inc(delivered)

    def _resync_later(self, connection: LiveConnection) -> None:
        async def in_turn() -> None:
            async with self._resync_slots:
                if not connection.closed:
                    await self.resync(connection)

        task = asyncio.get_running_loop().create_task(in_turn())
        self._resyncs.add(task)
        task.add_done_callback(self._resyncs.discard)


class HeardSoFar:
    """What this process's v1 sockets already heard of each class's live session. After an
    outage the bus replays what was published since shortly before it began (it cannot tell
    what arrived before), unnumbered; and a broadcast published while the listener was coming
    back can arrive both replayed and live. v2 sockets tell copies apart by their numbers (and
    get their state again instead of the replay); a v1 socket hears a replayed mark only if
    the student's last mark it heard differs, a replayed DONE only if that session's DONE was
    not heard, and the live copy of a mark or DONE it already heard replayed not again."""

    def __init__(self) -> None:
        self._marks: dict[UUID, dict[UUID, AttendanceMarked]] = {}
        self._replayed_marks: dict[UUID, dict[UUID, AttendanceMarked]] = {}
        self._finished: deque[UUID | None] = deque(maxlen=10_000)
        self._replayed_finishes: deque[UUID | None] = deque(maxlen=10_000)

    def news_to_v1(self, broadcast: ClassBroadcast) -> bool:
        event, class_id, replayed = broadcast.event, broadcast.class_id, broadcast.seq is None
        match event:
            case AttendanceMarked(student_id=student_id):
                heard = self._marks.setdefault(class_id, {})
                if replayed:
                    if heard.get(student_id) == event:
                        return False
                    self._replayed_marks.setdefault(class_id, {})[student_id] = event
                else:
                    replayed_here = self._replayed_marks.get(class_id)
                    if replayed_here and replayed_here.pop(student_id, None) == event:
                        return False
                heard[student_id] = event
            case AttendanceFinished(session_id=session_id):
                if replayed:
                    if session_id in self._finished:
                        return False
                    self._replayed_finishes.append(session_id)
                elif session_id in self._replayed_finishes:
                    self._replayed_finishes.remove(session_id)
                    return False
                self._finished.append(session_id)
                self._forget_marks(class_id)
            case SessionStarted():
                self._forget_marks(class_id)
        return True

    def _forget_marks(self, class_id: UUID) -> None:
        self._marks.pop(class_id, None)
        self._replayed_marks.pop(class_id, None)


def _discard(
    index: dict[UUID, dict[LiveConnection, None]], key: UUID, connection: LiveConnection
) -> None:
    connections = index.get(key)
    if connections is not None:
        connections.pop(connection, None)
        if not connections:
            del index[key]
