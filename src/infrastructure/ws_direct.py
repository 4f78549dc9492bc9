"""WebSocket paths served without an ASGI task per socket.

uvicorn gives every WebSocket an ASGI task that lives as long as the socket, with a queue,
events and the handshake's request objects, after parsing the upgrade request a second time:
about 1.2 ms of server CPU per socket opened and 23 KB per idle socket (docs/benchmarks.md).
For the paths an app offers here, our HTTP protocol answers a valid opening handshake itself
and the connection becomes a `DirectWebSocket`. Frames are parsed by the websockets library's
sans-I/O protocol (as in uvicorn's), and the app is called back with each message the client
sends, in ASGI's shape; nothing waits on an idle socket, the app starts work when something
arrives.

The app offers such paths in the ASGI lifespan state (`serving_sockets_directly`): a mapping of
path to a `DirectSocketApp`. On any other server, and for a handshake we do not take (another
path, a malformed one), the socket goes to the ASGI app as usual."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol as FrameProtocol
from websockets.protocol import Side, State

from infrastructure.ws_loop_timers import Keepalive, uncork_when_the_turn_ends

# The lifespan state's key under which the app's paths are offered to our HTTP protocol.
DIRECT_SOCKETS_STATE = "live-attendance.direct_sockets"
# After our close frame, how long the client has to answer with its own before we hang up.
CLOSE_TIMEOUT_SECONDS = 10.0

# websockets logs every closed connection at INFO; our app writes its own line per socket.
_frames_log = logging.getLogger("live_attendance.websocket_frames")
_frames_log.setLevel(logging.WARNING)

Message = dict[str, Any]  # an ASGI websocket message


class DirectSocketApp(Protocol):
    def connect(self, scope: Message, socket: "DirectWebSocket") -> Callable[[Message], None]:
        """A client asks to open a socket (the handshake is valid, not yet answered): the app
        answers it through `socket` (accept, then send or close) and returns the function the
        server calls with each message from the client (`websocket.receive`) and, once, with
        `websocket.disconnect`."""
        ...


ASGIApp = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]


def serving_sockets_directly(app: Any, paths: Mapping[str, DirectSocketApp]) -> ASGIApp:
    """The ASGI app, offering those paths to our server through the lifespan state."""

    async def offering(scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan" and "state" in scope:
            scope["state"][DIRECT_SOCKETS_STATE] = paths
        await app(scope, receive, send)

    return offering


class DirectWebSocket(asyncio.Protocol):
    """One socket after a handshake we took: its frames in, through the app's callback, and the
    app's frames out. A frame written with `write_frame` in a turn of the event loop is corked
    with the others of that turn."""

    __slots__ = (
        "_close_timer", "_closing", "_connections", "_corked", "_fragments", "_frames",
        "_gone", "_handshake", "_heard", "_on_message", "_pinged", "_reading_held",
        "_write_paused", "_write_timeout", "_write_timer", "_write_waiter", "transport",
    )  # fmt: skip

    def __init__(
        self,
        transport: asyncio.Transport,
        connections: set[Any],
        accept: bytes,
        default_headers: list[tuple[bytes, bytes]],
        max_size: int,
        write_timeout: float | None = None,
    ) -> None:
        self.transport = transport
        self._connections = connections
        self._handshake: tuple[bytes, list[tuple[bytes, bytes]]] | None = (
            accept,
            default_headers,
        )
        self._frames = FrameProtocol(
            Side.SERVER, state=State.OPEN, max_size=max_size, logger=_frames_log
        )
        self._on_message: Callable[[Message], None] | None = None
        self._corked: list[bytes] | None = None
        self._fragments: list[Any] | None = None  # of a message sent in parts: its kind, parts
        self._close_timer: asyncio.TimerHandle | None = None
        self._write_waiter: asyncio.Future[None] | None = None
        self._write_paused = False
        # A client that reads nothing of what was sent for this long is cut off.
        self._write_timeout = write_timeout
        self._write_timer: asyncio.TimerHandle | None = None
        self._reading_held = False  # by the app, which has enough messages waiting
        self._closing = False  # our close frame is sent: nothing more goes out
        self._gone = False  # the app was told of the disconnect
        self._heard = True  # something arrived since the last keepalive check
        self._pinged = False

    @classmethod
    def take_over(
        cls,
        transport: asyncio.Transport,
        app: DirectSocketApp,
        scope: Message,
        accept: bytes,
        server_state: Any,
        max_size: int,
        ping_interval: float | None,
        write_timeout: float | None = None,
    ) -> "DirectWebSocket":
        """The connection becomes a direct socket; the app is asked to answer its handshake.
        Nothing is read from the client before it does."""
        socket = cls(
            transport,
            server_state.connections,
            accept,
            server_state.default_headers,
            max_size,
            write_timeout,
        )
        transport.pause_reading()
        transport.set_protocol(socket)
        server_state.connections.add(socket)
        if ping_interval:
            Keepalive.of_this_loop(ping_interval).sockets.add(socket)
        socket._on_message = app.connect(scope, socket)
        return socket

    # What the app calls.

    def accept(
        self, subprotocol: str | None = None, headers: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        """Answers the handshake: the socket is open."""
        if self._handshake is None or self._gone or self.transport.is_closing():
            return
        accept, default_headers = self._handshake
        self._handshake = None
        lines = [
            b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
            b"sec-websocket-accept: " + accept + b"\r\n"
        ]
        if subprotocol:
            lines.append(b"sec-websocket-protocol: " + subprotocol.encode() + b"\r\n")
        for name, value in [*default_headers, *(headers or ())]:
            lines.append(name + b": " + value + b"\r\n")
        lines.append(b"\r\n")
        self.transport.write(b"".join(lines))
        self._read_when_allowed()

    def write_frame(self, frame: bytes) -> bool:
        """Corks an encoded frame; False when it cannot go out now (not open, closing, or the
        transport's buffer full): the app then waits in `send`."""
        if (
            self._handshake is not None
            or self._closing
            or self._gone
            or self._write_paused
            or self.transport.is_closing()
        ):
            return False
        if self._corked is None:
            self._corked = [frame]
            uncork_when_the_turn_ends(self)
        else:
            self._corked.append(frame)
        return True

    async def send(self, message: Message) -> None:
        """An ASGI send: `websocket.accept`, `websocket.send` (waits while the transport's
        buffer is full) and `websocket.close`. Raises ConnectionResetError once the client is
        gone."""
        kind = message["type"]
        if kind == "websocket.accept":
            self.accept(message.get("subprotocol"), message.get("headers"))
        elif kind == "websocket.close":
            self.close(message.get("code") or 1000, message.get("reason") or "")
        elif kind == "websocket.send":
            while self._write_paused and not self._gone:
                self._write_waiter = asyncio.get_running_loop().create_future()
                await self._write_waiter
            if self._gone or self._closing or self._handshake is not None:
                raise ConnectionResetError("the socket is closed")
            text = message.get("text")
            if text is not None:
                self._frames.send_text(text.encode())
            else:
                self._frames.send_binary(message.get("bytes") or b"")
            self._write_library_output()

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Sends a close frame (a reason of at most 123 bytes) after what was written; the
        client has CLOSE_TIMEOUT_SECONDS to answer with its own."""
        if self._closing or self._gone or self._frames.state is not State.OPEN:
            return
        self._closing = True
        self._frames.send_close(code, reason)
        self._write_library_output()
        self._close_timer = asyncio.get_running_loop().call_later(
            CLOSE_TIMEOUT_SECONDS, self.transport.close
        )

    def pause_reading(self) -> None:
        """The app has enough waiting: read nothing more until `resume_reading`."""
        self._reading_held = True
        self._read_when_allowed()

    def resume_reading(self) -> None:
        self._reading_held = False
        self._read_when_allowed()

    def _read_when_allowed(self) -> None:
        """Reads from the client only once its handshake is answered, while the app wants
        more, and while the client takes what is written to it: one that does not read cannot
        make us buffer without end the answers (pongs, errors) to what it keeps sending."""
        if self.transport.is_closing():
            return
        if self._handshake is None and not self._reading_held and not self._write_paused:
            self.transport.resume_reading()
        else:
            self.transport.pause_reading()

    def abort(self) -> None:
        """Hangs up without a word (the app could not answer the handshake)."""
        self.transport.close()

    # What the transport and the server call.

    def data_received(self, data: bytes) -> None:
        self._heard = True
        frames = self._frames
        frames.receive_data(data)
        for frame in frames.events_received():
            if not isinstance(frame, Frame):
                continue
            opcode = frame.opcode
            if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
                if frame.fin:
                    self._deliver(opcode is Opcode.TEXT, frame.data)
                else:
                    self._fragments = [b"t" if opcode is Opcode.TEXT else b"b", frame.data]
            elif opcode is Opcode.CONT and self._fragments is not None:
                self._fragments.append(frame.data)
                if frame.fin:
                    kind, *parts = self._fragments
                    self._fragments = None
                    self._deliver(kind == b"t", b"".join(parts))
            elif opcode is Opcode.CLOSE and frames.close_rcvd is not None:
                self._disconnected(int(frames.close_rcvd.code))
        if frames.parser_exc is not None:  # a protocol error, or a message over the size
            self._disconnected(int(frames.close_sent.code) if frames.close_sent else 1006)
        self._write_library_output()

    def _deliver(self, text: bool, data: bytes | bytearray | memoryview) -> None:
        if self._closing or self._gone or self._on_message is None:
            return  # past our close frame, the client's messages are not heard
        if not text:
            self._on_message({"type": "websocket.receive", "bytes": bytes(data)})
            return
        try:
            decoded = str(data, "utf-8")
        except UnicodeDecodeError:
            self._frames.fail(1007, "invalid UTF-8")
            self._disconnected(1007)
            return
        self._on_message({"type": "websocket.receive", "text": decoded})

    def _write_library_output(self) -> None:
        """Writes what the websockets protocol produced (pongs, close frames), after what was
        corked; its end-of-stream mark means hang up."""
        writes = self._frames.data_to_send()
        if not writes:
            return
        self.flush_corked()
        for data in writes:
            if data:
                self.transport.write(data)
            else:
                self.transport.close()

    def flush_corked(self) -> None:
        frames, self._corked = self._corked, None
        if frames and not self._gone and not self.transport.is_closing():
            self.transport.write(frames[0] if len(frames) == 1 else b"".join(frames))

    def pause_writing(self) -> None:
        self._write_paused = True
        self._read_when_allowed()
        if self._write_timeout is not None and self._write_timer is None:
            self._write_timer = asyncio.get_running_loop().call_later(
                self._write_timeout, self._write_too_slow
            )

    def resume_writing(self) -> None:
        self._write_paused = False
        self._stop_write_timer()
        self._read_when_allowed()
        self._wake_writer()

    def _write_too_slow(self) -> None:
        self._write_timer = None
        _frames_log.warning("cutting off a socket whose client stopped reading")
        self.transport.abort()

    def _stop_write_timer(self) -> None:
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def eof_received(self) -> bool | None:
        return None  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.discard(self)
        Keepalive.forget(self)
        self._stop_write_timer()
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None
        close_rcvd = self._frames.close_rcvd
        self._disconnected(int(close_rcvd.code) if close_rcvd is not None else 1006)
        self._wake_writer()

    def shutdown(self) -> None:
        """The server stops (uvicorn calls this on every connection): close with 1012."""
        if self._handshake is None and not self._closing and not self._gone:
            self.close(1012)
            self._disconnected(1012)
        self.transport.close()

    def keepalive(self) -> None:
        """Called every ping interval: pings a socket that said nothing since the last call,
        and hangs up on one that did not answer the last ping either (1011, as uvicorn)."""
        if self._heard:
            self._heard = self._pinged = False
        elif self._handshake is not None or self._closing or self._gone:
            return
        elif self._pinged:
            self._frames.fail(1011, "keepalive ping timeout")  # and hangs up
            self._disconnected(1011)
            self._write_library_output()
        else:
            self._pinged = True
            self._frames.send_ping(b"")
            self._write_library_output()

    def _disconnected(self, code: int) -> None:
        if self._gone:
            return
        self._gone = True
        if self._on_message is not None:
            self._on_message({"type": "websocket.disconnect", "code": code})

    def _wake_writer(self) -> None:
        waiter, self._write_waiter = self._write_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
