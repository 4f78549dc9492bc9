"""Our own WebSocket path (infrastructure/ws_direct.py), driven through our HTTP protocol with
bytes as a client sends them and a transport that records each write."""

import asyncio
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState
from websockets.frames import Close, Frame, Opcode

from api.live.connection import wire_frame
from infrastructure.http_protocol import GuardedHttpProtocol
from infrastructure.ws_direct import DIRECT_SOCKETS_STATE, DirectWebSocket, serving_sockets_directly
from tests.unit.test_socket_registry import decode_wire

pytestmark = pytest.mark.anyio

# RFC 6455, 1.3: the sample key and the answer it must get.
SAMPLE_KEY, SAMPLE_ACCEPT = "dGhlIHNhbXBsZSBub25jZQ==", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closing = False
        self.aborted = False
        self.reading = True

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = self.aborted = True

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default
        )


class Transport(RecordingTransport):
    def __init__(self) -> None:
        super().__init__()
        self.protocol: Any = None

    def set_protocol(self, protocol: Any) -> None:
        self.protocol = protocol

    def get_protocol(self) -> Any:
        return self.protocol

    def can_write_eof(self) -> bool:
        return False


class App:
    """Records the sockets it is asked to open and the messages each one hears."""

    def __init__(self, accept: bool = True) -> None:
        self.accept = accept
        self.scopes: list[dict[str, Any]] = []
        self.heard: list[dict[str, Any]] = []
        self.socket: Any = None

    def connect(self, scope: dict[str, Any], socket: Any) -> Any:
        self.scopes.append(scope)
        self.socket = socket
        if self.accept:
            socket.accept("live-attendance.v2", [(b"x-request-id", b"r-1")])
        return self.heard.append


def client_frame(opcode: Opcode, data: bytes, fin: bool = True) -> bytes:
    return Frame(opcode, data, fin).serialize(mask=True, extensions=[])


def text(payload: str) -> bytes:
    return client_frame(Opcode.TEXT, payload.encode())


def request(path: str = "/ws?token=abc", key: str = SAMPLE_KEY, **extra: str) -> bytes:
    headers = {
        "Host": "test",
        "Upgrade": "websocket",
        "Connection": "keep-alive, Upgrade",
        "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Protocol": "chat, live-attendance.v2",
        **extra,
    }
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items() if value)
    return f"GET {path} HTTP/1.1\r\n{lines}\r\n".encode()


async def connect(
    app: App, handshake: bytes | None = None, ping_interval: float | None = None
) -> tuple[Transport, ServerState]:
    config = Config(app=lambda *_: None, lifespan="off", log_level="warning")
    config.ws_ping_interval = ping_interval
    config.load()
    state = ServerState()
    http = GuardedHttpProtocol(config, state, app_state={DIRECT_SOCKETS_STATE: {"/ws": app}})
    transport = Transport()
    transport.protocol = http
    http.connection_made(transport)
    http.data_received(handshake or request())
    return transport, state


def close_frames(transport: Transport) -> list[Close]:
    closes = []
    for data in transport.writes:
        if data[0] == 0x88:  # an unmasked close frame
            closes.append(Close.parse(data[2 : 2 + data[1]]))
    return closes


async def test_a_valid_handshake_is_answered_by_the_app_with_no_task_for_the_socket():
    app = App()
    transport, state = await connect(app)
    (scope,) = app.scopes
    assert scope["type"] == "websocket" and scope["path"] == "/ws"
    assert scope["query_string"] == b"token=abc"
    assert scope["subprotocols"] == ["chat", "live-attendance.v2"]
    assert isinstance(transport.protocol, DirectWebSocket)
    assert state.tasks == set() and state.connections == {transport.protocol}
    answer = transport.writes[0]
    assert answer.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert b"\r\nsec-websocket-accept: " + SAMPLE_ACCEPT + b"\r\n" in answer
    assert b"\r\nsec-websocket-protocol: live-attendance.v2\r\n" in answer
    assert b"\r\nx-request-id: r-1\r\n" in answer and answer.endswith(b"\r\n\r\n")
    assert transport.reading


@pytest.mark.parametrize(
    "handshake",
    [
        request(path="/elsewhere"),
        request(key="too-short"),
        request(**{"Sec-WebSocket-Version": "8"}),
        request(**{"Connection": "keep-alive"}),
        request(key=""),
        request(**{"Host": ""}),
        request(**{"Transfer-Encoding": "chunked"}),
        request().replace(b"HTTP/1.1", b"HTTP/1.0", 1),
        request().replace(b"\r\n\r\n", b"\r\nSec-WebSocket-Version: 13\r\n\r\n"),
    ],
    ids=[
        "another path",
        "bad key",
        "old version",
        "no Connection: upgrade",
        "no key",
        "no host",
        "a body",
        "HTTP/1.0",
        "two versions",
    ],
)
async def test_a_handshake_it_does_not_take_goes_to_uvicorn(handshake):
    app = App()
    transport, _ = await connect(app, handshake)
    assert app.scopes == []
    assert not isinstance(transport.protocol, DirectWebSocket)


async def test_nothing_is_read_before_the_app_answers_the_handshake():
    app = App(accept=False)
    transport, _ = await connect(app)
    assert not transport.reading and transport.writes == []
    app.socket.accept()
    assert transport.reading and transport.writes[0].startswith(b"HTTP/1.1 101")
    assert b"sec-websocket-protocol" not in transport.writes[0]


async def test_messages_reach_the_app_in_order_whole_and_as_asgi_messages():
    app = App()
    transport, _ = await connect(app)
    socket = transport.protocol
    socket.data_received(
        text("one")
        + client_frame(Opcode.TEXT, b"tw", fin=False)
        + client_frame(Opcode.PING, b"are you there")
        + client_frame(Opcode.CONT, "o é".encode())
        + client_frame(Opcode.BINARY, b"\x00\x01")
    )
    assert app.heard == [
        {"type": "websocket.receive", "text": "one"},
        {"type": "websocket.receive", "text": "two é"},
        {"type": "websocket.receive", "bytes": b"\x00\x01"},
    ]
    assert transport.writes[-1] == b"\x8a\x0dare you there"  # the pong


async def test_a_client_close_is_answered_and_the_app_hears_its_code_once():
    app = App()
    transport, state = await connect(app)
    socket = transport.protocol
    socket.data_received(client_frame(Opcode.CLOSE, Close(1000, "bye").serialize()))
    assert app.heard == [{"type": "websocket.disconnect", "code": 1000}]
    assert close_frames(transport) == [Close(1000, "bye")]
    assert transport.closing
    socket.connection_lost(None)
    assert app.heard == [{"type": "websocket.disconnect", "code": 1000}]
    assert state.connections == set()


async def test_a_client_that_reads_nothing_is_not_read_from_until_it_does():
    # A client that sends pings and never reads would otherwise fill our buffer with pongs.
    app = App()
    transport, _ = await connect(app)
    socket = transport.protocol
    socket.pause_writing()
    assert not transport.reading
    socket.pause_reading()  # the app has enough waiting, too
    socket.resume_writing()
    assert not transport.reading
    socket.resume_reading()
    assert transport.reading


async def test_close_codes_reach_the_app_as_plain_integers():
    app = App()
    transport, _ = await connect(app)
    transport.protocol.data_received(client_frame(Opcode.TEXT, b"x", fin=False) + text("y"))
    (disconnect,) = app.heard
    assert disconnect == {"type": "websocket.disconnect", "code": 1002}
    assert type(disconnect["code"]) is int  # logged as 1002, not as an enum's name


async def test_a_client_that_vanishes_is_a_1006():
    app = App()
    transport, _ = await connect(app)
    transport.protocol.connection_lost(ConnectionResetError())
    assert app.heard == [{"type": "websocket.disconnect", "code": 1006}]


async def test_invalid_utf8_is_a_1007_and_an_oversized_message_a_1009():
    app = App()
    transport, _ = await connect(app)
    transport.protocol.data_received(client_frame(Opcode.TEXT, b"\xff\xfe"))
    assert app.heard == [{"type": "websocket.disconnect", "code": 1007}]
    assert [close.code for close in close_frames(transport)] == [1007]

    app = App()
    transport, _ = await connect(app)
    too_big = Config(app=lambda *_: None).ws_max_size + 1
    transport.protocol.data_received(client_frame(Opcode.TEXT, b"x" * too_big))
    assert app.heard == [{"type": "websocket.disconnect", "code": 1009}]
    assert transport.closing


async def test_after_the_app_closes_nothing_more_is_heard_or_sent_and_the_echo_hangs_up():
    app = App()
    transport, _ = await connect(app)
    socket = transport.protocol
    assert socket.write_frame(wire_frame("before"))
    await socket.send({"type": "websocket.close", "code": 1008})
    # What was corked went out before the close frame.
    assert decode_wire(transport.writes[-2]) == "before"
    assert close_frames(transport) == [Close(1008, "")]
    assert not socket.write_frame(wire_frame("after"))
    with pytest.raises(ConnectionResetError):
        await socket.send({"type": "websocket.send", "text": "after"})
    socket.data_received(text("too late") + client_frame(Opcode.CLOSE, Close(1008, "").serialize()))
    assert app.heard == [{"type": "websocket.disconnect", "code": 1008}]
    assert transport.closing


async def test_frames_of_one_turn_go_out_in_one_write_and_wait_while_the_transport_is_full():
    app = App()
    transport, _ = await connect(app)
    socket = transport.protocol
    written_before = len(transport.writes)
    assert all(socket.write_frame(wire_frame(f"frame {n}")) for n in range(3))
    await asyncio.sleep(0)  # the turn ends
    assert transport.writes[written_before:] == [
        b"".join(wire_frame(f"frame {n}") for n in range(3))
    ]
    socket.pause_writing()
    assert not socket.write_frame(wire_frame("full"))
    sending = asyncio.ensure_future(socket.send({"type": "websocket.send", "text": "waits"}))
    await asyncio.sleep(0.01)
    assert not sending.done()
    socket.resume_writing()
    await asyncio.wait_for(sending, 1)
    assert decode_wire(transport.writes[-1]) == "waits"


async def test_a_silent_socket_is_pinged_then_closed_1011_if_it_stays_silent():
    app = App()
    transport, _ = await connect(app)
    socket = transport.protocol
    socket.keepalive()  # the handshake counts as heard
    socket.keepalive()
    assert transport.writes[-1] == b"\x89\x00"  # a ping
    socket.data_received(client_frame(Opcode.PONG, b""))
    socket.keepalive()
    socket.keepalive()
    assert transport.writes[-1] == b"\x89\x00" and not transport.closing
    socket.keepalive()
    assert app.heard == [{"type": "websocket.disconnect", "code": 1011}]
    assert [close.code for close in close_frames(transport)] == [1011]
    assert transport.closing


async def test_the_keepalive_timer_pings_sockets_of_the_loop():
    app = App()
    transport, _ = await connect(app, ping_interval=0.02)
    for _ in range(100):  # the second tick pings (the first notes the socket was quiet)
        await asyncio.sleep(0.02)
        if b"\x89\x00" in transport.writes:
            break
    assert b"\x89\x00" in transport.writes
    transport.protocol.connection_lost(None)


async def test_a_stopping_server_closes_open_sockets_with_1012():
    app = App()
    transport, _ = await connect(app)
    transport.protocol.shutdown()
    assert app.heard == [{"type": "websocket.disconnect", "code": 1012}]
    assert [close.code for close in close_frames(transport)] == [1012]
    assert transport.closing


async def test_the_app_offers_its_direct_paths_to_the_server_in_the_lifespan_state():
    seen: list[dict[str, Any]] = []

    async def app(scope, receive, send):
        seen.append(scope)

    paths = {"/ws": App()}
    offering = serving_sockets_directly(app, paths)
    lifespan = {"type": "lifespan", "state": {}}
    await offering(lifespan, None, None)
    await offering({"type": "http", "state": {}}, None, None)
    assert seen[0]["state"] == {DIRECT_SOCKETS_STATE: paths}
    assert seen[1]["state"] == {}  # only the lifespan's state reaches the server's protocols


async def test_a_client_that_reads_nothing_for_the_write_timeout_is_cut_off(monkeypatch):
    from dataclasses import replace

    import infrastructure.http_protocol as http_protocol

    quick = replace(http_protocol.load_settings(), write_timeout_seconds=0.05)
    monkeypatch.setattr(http_protocol, "_limits", lambda: quick)
    slow, stalled = App(), App()
    slow_transport, _ = await connect(slow)
    stalled_transport, _ = await connect(stalled)
    for transport in (slow_transport, stalled_transport):
        transport.protocol.pause_writing()  # the client's buffer is full
    slow_transport.protocol.resume_writing()  # it read something in time
    await asyncio.sleep(0.3)
    assert not slow_transport.aborted
    assert stalled_transport.aborted
    stalled_transport.protocol.connection_lost(None)
    assert stalled.heard == [{"type": "websocket.disconnect", "code": 1006}]
