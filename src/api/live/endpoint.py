"""`/ws?token=<jwt>` as an ASGI route: the socket's task waits for each message in turn. Our own
server serves `/ws` without a task per socket (api/live/direct.py); this route is how the app
runs on any other server."""

from typing import Any, cast

from litestar import WebSocket, websocket
from litestar.di import NamedDependency

from api.live.sockets import NO_CLOSE_CODE, LiveServices, Send, open_live_socket

LIVE_PATH = "/ws"


@websocket(LIVE_PATH)
async def live_attendance(
    socket: WebSocket[Any, Any, Any], live_services: NamedDependency[LiveServices]
) -> None:
    await socket.receive()  # websocket.connect
    live = await open_live_socket(live_services, dict(socket.scope), cast(Send, socket.send))
    if live is None:
        return
    close_code: int | None = None
    try:
        while not live.closed:
            message = await socket.receive()
            if message["type"] != "websocket.receive":
                code = message.get("code")
                close_code = code if isinstance(code, int) else NO_CLOSE_CODE
                break
            await live.answer([cast(dict[str, Any], message)])
    finally:
        await live.end(close_code)
