"""`/ws?token=<jwt>`: authenticate, then answer each frame in the contract's order of checks:
message format, known event, role, session, payload."""

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import structlog
from litestar import WebSocket, websocket
from litestar.di import NamedDependency
from opentelemetry import trace

from api.errors import INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE, answer_for
from api.limits import ApiLimits
from api.live.flood import FloodGuard, Verdict
from api.live.protocol import (
    CLIENT_EVENTS,
    INVALID_MESSAGE_FORMAT,
    POLICY_VIOLATION,
    STUDENT_EVENT_ONLY,
    TEACHER_EVENT_ONLY,
    TOO_MANY_CONNECTIONS,
    TOO_MANY_MESSAGES,
    TRY_AGAIN_LATER,
    UNAUTHORIZED,
    UNKNOWN_EVENT,
    V2_SUBPROTOCOL,
    Addressed,
    Caller,
    ClientEvent,
    ClientMessage,
    InvalidFrame,
    error_frame,
    parse_addressed,
    parse_client_frame,
    parse_payload,
)
from api.live.registry import (
    RECEIVE_READY_EXTENSION,
    WRITE_FRAME_EXTENSION,
    LiveConnection,
    SocketRegistry,
)
from api.observability import LIVE_SOCKETS
from domain.errors import DomainError, InvalidToken, StatusNotAllowed
from domain.ports import Unavailable
from domain.users import Role
from services.attendance import AttendanceService
from services.auth import AuthService
from services.check_in import CheckInService
from services.classes import ClassService

log = logging.getLogger(__name__)
access_log = structlog.get_logger("live_attendance.access")
# A span per live event (a burst of marks is one), when tracing is on; else it records nothing.
tracer = trace.get_tracer("live_attendance.live")


ROLE_ERRORS = {Role.TEACHER: TEACHER_EVENT_ONLY, Role.STUDENT: STUDENT_EVENT_ONLY}


@dataclass(slots=True)
class _Batch:
    """Consecutive frames of one batched event for one class."""

    event: ClientEvent
    payloads: list[Addressed]

    def takes(self, event: ClientEvent, payload: Addressed) -> bool:
        return event is self.event and payload.class_id == self.payloads[0].class_id


class LiveEventHandler:
    """Answers one connection's frames in the order they came."""

    def __init__(
        self,
        caller: Caller,
        connection: LiveConnection,
        limits: ApiLimits,
    ) -> None:
        self._identity = caller.identity
        self._connection = connection
        self._caller = caller
        self._max_frame_bytes = limits.max_frame_bytes

    async def handle(self, asgi_messages: list[dict[str, Any]]) -> None:
        """Answers frames that arrived together, in order. Consecutive frames of a batched
        event (marks) for one class run as one call: one transaction for a burst of marks."""
        batch: _Batch | None = None
        for asgi_message in asgi_messages:
            try:
                message: ClientMessage | None = parse_client_frame(
                    asgi_message, self._max_frame_bytes
                )
            except InvalidFrame:
                message = None
            batchable = self._batchable(message)
            if batch is not None and (batchable is None or not batch.takes(*batchable)):
                await self._run(batch.event, batch.payloads)
                batch = None
            if batchable is None:
                await self._answer(message)
            elif batch is None:
                batch = _Batch(batchable[0], [batchable[1]])
            else:
                batch.payloads.append(batchable[1])
        if batch is not None:
            await self._run(batch.event, batch.payloads)

    def _batchable(self, message: ClientMessage | None) -> tuple[ClientEvent, Addressed] | None:
        """The event and payload of a frame of a batched event that passed every check."""
        if message is None:
            return None
        event = CLIENT_EVENTS.get(message.event)
        if (
            event is None
            or not event.batched
            or (event.v2_only and not self._connection.v2)
            or (event.sender is not None and self._identity.role is not event.sender)
        ):
            return None
        payload = parse_payload(event, message.data)
        return (event, payload) if payload is not None else None

    async def _answer(self, message: ClientMessage | None) -> None:
        name = message.event if message is not None and message.event in CLIENT_EVENTS else "other"
        with tracer.start_as_current_span(f"live {name}"):
            try:
                if message is None:
                    raise InvalidFrame()
                await self._dispatch(message)
            except Exception as error:
                self._connection.push_text(error_frame(self._refusal(error)))

    async def _run(self, event: ClientEvent, payloads: list[Addressed]) -> None:
        refusals: list[Exception | None]
        with tracer.start_as_current_span(f"live {event.name}") as span:
            span.set_attribute("live.frames", len(payloads))
            try:
                refusals = list(await event.run(self._caller, payloads))
            except Exception as error:
                refusals = [error for _ in payloads]
        for refusal in refusals:
            if refusal is not None:
                self._connection.push_text(error_frame(self._refusal(refusal)))

    @staticmethod
    def _refusal(error: Exception) -> str:
        if isinstance(error, (InvalidFrame, StatusNotAllowed)):  # late or excused not allowed
            return INVALID_MESSAGE_FORMAT
        if isinstance(error, (DomainError, Unavailable)):
            return answer_for(error).message
        log.error("live event failed", exc_info=error)
        return INTERNAL_SERVER_ERROR

    async def _dispatch(self, message: ClientMessage) -> None:
        """In the contract's order: known event, role, session, payload."""
        event = CLIENT_EVENTS.get(message.event)
        if event is None or (event.v2_only and not self._connection.v2):
            self._connection.push_text(error_frame(UNKNOWN_EVENT))
            return
        if event.sender is not None and self._identity.role is not event.sender:
            self._connection.push_text(error_frame(ROLE_ERRORS[event.sender]))
            return
        payload = parse_payload(event, message.data)  # every payload includes its classId
        if payload is None:
            # A bad classId is a bad frame; otherwise the session is checked before the payload.
            addressed = parse_addressed(message.data)
            if event.needs_session:
                await self._caller.attendance.require_active_session(
                    self._identity, addressed.class_id
                )
            raise InvalidFrame()
        if event.batched:
            await self._run(event, [payload])
        else:
            await event.run(self._caller, payload)


def server_extension(socket: WebSocket[Any, Any, Any], name: str) -> Any:
    """What the server offers under that name in the socket's ASGI scope, if anything."""
    extensions: Mapping[str, Any] = socket.scope.get("extensions") or {}
    return extensions.get(name)


def chosen_subprotocol(socket: WebSocket[Any, Any, Any]) -> str | None:
    """The v2 protocol, when the client asks for it (browsers drop a socket whose answer
    leaves out the protocol they asked for, so even a refusal names it)."""
    return V2_SUBPROTOCOL if V2_SUBPROTOCOL in socket.scope.get("subprotocols", ()) else None


async def refuse(socket: WebSocket[Any, Any, Any], message: str, code: int) -> None:
    """Accept, say why in one ERROR, close: the contract's way of turning a socket away."""
    await socket.accept(subprotocols=chosen_subprotocol(socket))
    await socket.send_text(error_frame(message))
    await socket.close(code=code)


@websocket("/ws")
async def live_attendance(
    socket: WebSocket[Any, Any, Any],
    auth_service: NamedDependency[AuthService],
    attendance_service: NamedDependency[AttendanceService],
    check_in_service: NamedDependency[CheckInService],
    class_service: NamedDependency[ClassService],
    socket_registry: NamedDependency[SocketRegistry],
    limits: NamedDependency[ApiLimits],
) -> None:
    try:
        # The account's existence is checked with the classes below, in one query.
        identity = await auth_service.authenticate(
            socket.query_params.get("token") or "", account_must_exist=False
        )
    except InvalidToken:
        await refuse(socket, UNAUTHORIZED, POLICY_VIOLATION)
        return
    except Unavailable:
        await refuse(socket, SERVICE_UNAVAILABLE.message, TRY_AGAIN_LATER)
        return
    if socket_registry.connections_of(identity.user_id) >= limits.sockets_per_user:
        await refuse(socket, TOO_MANY_CONNECTIONS, POLICY_VIOLATION)
        return

    structlog.contextvars.bind_contextvars(user_id=str(identity.user_id))
    subprotocol = chosen_subprotocol(socket)
    connection = socket_registry.connect(
        identity,
        socket.send,
        v2=subprotocol is not None,
        write_frame=server_extension(socket, WRITE_FRAME_EXTENSION),
    )
    try:
        # Registered, and in its classes, before the client sees the handshake complete: a
        # broadcast sent the moment after is heard. (Registered before the lookup, so an
        # enrolment committed in between arrives as a ClassJoined message.)
        try:
            class_ids = await class_service.class_ids_of(identity)
        except InvalidToken:  # the account is gone
            await refuse(socket, UNAUTHORIZED, POLICY_VIOLATION)
            return
        except Unavailable:
            await refuse(socket, SERVICE_UNAVAILABLE.message, TRY_AGAIN_LATER)
            return
        socket_registry.join(connection, class_ids)
        await socket.accept(subprotocols=subprotocol)
        if connection.v2:
            await socket_registry.resync(connection)  # SESSION_STATE first
        else:
            connection.open()
        caller = Caller(
            identity,
            attendance_service,
            check_in_service,
            reply=connection.push_text,
            resync=lambda: socket_registry.resync(connection),
        )
        with socket_observed(connection):
            await answer_frames(
                socket, connection, LiveEventHandler(caller, connection, limits), limits
            )
    finally:
        socket_registry.disconnect(connection)
        await connection.flushed()


async def answer_frames(
    socket: WebSocket[Any, Any, Any],
    connection: LiveConnection,
    handler: LiveEventHandler,
    limits: ApiLimits,
) -> None:
    """Until the client goes (or we close the socket): frames the client sent that already
    wait are taken with the first, when the server offers that (ours does:
    infrastructure/ws_protocol.py), and answered together, flooding aside."""
    guard = FloodGuard(limits.messages_per_second, limits.message_burst, limits.flood_grace_seconds)
    receive_ready = server_extension(socket, RECEIVE_READY_EXTENSION)
    while not connection.closed:  # closed by us (flooding, too far behind): hear no more
        message = await socket.receive()
        if message["type"] != "websocket.receive":
            code = message.get("code")
            connection.closed_with(code if isinstance(code, int) else 1005)  # 1005: none given
            break
        arrived = [message, *receive_ready()] if receive_ready is not None else [message]
        connection.frames_in += len(arrived)
        admitted: list[Any] = []
        for message in arrived:
            verdict = guard.check()
            if verdict is Verdict.ADMIT:
                admitted.append(message)
                continue
            await handler.handle(admitted)  # answered in order
            admitted = []
            connection.push_text(error_frame(TOO_MANY_MESSAGES))
            if verdict is Verdict.CLOSE:
                connection.close(POLICY_VIOLATION)
                break
        await handler.handle(admitted)


@contextmanager
def socket_observed(connection: LiveConnection) -> Iterator[None]:
    """The socket's two access lines (opened; closed, with its close code, duration and frames
    each way) and the live sockets gauge."""
    protocol = "v2" if connection.v2 else "v1"
    opened_at = time.perf_counter()
    LIVE_SOCKETS.labels(protocol).inc()
    access_log.info("socket opened", protocol=protocol)
    try:
        yield
    finally:
        LIVE_SOCKETS.labels(protocol).dec()
        access_log.info(
            "socket closed",
            protocol=protocol,
            close_code=connection.close_code,
            duration_ms=round((time.perf_counter() - opened_at) * 1000, 2),
            frames_in=connection.frames_in,
            frames_out=connection.frames_out,
        )
