"""What the ASGI app does before routing: HEAD wherever GET works, CORS for the one allowed
origin, and 404 in the envelope where Litestar would answer otherwise (its OpenAPI router
claims every path under /schema with an HTML page; a WebSocket handshake to a path that is no
socket gets a bare 403 from the server).

Litestar's own CORS middleware answers every preflight itself, for any path (so an unknown
path gets a 204) and refuses in plain text; the contract wants 404 for unknown paths and the
envelope everywhere. So preflights from the allowed origin go on to the router (a known path's
OPTIONS handler answers, an unknown one is a 404), and refusals are in the envelope."""

from typing import cast

import msgspec
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

ORIGIN_NOT_ALLOWED = "Forbidden, origin not allowed"
NOT_FOUND = "Not found"
ALLOWED_HEADERS = "Authorization, Content-Type"
PREFLIGHT_MAX_AGE_SECONDS = "600"


class FrontDoor:
    def __init__(
        self,
        app: ASGIApp,
        allowed_origin: str,
        *,
        socket_paths: frozenset[str],
        schema_prefix: str,
        schema_paths: frozenset[str],
    ) -> None:
        self._app = app
        self._allowed_origin = allowed_origin
        self._socket_paths = socket_paths
        self._schema_prefix = schema_prefix + "/"
        self._schema_paths = schema_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.WEBSOCKET and scope["path"] not in self._socket_paths:
            await _refuse_handshake(scope, receive, send)
            return
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(self._schema_prefix) and path not in self._schema_paths:
            await _send_error(send, 404, NOT_FOUND)
            return
        origin, preflight = _cors_headers(scope)
        if origin is not None and origin != self._allowed_origin:
            if preflight:
                await _send_error(send, 403, ORIGIN_NOT_ALLOWED)
                return
        elif origin is not None:
            send = _with_cors_headers(send, origin, preflight)
        if scope["method"] == "HEAD":
            scope = {**scope, "method": "GET"}
            send = _without_body(send)
        await self._app(scope, receive, send)


def _cors_headers(scope: HTTPScope) -> tuple[str | None, bool]:
    """The Origin, and whether this is a preflight: read off the raw headers, since building
    Litestar's Headers for every request costs more than the rest of this class."""
    origin, preflight = None, False
    for name, value in scope["headers"]:
        if name == b"origin":
            origin = value.decode("latin-1")
        elif name == b"access-control-request-method":
            preflight = scope["method"] == "OPTIONS"
    return origin, preflight


def _with_cors_headers(send: Send, origin: str, preflight: bool) -> Send:
    async def send_with_cors(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders.from_message(message)
            headers["access-control-allow-origin"] = origin
            headers["vary"] = "Origin"
            if preflight and message["status"] < 400:
                headers["access-control-allow-methods"] = headers.get("allow") or "GET"
                headers["access-control-allow-headers"] = ALLOWED_HEADERS
                headers["access-control-max-age"] = PREFLIGHT_MAX_AGE_SECONDS
        await send(message)

    return send_with_cors


def _without_body(send: Send) -> Send:
    """A GET's response as a HEAD's: the same status and headers (content-length included),
    no body."""

    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = cast(Message, {"type": "http.response.body", "body": b"", "more_body": False})
        await send(message)

    return send_head


def _error(message: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = msgspec.json.encode({"success": False, "error": message})
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    return headers, body


async def _send_error(send: Send, status: int, message: str) -> None:
    headers, body = _error(message)
    await send(cast(Message, {"type": "http.response.start", "status": status, "headers": headers}))
    await send(cast(Message, {"type": "http.response.body", "body": body}))


async def _refuse_handshake(scope: Scope, receive: Receive, send: Send) -> None:
    """A 404 in the envelope instead of the handshake, where the server can send one."""
    await receive()  # websocket.connect
    if "websocket.http.response" not in (scope.get("extensions") or {}):
        await send(cast(Message, {"type": "websocket.close", "code": 1008}))
        return
    headers, body = _error(NOT_FOUND)
    start = {"type": "websocket.http.response.start", "status": 404, "headers": headers}
    await send(cast(Message, start))
    await send(cast(Message, {"type": "websocket.http.response.body", "body": body}))
