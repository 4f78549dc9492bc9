"""A lean WebSocket load client for the live-attendance benchmarks.

The ``websockets`` library spends more CPU per frame than a server fanning out ~1,000,000 small
text frames, so the client would be the bottleneck. This module speaks the client side of RFC
6455 directly on an asyncio ``Protocol`` (run it on uvloop, see :func:`run`):

* handshake: ``GET /ws?token=...`` with a random ``Sec-WebSocket-Key``; status 101 and the
  matching ``Sec-WebSocket-Accept`` are required; bytes after the header block are frames;
* receiving: unmasked server frames parsed incrementally (7/16/64-bit lengths); text frames go
  to a per-socket ``on_text(payload_bytes, received_at)`` callback or to a JSON inbox; close is
  answered and its code recorded; ping is answered with pong; fragmented, masked or binary
  frames fail the connection;
* sending: masked text frames (the mask is applied with one big-integer XOR).

Public API::

    sock = await connect(host, port, token, on_text=None, subprotocol=None)
    socks = await connect_many(host, port, tokens, concurrency=200, on_text=None)
    sock.send_json(obj); await sock.next_message(timeout); await sock.close(); sock.close_code
    ms = await round_trip(sock, {"event": "MY_ATTENDANCE", "data": {}}, "MY_ATTENDANCE")
    figures = await fanout(host, port, teacher_token, student_tokens, student_ids)
    idle = await open_idle(host, port, tokens)
    await close_all(socks)

Each ``on_text`` call gets the frame payload as ``bytes`` and the ``time.perf_counter()`` taken
once per received chunk (every frame in a chunk arrived at the same moment).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import math
import os
import resource
import struct
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

try:
    import uvloop
except ImportError:  # pragma: no cover - plain asyncio still works, only slower
    uvloop = None

T = TypeVar("T")
OnText = Callable[[bytes, float], None]

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
CLOSE_NORMAL, CLOSE_NO_STATUS, CLOSE_ABNORMAL, CLOSE_PROTOCOL_ERROR = 1000, 1005, 1006, 1002
MAX_HANDSHAKE_BYTES = 16 * 1024

MARK_PREFIX = b'{"event":"ATTENDANCE_MARKED","data":{"studentId":"'
STUDENT_ID_KEY = b'"studentId":"'
UUID_LEN = 36


class WebSocketError(Exception):
    """Base class of this module's errors."""


class HandshakeError(WebSocketError):
    """The server did not upgrade the connection."""


class ProtocolError(WebSocketError):
    """The server sent something this client does not accept."""


class ConnectionClosed(WebSocketError):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"connection closed (code {code})")
        self.code = code


class ServerError(WebSocketError):
    """An ``{"event": "ERROR"}`` frame arrived where another answer was expected."""


# ---------------------------------------------------------------------------------------------
# Frames


def apply_mask(payload: bytes, mask: bytes) -> bytes:
    """XORs ``payload`` with the 4-byte ``mask`` repeated, as one big-integer operation."""
    n = len(payload)
    if n == 0:
        return b""
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """A complete, masked client frame (FIN set)."""
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    mask = os.urandom(4)
    return header + mask + apply_mask(payload, mask)


def encode_text_frame(text: str | bytes) -> bytes:
    return encode_frame(OP_TEXT, text.encode() if isinstance(text, str) else text)


def encode_json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def close_payload(code: int) -> bytes:
    return struct.pack("!H", code)


# ---------------------------------------------------------------------------------------------
# Handshake


def handshake_request(
    host: str, port: int, token: str, key: str, subprotocol: str | None = None
) -> bytes:
    asked = f"Sec-WebSocket-Protocol: {subprotocol}\r\n" if subprotocol else ""
    return (
        f"GET /ws?token={quote(token, safe='')} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        f"{asked}"
        "\r\n"
    ).encode()


def expected_accept(key: str) -> bytes:
    return base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest())


def check_handshake_response(head: bytes, key: str) -> None:
    """Raises HandshakeError unless ``head`` (the header block) is a valid 101 answer."""
    lines = head.split(b"\r\n")
    status = lines[0].split(b" ", 2)
    if len(status) < 2 or status[1] != b"101":
        raise HandshakeError(f"expected 101, got {lines[0].decode(errors='replace')!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if headers.get(b"sec-websocket-accept") != expected_accept(key):
        raise HandshakeError("wrong Sec-WebSocket-Accept")


# ---------------------------------------------------------------------------------------------
# The socket


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
        self._request = handshake_request(host, port, token, self._key, subprotocol)
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
        self.send_frame(encode_text_frame(text))

    def send_json(self, obj: Any) -> None:
        self.send_frame(encode_frame(OP_TEXT, encode_json(obj)))

    def send_frame(self, frame: bytes) -> None:
        """Writes an already encoded (masked) frame, e.g. from :func:`encode_text_frame`."""
        if self._close_sent or self.transport is None or self.lost.done():
            raise ConnectionClosed(self.close_code)
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
            raise self.error or ConnectionClosed(self.close_code)
        return json.loads(payload)

    async def close(self, code: int = CLOSE_NORMAL, grace: float = 5.0) -> None:
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
        except ProtocolError as error:
            self._fail(error)
            return
        if consumed < len(data):
            self._buffer += data[consumed:]

    def eof_received(self) -> bool | None:
        return None  # let the transport close

    def connection_lost(self, exc: Exception | None) -> None:
        if self.close_code is None:
            self.close_code = CLOSE_ABNORMAL
        if not self.opened.done():
            self.opened.set_exception(exc or HandshakeError("connection closed during handshake"))
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
            if len(buffer) > MAX_HANDSHAKE_BYTES:
                self._fail(HandshakeError("handshake response too long"))
            return b""
        try:
            check_handshake_response(bytes(buffer[:end]), self._key)
        except HandshakeError as error:
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
                raise ProtocolError("masked frame from the server")
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
            if first == 0x80 | OP_TEXT:  # the hot path: a complete text frame
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
        if not first & 0x80 or opcode == OP_CONTINUATION:
            raise ProtocolError("fragmented frames are not supported")
        if first & 0x70:
            raise ProtocolError("reserved bits set (no extension was negotiated)")
        if opcode == OP_PING:
            if not self._close_sent:
                self.transport.write(encode_frame(OP_PONG, payload))  # type: ignore[union-attr]
        elif opcode == OP_PONG:
            pass
        elif opcode == OP_CLOSE:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if not self._close_sent:
                self._send_close(self.close_code if self.close_code != 1005 else CLOSE_NORMAL)
        else:
            raise ProtocolError(f"unexpected opcode {opcode:#x}")

    def _send_close(self, code: int) -> None:
        self._close_sent = True
        self.transport.write(encode_frame(OP_CLOSE, close_payload(code)))  # type: ignore[union-attr]

    def _fail(self, error: WebSocketError) -> None:
        self.error = error
        if not self.opened.done():
            self.opened.set_exception(error)
        if self.transport is not None and not self.transport.is_closing():
            if self._handshake_buffer is None and not self._close_sent:
                self._send_close(CLOSE_PROTOCOL_ERROR)
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
    arrives. Other events are skipped; an unexpected ERROR raises ServerError."""
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
            raise ServerError(message.get("data"))


def mark_frame(student_id: str) -> bytes:
    return encode_json(
        {"event": "ATTENDANCE_MARKED", "data": {"studentId": student_id, "status": "present"}}
    )


def find_student_id(payload: bytes) -> bytes | None:
    """The studentId of an ATTENDANCE_MARKED frame, by slicing (no JSON decoding)."""
    if payload.startswith(MARK_PREFIX):
        return payload[len(MARK_PREFIX) : len(MARK_PREFIX) + UUID_LEN]
    if b'"ATTENDANCE_MARKED"' not in payload:
        return None
    at = payload.find(STUDENT_ID_KEY)
    if at < 0:
        return None
    at += len(STUDENT_ID_KEY)
    return payload[at : at + UUID_LEN]


class FanoutTally:
    """Counts deliveries of each mark across every socket; ``on_text`` is the hot path."""

    def __init__(self, student_ids: Sequence[str], sockets: int) -> None:
        self.index = {sid.encode(): i for i, sid in enumerate(student_ids)}
        self.sockets = sockets
        self.counts = [0] * len(student_ids)
        self.last_at = [0.0] * len(student_ids)
        self.deliveries = 0
        self.complete = 0
        self.errors = 0
        self.first_error: str | None = None
        self.other_frames = 0
        self.all_delivered = asyncio.get_running_loop().create_future()

    def on_text(self, payload: bytes, now: float) -> None:
        i = self.index.get(find_student_id(payload))  # type: ignore[arg-type]
        if i is None:
            self._other(payload)
            return
        self.deliveries += 1
        self.last_at[i] = now
        count = self.counts[i] = self.counts[i] + 1
        if count == self.sockets:
            self.complete += 1
            if self.complete == len(self.counts) and not self.all_delivered.done():
                self.all_delivered.set_result(None)

    def _other(self, payload: bytes) -> None:
        if b'"event":"ERROR"' in payload:
            self.errors += 1
            if self.first_error is None:
                self.first_error = payload.decode(errors="replace")
        else:
            self.other_frames += 1


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of an already sorted sequence."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def send_back_to_back(sock: LiveSocket, frames: Sequence[bytes]) -> list[float]:
    """Writes every frame as fast as the transport takes them; returns each send time."""
    sent_at = [0.0] * len(frames)
    clock, write = time.perf_counter, sock.send_frame
    for i, frame in enumerate(frames):
        sent_at[i] = clock()
        write(frame)
        if sock.writing_paused:  # the transport's buffer is over its high-water mark
            await sock.drain()
    return sent_at


async def fanout(
    host: str,
    port: int,
    teacher_token: str,
    student_tokens: Sequence[str],
    student_ids: Sequence[str],
    timeout: float = 120.0,  # noqa: ASYNC109
    concurrency: int = 200,
    server_cpu: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """1 teacher + N students connect; the teacher marks all N students back to back and every
    socket should hear every mark. Returns throughput, per-mark latency and client CPU use,
    and, given a reader of the server's CPU time, what the server spent opening the sockets
    and then delivering (from every socket open until every mark heard)."""
    n = len(student_tokens)
    if len(student_ids) != n:
        raise ValueError("student_tokens and student_ids differ in length")
    server_cpu_at = [server_cpu()] if server_cpu else []
    tally = FanoutTally(student_ids, sockets=n + 1)
    teacher = await connect(host, port, teacher_token, tally.on_text)
    try:
        students = await connect_many(host, port, student_tokens, concurrency, tally.on_text)
    except BaseException:
        await teacher.close()
        raise
    socks = [teacher, *students]
    frames = [encode_text_frame(mark_frame(sid)) for sid in student_ids]
    try:
        if server_cpu:
            server_cpu_at.append(server_cpu())
        cpu_started, started = time.process_time(), time.perf_counter()
        sent_at = await send_back_to_back(teacher, frames)
        sent_done = time.perf_counter()
        await _wait_bounded(tally.all_delivered, started + timeout - time.perf_counter())
        cpu = time.process_time() - cpu_started
        wall = time.perf_counter() - started
        figures = _fanout_figures(tally, socks, sent_at, started, sent_done, cpu, wall)
        if server_cpu:
            opened, delivered = server_cpu_at[1] - server_cpu_at[0], server_cpu() - server_cpu_at[1]
            figures["server_cpu_s_opening_sockets"] = round(opened, 3)
            figures["server_cpu_s"] = round(delivered, 3)
            figures["deliveries_per_server_cpu_s"] = round(tally.deliveries / max(delivered, 0.01))
        return figures
    finally:
        await close_all(socks)


async def _wait_bounded(future: Awaitable[None], seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(future), max(0.0, seconds))


def _fanout_figures(
    tally: FanoutTally,
    socks: Sequence[LiveSocket],
    sent_at: Sequence[float],
    started: float,
    sent_done: float,
    cpu: float,
    wall: float,
) -> dict[str, Any]:
    marks, sockets = len(sent_at), len(socks)
    expected = marks * sockets
    latencies = sorted(
        (tally.last_at[i] - sent_at[i]) * 1000 for i in range(marks) if tally.counts[i] >= sockets
    )
    delivered_at = [t for t, c in zip(tally.last_at, tally.counts, strict=True) if c]
    first_sent = sent_at[0] if sent_at else started
    seconds = (max(delivered_at) - first_sent) if delivered_at else wall
    utilisation = cpu / wall if wall > 0 else 0.0
    close_codes: dict[int, int] = {}
    for s in socks:
        if s.close_code is not None:
            close_codes[s.close_code] = close_codes.get(s.close_code, 0) + 1
    return {
        "marks": marks,
        "sockets": sockets,
        "deliveries": tally.deliveries,
        "expected_deliveries": expected,
        "missing_deliveries": max(0, expected - tally.deliveries),
        "complete_marks": tally.complete,
        "timed_out": tally.complete < marks,
        "seconds": seconds,
        "send_seconds": sent_done - started,
        "deliveries_per_s": tally.deliveries / seconds if seconds > 0 else 0.0,
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_p99": percentile(latencies, 99),
        "latency_ms_max": latencies[-1] if latencies else None,
        "client_cpu_s": cpu,
        "client_cpu_utilisation": utilisation,
        "client_bound": utilisation > 0.9,
        "errors": tally.errors,
        "first_error": tally.first_error,
        "other_frames": tally.other_frames,
        "closed_during_run": close_codes,
    }
