"""A live socket's life, whichever way the server brings its messages (an ASGI task per
socket, api/live/endpoint.py, or our server's callbacks, api/live/direct.py): opened (the token,
the socket limit, the classes, the handshake's answer), answered a burst of messages at a time,
ended."""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from api.errors import SERVICE_UNAVAILABLE
from api.limits import ApiLimits
from api.live.connection import LiveConnection, WriteFrame
from api.live.flood import FloodGuard, Verdict
from api.live.handler import LiveEventHandler, SpanOf
from api.live.protocol import (
    POLICY_VIOLATION,
    TOO_MANY_CONNECTIONS,
    TOO_MANY_MESSAGES,
    TRY_AGAIN_LATER,
    UNAUTHORIZED,
    V2_SUBPROTOCOL,
    Caller,
    error_frame,
)
from api.live.registry import SocketRegistry
from api.log_context import bind_user_id, bound_request_id, bound_user_id
from api.observability import LIVE_SOCKETS, AccessLines
from domain.errors import InvalidToken
from domain.ports import Unavailable
from services.attendance import AttendanceService
from services.auth import AuthService
from services.check_in import CheckInService
from services.classes import ClassService

Send = Callable[[dict[str, Any]], Awaitable[None]]  # an ASGI send
NO_CLOSE_CODE = 1005  # the client went without saying why


@dataclass(frozen=True, slots=True)
class LiveServices:
    """What the live sockets of one app use."""

    auth: AuthService
    attendance: AttendanceService
    check_in: CheckInService
    classes: ClassService
    registry: SocketRegistry
    limits: ApiLimits
    span_of: SpanOf  # a live event's span (see handler.live_spans)
    access_lines: AccessLines


def chosen_subprotocol(scope: dict[str, Any]) -> str | None:
    """The v2 protocol, when the client asks for it (browsers drop a socket whose answer
    leaves out the protocol they asked for, so even a refusal names it)."""
    return V2_SUBPROTOCOL if V2_SUBPROTOCOL in scope.get("subprotocols", ()) else None


def token_of(scope: dict[str, Any]) -> str:
    query: bytes = scope.get("query_string", b"")
    if b"token=" not in query:
        return ""
    values = parse_qs(query.decode("latin-1")).get("token")
    return values[0] if values else ""


class LiveSocket:
    """An open live socket: its connection in the registry and the handler of its frames."""

    __slots__ = ("_connection", "_guard", "_handler", "_opened_at", "_services")

    def __init__(
        self, services: LiveServices, connection: LiveConnection, handler: LiveEventHandler
    ) -> None:
        limits = services.limits
        self._services = services
        self._connection = connection
        self._handler = handler
        self._guard = FloodGuard(
            limits.messages_per_second, limits.message_burst, limits.flood_grace_seconds
        )
        self._opened_at = time.perf_counter()
        LIVE_SOCKETS.labels(self._protocol).inc()
        services.access_lines.socket_opened(self._protocol, bound_request_id(), bound_user_id())

    @property
    def _protocol(self) -> str:
        return "v2" if self._connection.v2 else "v1"

    @property
    def closed(self) -> bool:
        """Closed by us (flooding, too far behind): its messages are heard no more. (Once the
        client hung up, those that change something for others still are.)"""
        return self._connection.closed and not self._connection.client_gone

    async def answer(self, messages: list[dict[str, Any]]) -> None:
        """Answers messages that arrived together (ASGI `websocket.receive`), in order,
        flooding aside."""
        connection = self._connection
        connection.frames_in += len(messages)
        admitted: list[dict[str, Any]] = []
        for message in messages:
            verdict = self._guard.check()
            if verdict is Verdict.ADMIT:
                admitted.append(message)
                continue
            await self._handler.handle(admitted)  # answered in order
            admitted = []
            connection.push_text(error_frame(TOO_MANY_MESSAGES))
            if verdict is Verdict.CLOSE:
                connection.close(POLICY_VIOLATION)
                return
        await self._handler.handle(admitted)

    def hung_up(self, close_code: int | None) -> None:
        """The client is gone: nothing more goes out to it (what was queued is dropped), and of
        its messages still waiting only those that change something for others are run."""
        self._connection.hung_up(NO_CLOSE_CODE if close_code is None else close_code)

    async def end(self, close_code: int | None) -> None:
        """The socket is gone (`close_code` is the client's, None when we closed it): out of
        the registry, its access line written, once what was queued went out."""
        connection = self._connection
        if close_code is not None:
            connection.closed_with(close_code)
        self._services.registry.disconnect(connection)
        LIVE_SOCKETS.labels(self._protocol).dec()
        self._services.access_lines.socket_closed(
            self._protocol,
            connection.close_code,
            round((time.perf_counter() - self._opened_at) * 1000, 2),
            connection.frames_in,
            connection.frames_out,
            bound_request_id(),
            bound_user_id(),
        )
        await connection.flushed()


async def open_live_socket(
    services: LiveServices,
    scope: dict[str, Any],
    send: Send,
    write_frame: WriteFrame | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> LiveSocket | None:
    """Answers a socket's handshake (`send` is its ASGI send; `headers` go with the accept): a
    live socket, or None when it was turned away (accepted, told why in one ERROR, closed: the
    contract's way)."""
    subprotocol = chosen_subprotocol(scope)
    accept = {"type": "websocket.accept", "subprotocol": subprotocol, "headers": headers or []}

    async def refuse(message: str, code: int) -> None:
        await send(accept)
        await send({"type": "websocket.send", "text": error_frame(message)})
        await send({"type": "websocket.close", "code": code, "reason": ""})

    try:
        # The account (that it exists and accepts this token) is checked with the classes
        # below, in one query.
        issued = await services.auth.authenticate(token_of(scope), account_must_exist=False)
    except InvalidToken:
        await refuse(UNAUTHORIZED, POLICY_VIOLATION)
        return None
    except Unavailable:
        await refuse(SERVICE_UNAVAILABLE.message, TRY_AGAIN_LATER)
        return None
    identity = issued.identity
    registry = services.registry
    if registry.connections_of(identity.user_id) >= services.limits.sockets_per_user:
        await refuse(TOO_MANY_CONNECTIONS, POLICY_VIOLATION)
        return None

    bind_user_id(identity.user_id)
    # Registered before the account is read: a revocation the read does not see is heard
    # later, and closes it.
    connection = registry.connect(
        identity,
        send,
        v2=subprotocol is not None,
        write_frame=write_frame,
        issued_at=issued.issued_at,
    )
    try:
        # Registered, and in its classes, before the client sees the handshake complete: a
        # broadcast sent the moment after is heard. (Registered before the lookup, so an
        # enrolment committed in between arrives as a ClassJoined message.)
        try:
            class_ids = await services.classes.class_ids_of(issued)
        except InvalidToken:  # the account is gone, or no longer accepts the token
            registry.disconnect(connection)
            await refuse(UNAUTHORIZED, POLICY_VIOLATION)
            return None
        except Unavailable:
            registry.disconnect(connection)
            await refuse(SERVICE_UNAVAILABLE.message, TRY_AGAIN_LATER)
            return None
        registry.join(connection, class_ids)
        await send(accept)
        if connection.v2 and not connection.closed:  # (closed: revoked meanwhile)
            await registry.resync(connection)  # SESSION_STATE first
        else:
            connection.open()
    except BaseException:
        registry.disconnect(connection)
        raise
    caller = Caller(
        identity,
        services.attendance,
        services.check_in,
        reply=connection.push_text,
        resync=lambda: registry.resync(connection),
    )
    handler = LiveEventHandler(caller, connection, services.limits, services.span_of)
    return LiveSocket(services, connection, handler)
