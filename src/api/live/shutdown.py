"""On SIGTERM, say goodbye properly: every live socket is closed with 1001 (going away) before
the server stops, instead of the server's own 1012."""

import asyncio
import signal
import threading
from collections.abc import Awaitable, Callable
from types import FrameType

from api.live.registry import SocketRegistry

GOING_AWAY = 1001


def close_sockets_on_sigterm(registry: SocketRegistry) -> Callable[[], Awaitable[None]]:
    async def install() -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals reach the main thread only (an in-process test client runs here)
        loop = asyncio.get_running_loop()
        server_handler = signal.getsignal(signal.SIGTERM)

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            loop.call_soon_threadsafe(registry.close_all, GOING_AWAY)
            if callable(server_handler):
                server_handler(signum, frame)  # then the server's own graceful shutdown

        signal.signal(signal.SIGTERM, on_sigterm)

    return install
