"""uvicorn's sans-I/O WebSocket protocol, with two additions the live path uses, offered to the
app as ASGI scope extensions (an app that does not find them, on another server, does without):

- `live-attendance.write_frame`: writes an already encoded frame to the socket. A class
  broadcast is the same bytes for every socket (server frames are not masked), so the app
  encodes it once and each socket costs no ASGI send (a coroutine, a frame built and
  serialised by the websockets library). Frames written this way within one turn of the event
  loop are corked: they go out in one transport write when the turn ends, so a burst of
  broadcasts costs each socket one system call. Anything the ASGI send writes later waits for
  them, so frames keep their order. It answers False when a frame cannot go out this way now
  (handshake not done, closing, or the transport's buffer full): the app then uses the ASGI
  send, which waits.
- `live-attendance.receive_ready`: the messages the client already sent that are waiting, taken
  without waiting (a disconnect stays for the ASGI receive), so that a burst of frames can be
  handled together (the live handler commits consecutive marks in one transaction)."""

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

from infrastructure.corking import uncork_when_the_turn_ends

WRITE_FRAME_EXTENSION = "live-attendance.write_frame"
RECEIVE_READY_EXTENSION = "live-attendance.receive_ready"
# At most this many waiting messages are taken at once.
MAX_READY_MESSAGES = 256


class LiveWebSocketProtocol(WebSocketsSansIOProtocol):
    _corked: list[bytes] | None = None  # frames written this turn, not yet on the transport
    _held_back: Any = None  # a disconnect found while taking ready messages

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        # The ASGI task was created but has not run yet: it will find the extensions.
        extensions: dict[str, Any] = self.scope["extensions"]
        extensions[WRITE_FRAME_EXTENSION] = self.write_frame
        extensions[RECEIVE_READY_EXTENSION] = self.receive_ready

    async def send(self, message: Any) -> None:
        if self.handshake_complete:
            self.flush_corked()  # what was written before this goes out before it
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # The handshake's request and response (and their header objects) are not needed
            # once it is done; an idle socket keeps ~3 KB less (docs/benchmarks.md).
            del self.request, self.response

    async def receive(self) -> Any:
        if self._held_back is not None:
            message, self._held_back = self._held_back, None
            return message
        return await super().receive()

    def receive_ready(self) -> list[dict[str, Any]]:
        ready: list[Any] = []
        while self._held_back is None and not self.queue.empty():
            message = self.queue.get_nowait()
            if message["type"] != "websocket.receive":
                self._held_back = message
                break
            ready.append(message)
            if len(ready) == MAX_READY_MESSAGES:
                break
        if self.read_paused and self.queue.empty():  # as receive() does: read what follows
            self.read_paused = False
            self.transport.resume_reading()
        return ready

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
        if self._corked is None:
            self._corked = [frame]
            uncork_when_the_turn_ends(self)
        else:
            self._corked.append(frame)
        return True

    def shutdown(self) -> None:
        if self.handshake_complete:
            self.flush_corked()
        super().shutdown()

    def flush_corked(self) -> None:
        frames, self._corked = self._corked, None
        if (
            frames
            and not self.disconnected
            and self.conn.state is State.OPEN
            and not self.transport.is_closing()
        ):
            self.transport.write(frames[0] if len(frames) == 1 else b"".join(frames))
