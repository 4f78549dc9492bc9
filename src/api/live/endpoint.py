"""`/ws?token=<jwt>` as an ASGI route: the socket's task waits for each message in turn. Our own
server serves `/ws` without a task per socket (api/live/direct.py); this route is how the app
runs on any other server."""

from collections.abc import Mapping
from typing import Any, cast

from litestar import WebSocket, websocket
from litestar.di import NamedDependency

from api.live.registry import RECEIVE_READY_EXTENSION, WRITE_FRAME_EXTENSION
from api.live.sockets import NO_CLOSE_CODE, LiveServices, Send, open_live_socket

LIVE_PATH = "/ws"


def server_extension(socket: WebSocket[Any, Any, Any], name: str) -> Any:
    """What the server offers under that name in the socket's ASGI scope, if anything."""
    extensions: Mapping[str, Any] = socket.scope.get("extensions") or {}
    return extensions.get(name)


@websocket(LIVE_PATH)
async def live_attendance(
    socket: WebSocket[Any, Any, Any], live_services: NamedDependency[LiveServices]
) -> None:
    await socket.receive()  # websocket.connect
    live = await open_live_socket(
        live_services,
        dict(socket.scope),
        cast(Send, socket.send),
        write_frame=server_extension(socket, WRITE_FRAME_EXTENSION),
    )
    if live is None:
        return
    # Frames the client sent that already wait are taken with the first, when the server
    # offers that (uvicorn with infrastructure/ws_protocol.py does), and answered together.
    receive_ready = server_extension(socket, RECEIVE_READY_EXTENSION)
    close_code: int | None = None
    try:
        while not live.closed:
            message = await socket.receive()
            if message["type"] != "websocket.receive":
                code = message.get("code")
                close_code = code if isinstance(code, int) else NO_CLOSE_CODE
                break
            received = cast(dict[str, Any], message)
            await live.answer([received, *receive_ready()] if receive_ready else [received])
    finally:
        await live.end(close_code)
