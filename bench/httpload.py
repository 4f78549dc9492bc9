"""A small HTTP/1.1 client for load: keep-alive connections on asyncio streams, one request at
a time each, bodies read by Content-Length. A general-purpose client (httpx) costs the load
generator several times the server's CPU per request, and the load generator shares its core
with PostgreSQL: it, not the server, set the pace (measured in docs/benchmarks.md)."""

import asyncio
import contextlib
import json
from typing import Any


class HttpConnections:
    """Up to `size` keep-alive connections to one server, lent one request at a time."""

    def __init__(self, host: str, port: int, size: int = 100) -> None:
        self._host, self._port = host, port
        self._idle: asyncio.LifoQueue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.LifoQueue()
        )
        self._slots = asyncio.Semaphore(size)
        self._open: list[asyncio.StreamWriter] = []

    async def post_json(self, path: str, body: Any, headers: dict[str, str]) -> tuple[int, bytes]:
        """Sends the request; answers the status and the body."""
        payload = json.dumps(body).encode()
        content = {"Content-Type": "application/json", "Content-Length": str(len(payload))}
        return await self._request("POST", path, {**headers, **content}, payload)

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        return await self._request("GET", path, headers, b"")

    async def _request(
        self, method: str, path: str, headers: dict[str, str], payload: bytes
    ) -> tuple[int, bytes]:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (
            f"{method} {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n{head}\r\n"
        ).encode() + payload
        async with self._slots:
            reader, writer = await self._connection()
            writer.write(request)
            status, answer = await _read_response(reader)
            self._idle.put_nowait((reader, writer))
            return status, answer

    async def close(self) -> None:
        for writer in self._open:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if not self._idle.empty():
            return self._idle.get_nowait()
        reader, writer = await asyncio.open_connection(self._host, self._port)
        self._open.append(writer)
        return reader, writer


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)
