"""uvicorn's sans-I/O WebSocket protocol, with one addition for broadcasts: the ASGI scope
extension `live-attendance.write_frame`, a function that writes an already encoded frame
straight to the socket's transport.

A class broadcast is the same bytes for every socket (server frames are not masked), so the
app encodes the frame once and each socket costs one transport write, instead of an ASGI send
per socket (a coroutine, a frame built and serialised by the websockets library, a join). The
function answers False when the frame cannot go out this way right now (handshake not done,
closing, or the transport's buffer full and paused): the app then uses the plain ASGI send,
which waits. An app that does not find the extension (another server) uses the ASGI send
always."""

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

WRITE_FRAME_EXTENSION = "live-attendance.write_frame"


class LiveWebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        # The ASGI task was created but has not run yet: it will find the extension.
        self.scope["extensions"][WRITE_FRAME_EXTENSION] = self.write_frame

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # The handshake's request and response (and their header objects) are not needed
            # once it is done; an idle socket keeps ~3 KB less (docs/benchmarks.md).
            del self.request, self.response

    def write_frame(self, frame: bytes) -> bool:
        if (
            not self.handshake_complete
            or self.close_sent
            or self.disconnected
            or self.conn.state is not State.OPEN
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True
