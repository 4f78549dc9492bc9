"""A small synchronous client for the live protocol, on the `websockets` library."""

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

V2 = "live-attendance.v2"


class LiveClient:
    def __init__(self, ws_url: str, token: str | None, v2: bool = False) -> None:
        url = ws_url if token is None else f"{ws_url}?token={token}"
        self._stack = ExitStack()
        self.socket: ClientConnection = self._stack.enter_context(
            connect(url, open_timeout=10, max_size=None, subprotocols=[V2] if v2 else None)
        )

    def send(self, event: str, data: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"event": event}
        if data is not None:
            message["data"] = data
        self.socket.send(json.dumps(message))

    def send_raw(self, payload: str | bytes) -> None:
        self.socket.send(payload)

    def send_together(self, texts: list[str]) -> None:
        """Text frames in one write to the network, so the server reads them as one burst."""
        self.socket.socket.sendall(b"".join(_masked_text_frame(text) for text in texts))

    def receive(self, timeout: float = 10) -> dict[str, Any]:
        return json.loads(self.socket.recv(timeout=timeout))

    def receive_event(self, event: str, timeout: float = 10) -> dict[str, Any]:
        """The next frame, which must be that event."""
        message = self.receive(timeout)
        assert message["event"] == event, message
        return message

    def receive_error(self, timeout: float = 10) -> str:
        message = self.receive(timeout)
        assert message["event"] == "ERROR", message
        assert set(message["data"]) == {"message"}
        return message["data"]["message"]

    def assert_silent(self, wait: float = 0.3) -> None:
        try:
            unexpected = self.socket.recv(timeout=wait)
        except TimeoutError:
            return
        raise AssertionError(f"expected silence, got {unexpected}")

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> "LiveClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def send_at_once(sockets: list[LiveClient], event: str) -> None:
    """Sends the same event from several sockets at the same instant (threads on a barrier)."""
    barrier = threading.Barrier(len(sockets))

    def send(ws: LiveClient) -> None:
        barrier.wait()
        ws.send(event)

    threads = [threading.Thread(target=send, args=(ws,)) for ws in sockets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def is_done(message: dict[str, Any]) -> bool:
    return message["event"] == "DONE"


def drain(
    ws: LiveClient, quiet: float = 1.0, after: Callable[[dict[str, Any]], bool] | None = None
) -> list[dict[str, Any]]:
    """Every message until the socket has been quiet for `quiet` seconds (long enough that a
    busy machine's pause between two frames of one answer does not end it early). With
    `after`, the quiet is only waited for once a message it accepts has come: for an answer
    that waits on a commit, which can take longer than any quiet on a busy machine."""
    messages = receive_until(ws, after) if after else [ws.receive()]
    return messages + _until_quiet(ws, quiet)


def _until_quiet(ws: LiveClient, quiet: float) -> list[dict[str, Any]]:
    messages = []
    while True:
        try:
            messages.append(ws.receive(timeout=quiet))
        except TimeoutError:
            return messages


def heard_racing_dones(sockets: list[LiveClient], timeout: float = 10) -> list[list[dict]]:
    """What each socket that sent a racing DONE heard: every one hears the DONE, the loser
    also its ERROR (before or after the DONE, both come after the winner's commit), then
    nothing more for a second."""
    heard = [receive_until(ws, is_done, timeout) for ws in sockets]
    deadline = time.monotonic() + timeout
    while not any(message["event"] == "ERROR" for messages in heard for message in messages):
        assert time.monotonic() < deadline, f"no ERROR for the DONE that lost: {heard}"
        for ws, messages in zip(sockets, heard, strict=True):
            with contextlib.suppress(TimeoutError):
                messages.append(ws.receive(timeout=0.1))
    return [messages + _until_quiet(ws, 1.0) for ws, messages in zip(sockets, heard, strict=True)]


def receive_until(
    ws: LiveClient, is_last: Callable[[dict[str, Any]], bool], timeout: float = 10
) -> list[dict[str, Any]]:
    """Every message up to and including the first that `is_last` accepts (within `timeout`
    seconds in all)."""
    deadline = time.monotonic() + timeout
    messages = [ws.receive(max(deadline - time.monotonic(), 0.01))]
    while not is_last(messages[-1]):
        messages.append(ws.receive(max(deadline - time.monotonic(), 0.01)))
    return messages


__all__ = [
    "ConnectionClosed",
    "LiveClient",
    "drain",
    "heard_racing_dones",
    "is_done",
    "receive_until",
    "send_at_once",
]


def _masked_text_frame(text: str) -> bytes:
    """A text frame as a client sends it (RFC 6455, 5.2), for payloads under 64 KB."""
    payload, mask = text.encode(), os.urandom(4)
    size = len(payload)
    header = bytes((0x81, 0x80 | size)) if size < 126 else bytes((0x81, 0xFE)) + size.to_bytes(2)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
