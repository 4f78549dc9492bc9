"""Our uvicorn WebSocket protocol class, driven with bytes as a client would send them and a
transport that records each write."""

import asyncio
import base64
import os
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from api.live.registry import wire_frame
from infrastructure.ws_protocol import (
    RECEIVE_READY_EXTENSION,
    WRITE_FRAME_EXTENSION,
    LiveWebSocketProtocol,
)
from tests.unit.test_socket_registry import decode_wire

pytestmark = pytest.mark.anyio


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closing = False
        self.reading = True

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default
        )


def client_frame(text: str) -> bytes:
    """A masked text frame, as a client sends it (payloads under 126 bytes)."""
    payload, mask = text.encode(), os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes((0x81, 0x80 | len(payload))) + mask + masked


def handshake() -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        "GET /ws HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


async def connected(app) -> tuple[LiveWebSocketProtocol, RecordingTransport]:
    config = Config(app=app, ws=LiveWebSocketProtocol, lifespan="off", log_level="warning")
    config.load()
    protocol = LiveWebSocketProtocol(config, ServerState(), app_state={})
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(handshake())
    return protocol, transport


async def test_frames_written_in_one_turn_go_out_in_one_write_before_anything_sent_later():
    done = asyncio.Event()

    async def app(scope, receive, send):
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        write_frame = scope["extensions"][WRITE_FRAME_EXTENSION]
        assert all(write_frame(wire_frame(f"frame {n}")) for n in range(3))
        await send({"type": "websocket.send", "text": "sent after"})
        assert write_frame(wire_frame("alone"))
        await asyncio.sleep(0)  # the turn ends: corked frames go out
        done.set()
        await asyncio.sleep(3600)

    protocol, transport = await connected(app)
    await asyncio.wait_for(done.wait(), 5)
    handshake_answer, *frames = transport.writes
    assert handshake_answer.startswith(b"HTTP/1.1 101")
    # The three corked frames in one write, before the frame the ASGI send wrote after them.
    assert frames[0] == b"".join(wire_frame(f"frame {n}") for n in range(3))
    assert decode_wire(frames[1]) == "sent after"
    assert frames[2:] == [wire_frame("alone")]
    protocol.connection_lost(None)


async def test_a_frame_is_refused_when_the_transport_is_full_or_the_socket_closing():
    results: dict[str, bool] = {}
    done = asyncio.Event()

    async def app(scope, receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        write_frame = scope["extensions"][WRITE_FRAME_EXTENSION]
        protocol.pause_writing()
        results["paused"] = write_frame(wire_frame("x"))
        protocol.resume_writing()
        results["resumed"] = write_frame(wire_frame("y"))
        await send({"type": "websocket.close", "code": 1000})
        results["closing"] = write_frame(wire_frame("z"))
        done.set()

    protocol, _ = await connected(app)
    await asyncio.wait_for(done.wait(), 5)
    assert results == {"paused": False, "resumed": True, "closing": False}
    protocol.connection_lost(None)


async def test_messages_that_wait_are_taken_at_once_and_a_disconnect_stays_for_receive():
    taken: list[Any] = []
    done = asyncio.Event()

    async def app(scope, receive, send):
        await receive()
        await send({"type": "websocket.accept"})
        taken.append(await receive())
        taken.append(scope["extensions"][RECEIVE_READY_EXTENSION]())
        taken.append(await receive())
        done.set()

    protocol, transport = await connected(app)
    await asyncio.sleep(0.01)  # accepted
    protocol.data_received(client_frame("one") + client_frame("two") + client_frame("three"))
    assert not transport.reading  # uvicorn stops reading while messages wait
    protocol.connection_lost(None)  # the client goes: a disconnect queues behind them
    await asyncio.wait_for(done.wait(), 5)
    first, ready, last = taken
    assert first == {"type": "websocket.receive", "text": "one"}
    assert ready == [
        {"type": "websocket.receive", "text": "two"},
        {"type": "websocket.receive", "text": "three"},
    ]
    assert last["type"] == "websocket.disconnect"
    assert transport.reading  # the queue was emptied: reading resumes
