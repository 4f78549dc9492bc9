"""Who is connected to this process, and delivery of broadcasts to them: each broadcast is
encoded once, for every recipient, and handed to each socket's connection (api/live/connection.py),
which never waits on its client."""

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from uuid import UUID

from api.errors import INTERNAL_SERVER_ERROR, answer_for
from api.live.connection import LiveConnection, Outgoing, Send, WriteFrame, text_message
from api.live.protocol import (
    TOKEN_REVOKED,
    attendance_corrected_frame,
    class_joined_frame,
    class_left_frame,
    error_frame,
    state_frame,
    v1_frames,
    v2_frames,
)
from api.observability import DELIVERIES
from domain.events import (
    AttendanceCorrected,
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
from domain.users import Identity, Role, TokensRevoked

log = logging.getLogger(__name__)

LiveState = Callable[[Identity], Awaitable[list[ClassLiveState]]]

RESYNCS_AT_ONCE = 4


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
        issued_at: datetime | None = None,
    ) -> LiveConnection:
        connection = LiveConnection(identity, send, v2, write_frame, issued_at)
        self._by_user.setdefault(identity.user_id, {})[connection] = None
        return connection

    async def resync(self, connection: LiveConnection, afresh: bool = False) -> None:
        """Sends a v2 socket the state of its classes, unless one is being read for it or waits
        to go out (the request is answered by that one; `afresh` reads all the same).
        Broadcasts wait until it is read and sent, so the client sees each one either
        reflected in the state (its number is no higher than the class's `seq` there) or
        after it."""
        if self._live_state is None:
            return
        number = connection.claim_state_read(afresh)
        if number is None:
            return
        state = None
        try:
            state = state_frame(await self._live_state(connection.identity))
        except Unavailable as error:
            state = error_frame(answer_for(error).message)
        except Exception:
            log.exception("could not read the live state of user %s", connection.user_id)
            state = error_frame(INTERNAL_SERVER_ERROR)
        finally:
            connection.state_read(number, state)

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
            case AttendanceCorrected(class_id=class_id, student_id=student, teacher_id=teacher):
                # Private to the student and the teacher, on their v2 sockets that hear the
                # class (a student taken off it hears no more of it).
                corrected = None
                for user_id in {student, teacher}:
                    for connection in self._by_user.get(user_id, ()):
                        if connection.v2 and class_id in connection.class_ids:
                            corrected = corrected or text_message(
                                attendance_corrected_frame(message)
                            )
                            connection.push(corrected)
            case TokensRevoked(user_id=user_id, valid_from=valid_from, reason=reason):
                # Sockets opened with a newer token (the one a password change gave) stay.
                for connection in list(self._by_user.get(user_id, ())):
                    if connection.issued_at is None or connection.issued_at < valid_from:
                        connection.close(TOKEN_REVOKED, f"Signed out: {reason.value}")
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
            # Read afresh, even with a state on its way: that one may predate the outage.
            async with self._resync_slots:
                await self.resync(connection, afresh=True)

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
