"""A lean WebSocket load client for the live-attendance benchmarks.

The ``websockets`` library spends more CPU per frame than a server fanning out ~1,000,000 small
text frames, so the client would be the bottleneck. This module speaks the client side of RFC
6455 directly on an asyncio ``Protocol`` (run it on uvloop, see :func:`run`); what it accepts
and sends is in ws_frames.py.

Public API::

    sock = await connect(host, port, token, on_text=None, subprotocol=None)
    socks = await connect_many(host, port, tokens, concurrency=200, on_text=None)
    sock.send_json(obj); await sock.next_message(timeout); await sock.close(); sock.close_code
    ms = await round_trip(sock, {"event": "MY_ATTENDANCE", "data": {}}, "MY_ATTENDANCE")
    idle = await open_idle(host, port, tokens)
    await close_all(socks)

Each ``on_text`` call gets the frame payload as ``bytes`` and the ``time.perf_counter()`` taken
once per received chunk (every frame in a chunk arrived at the same moment). The fan-out
measured with this client is in fanout.py.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import resource
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

import ws_frames as frames

try:
    import uvloop
except ImportError:  # pragma: no cover - plain asyncio still works, only slower
    uvloop = None

T = TypeVar("T")
OnText = Callable[[bytes, float], None]


_CLOSED = object()  # put in the inbox when the connection is gone


class LiveSocket(asyncio.Protocol):
    """One client WebSocket: the asyncio Protocol is the socket object itself."""

    __slots__ = (
        "_buffer",
        "_close_sent",
        "_handshake_buffer",
        "_inbox",
        "_key",
        "_request",
        "_write_ready",
        "close_code",
        "error",
        "lost",
        "on_text",
        "opened",
        "transport",
    )

    def __init__(
        self,
        host: str,
        port: int,
        token: str,
        on_text: OnText | None = None,
        subprotocol: str | None = None,
    ) -> None:
        loop = asyncio.get_running_loop()
        self._key = base64.b64encode(os.urandom(16)).decode()
        self._request = frames.handshake_request(host, port, token, self._key, subprotocol)
        self._handshake_buffer: bytearray | None = bytearray()  # None once upgraded
        self._buffer = bytearray()  # an incomplete frame left over from the last chunk
        self._inbox: asyncio.Queue[Any] | None = None  # created on first use
        self._close_sent = False
        self._write_ready: asyncio.Future[None] | None = None  # set while writing is paused
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()
        self.close_code: int | None = None  # the server's close code, 1006 if it just vanished
        self.error: BaseException | None = None

    # -- public ------------------------------------------------------------------------------

    @property
    def writing_paused(self) -> bool:
        return self._write_ready is not None

    @property
    def is_open(self) -> bool:
        return self.opened.done() and not self.lost.done() and not self._close_sent

    def send_text(self, text: str | bytes) -> None:
        self.send_frame(frames.encode_text_frame(text))

    def send_json(self, obj: Any) -> None:
        self.send_frame(frames.encode_frame(frames.OP_TEXT, frames.encode_json(obj)))

    def send_frame(self, frame: bytes) -> None:
        """Writes an already encoded (masked) frame, e.g. from :func:`frames.encode_text_frame`."""
        if self._close_sent or self.transport is None or self.lost.done():
            raise frames.ConnectionClosed(self.close_code)
        self.transport.write(frame)

    async def drain(self) -> None:
        """Waits while the transport's write buffer is above its high-water mark."""
        if self._write_ready is not None:
            await self._write_ready

    async def next_message(self, timeout: float = 10.0) -> Any:  # noqa: ASYNC109
        """The next text frame, decoded as JSON (frames go to ``on_text`` instead, if set)."""
        inbox = self._get_inbox()
        payload = await asyncio.wait_for(inbox.get(), timeout)
        if payload is _CLOSED:
            inbox.put_nowait(_CLOSED)  # later calls see it too
            raise self.error or frames.ConnectionClosed(self.close_code)
        return json.loads(payload)

    async def close(self, code: int = frames.CLOSE_NORMAL, grace: float = 5.0) -> None:
        """Sends a close frame and waits for the server to drop the TCP connection (so the
        TIME_WAIT is on the server's side); aborts after ``grace`` seconds."""
        if self.transport is None:
            return
        if not self._close_sent and not self.lost.done():
            self._send_close(code)
        try:
            await asyncio.wait_for(asyncio.shield(self.lost), grace)
        except TimeoutError:
            self.transport.abort()

    # -- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self._request)
        self._request = b""  # idle sockets should hold as little as possible

    def data_received(self, data: bytes) -> None:
        if self.close_code is not None or self.error is not None:
            return  # nothing after a close frame or a protocol error counts
        if self._handshake_buffer is not None:
            data = self._receive_handshake(data)
            if not data:
                return
        if self._buffer:
            self._buffer += data
            data = bytes(self._buffer)
            self._buffer.clear()
        try:
            consumed = self._receive_frames(data, time.perf_counter())
        except frames.ProtocolError as error:
            self._fail(error)
            return
        if consumed < len(data):
            self._buffer += data[consumed:]

    def eof_received(self) -> bool | None:
        return None  # let the transport close

    def connection_lost(self, exc: Exception | None) -> None:
        if self.close_code is None:
            self.close_code = frames.CLOSE_ABNORMAL
        if not self.opened.done():
            self.opened.set_exception(
                exc or frames.HandshakeError("connection closed during handshake")
            )
        if not self.lost.done():
            self.lost.set_result(None)
        if self._write_ready is not None and not self._write_ready.done():
            self._write_ready.set_result(None)
        if self._inbox is not None:
            self._inbox.put_nowait(_CLOSED)

    def pause_writing(self) -> None:
        if self._write_ready is None:
            self._write_ready = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._write_ready is not None:
            if not self._write_ready.done():
                self._write_ready.set_result(None)
            self._write_ready = None

    # -- internals -----------------------------------------------------------------------------

    def _get_inbox(self) -> asyncio.Queue[Any]:
        if self._inbox is None:
            self._inbox = asyncio.Queue()
            if self.lost.done():
                self._inbox.put_nowait(_CLOSED)
        return self._inbox

    def _receive_handshake(self, data: bytes) -> bytes:
        """Collects the response header block; returns the bytes that follow it."""
        buffer = self._handshake_buffer
        assert buffer is not None
        buffer += data
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > frames.MAX_HANDSHAKE_BYTES:
                self._fail(frames.HandshakeError("handshake response too long"))
            return b""
        try:
            frames.check_handshake_response(bytes(buffer[:end]), self._key)
        except frames.HandshakeError as error:
            self._fail(error)
            return b""
        self._handshake_buffer = None
        self.opened.set_result(None)
        return bytes(buffer[end + 4 :])

    def _receive_frames(self, data: bytes, now: float) -> int:
        """Handles every complete frame in ``data``; returns how many bytes were used."""
        pos, size = 0, len(data)
        while size - pos >= 2:
            first, second = data[pos], data[pos + 1]
            if second & 0x80:
                raise frames.ProtocolError("masked frame from the server")
            length, start = second & 0x7F, pos + 2
            if length == 126:
                if size - pos < 4:
                    break
                length, start = int.from_bytes(data[pos + 2 : pos + 4], "big"), pos + 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, start = int.from_bytes(data[pos + 2 : pos + 10], "big"), pos + 10
            end = start + length
            if end > size:
                break
            pos = end
            if first == 0x80 | frames.OP_TEXT:  # the hot path: a complete text frame
                if self.on_text is not None:
                    self.on_text(data[start:end], now)
                else:
                    self._get_inbox().put_nowait(data[start:end])
            else:
                self._control_frame(first, data[start:end])
                if self.close_code is not None:
                    return size  # nothing after a close frame counts
        return pos

    def _control_frame(self, first: int, payload: bytes) -> None:
        opcode = first & 0x0F
        if not first & 0x80 or opcode == frames.OP_CONTINUATION:
            raise frames.ProtocolError("fragmented frames are not supported")
        if first & 0x70:
            raise frames.ProtocolError("reserved bits set (no extension was negotiated)")
        if opcode == frames.OP_PING:
            if not self._close_sent:
                self.transport.write(frames.encode_frame(frames.OP_PONG, payload))  # type: ignore[union-attr]
        elif opcode == frames.OP_PONG:
            pass
        elif opcode == frames.OP_CLOSE:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if not self._close_sent:
                self._send_close(
                    self.close_code if self.close_code != 1005 else frames.CLOSE_NORMAL
                )
        else:
            raise frames.ProtocolError(f"unexpected opcode {opcode:#x}")

    def _send_close(self, code: int) -> None:
        self._close_sent = True
        self.transport.write(frames.encode_frame(frames.OP_CLOSE, frames.close_payload(code)))  # type: ignore[union-attr]

    def _fail(self, error: frames.WebSocketError) -> None:
        self.error = error
        if not self.opened.done():
            self.opened.set_exception(error)
        if self.transport is not None and not self.transport.is_closing():
            if self._handshake_buffer is None and not self._close_sent:
                self._send_close(frames.CLOSE_PROTOCOL_ERROR)
            self.transport.close()


# ---------------------------------------------------------------------------------------------
# Connecting


def run(main: Coroutine[Any, Any, T]) -> T:
    """Runs ``main`` on uvloop when it is installed, else on the default asyncio loop."""
    if uvloop is not None:
        return uvloop.run(main)
    return asyncio.run(main)


def raise_fd_limit() -> int:
    """Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1_048_576)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


async def connect(
    host: str,
    port: int,
    token: str,
    on_text: OnText | None = None,
    open_timeout: float = 10.0,
    subprotocol: str | None = None,  # asked for in the handshake (e.g. live-attendance.v2)
) -> LiveSocket:
    """Opens one socket and completes the handshake."""
    loop = asyncio.get_running_loop()

    async def open_() -> LiveSocket:
        _, sock = await loop.create_connection(
            lambda: LiveSocket(host, port, token, on_text, subprotocol), host, port
        )
        try:
            await sock.opened
        except BaseException:
            if sock.transport is not None:
                sock.transport.abort()
            raise
        return sock

    return await asyncio.wait_for(open_(), open_timeout)


async def connect_many(
    host: str,
    port: int,
    tokens: Sequence[str],
    concurrency: int = 200,
    on_text: OnText | None = None,
) -> list[LiveSocket]:
    """One socket per token, at most ``concurrency`` handshakes at a time. If any fails, the
    others are closed and the first error is raised."""
    raise_fd_limit()
    gate = asyncio.Semaphore(concurrency)

    async def one(token: str) -> LiveSocket:
        async with gate:
            return await connect(host, port, token, on_text)

    results = await asyncio.gather(*(one(t) for t in tokens), return_exceptions=True)
    socks = [r for r in results if isinstance(r, LiveSocket)]
    failures = [r for r in results if not isinstance(r, LiveSocket)]
    if failures:
        await close_all(socks)
        raise failures[0]
    return socks


async def close_all(socks: Sequence[LiveSocket], grace: float = 5.0) -> None:
    await asyncio.gather(*(s.close(grace=grace) for s in socks))


async def open_idle(
    host: str, port: int, tokens: Sequence[str], concurrency: int = 200
) -> list[LiveSocket]:
    """Idle sockets for a memory-per-connection measurement (close them with close_all)."""
    return await connect_many(host, port, tokens, concurrency)


# ---------------------------------------------------------------------------------------------
# Scenarios


async def round_trip(
    sock: LiveSocket,
    message_obj: Any,
    expect_event: str,
    timeout: float = 10.0,  # noqa: ASYNC109
) -> float:
    """Sends ``message_obj``; returns the milliseconds until a frame with ``expect_event``
    arrives. Other events are skipped; an unexpected ERROR raises frames.ServerError."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    started = time.perf_counter()
    sock.send_json(message_obj)
    while True:
        message = await sock.next_message(max(0.0, deadline - loop.time()))
        event = message.get("event") if isinstance(message, dict) else None
        if event == expect_event:
            return (time.perf_counter() - started) * 1000
        if event == "ERROR":
            raise frames.ServerError(message.get("data"))
