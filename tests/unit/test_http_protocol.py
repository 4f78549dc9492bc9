"""Our HTTP protocol's header limit, driven with bytes as a client sends them: the reads the
server makes may hold a whole request, or more than one."""

import asyncio
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from infrastructure import http_protocol
from infrastructure.http_protocol import MAX_HEADER_BYTES, GuardedHttpProtocol
from tests.unit.test_ws_direct import Transport

pytestmark = pytest.mark.anyio


class App:
    """Answers every request with 200 and records the paths it was asked for."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def served_by(app: App) -> tuple[GuardedHttpProtocol, Transport]:
    config = Config(app=app, lifespan="off", log_level="warning")
    config.load()
    protocol = GuardedHttpProtocol(config, ServerState(), app_state={})
    transport = Transport()
    transport.protocol = protocol
    protocol.connection_made(transport)
    return protocol, transport


def get(path: str, header_bytes: int = 0) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * header_bytes}\r\n\r\n".encode()


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_headers_over_the_limit_in_one_read_are_refused_with_what_follows_them(
    monkeypatch,
):
    monkeypatch.setattr(http_protocol, "LINGER_SECONDS", 0.01)
    app = App()
    protocol, transport = served_by(app)
    protocol.data_received(get("/big", MAX_HEADER_BYTES + 100) + get("/next"))  # one read
    await settle()
    assert app.paths == []
    assert [write.split(b"\r\n")[0] for write in transport.writes] == [
        b"HTTP/1.1 431 Request Header Fields Too Large"
    ]
    await asyncio.sleep(0.05)
    assert transport.closing  # after the refusal's linger, whatever the client does


async def test_headers_under_the_limit_in_one_big_read_are_served():
    app = App()
    protocol, transport = served_by(app)
    protocol.data_received(get("/first", MAX_HEADER_BYTES - 1000) + get("/second", 2000))
    await settle()
    assert app.paths == ["/first", "/second"]
    assert [write.split(b"\r\n")[0] for write in transport.writes if write[:4] == b"HTTP"] == [
        b"HTTP/1.1 200 OK"
    ] * 2
    assert not transport.closing


async def test_headers_over_the_limit_are_refused_when_their_last_read_takes_them_over():
    app = App()
    protocol, transport = served_by(app)
    request = get("/big", MAX_HEADER_BYTES)
    protocol.data_received(request[:60_000])  # neither read is over the limit alone
    protocol.data_received(request[60_000:])
    await settle()
    assert app.paths == []
    assert transport.writes[0].startswith(b"HTTP/1.1 431 ")
