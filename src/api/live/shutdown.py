"""On SIGTERM, say goodbye properly: every live socket is closed with 1001 (going away) before
the server stops, instead of the server's own 1012."""

import asyncio
import signal
import threading
from collections.abc import Awaitable, Callable
from types import FrameType

from api.live.registry import SocketRegistry

GOING_AWAY = 1001
GOODBYE_TIMEOUT = 2.0  # seconds a client that does not read may hold up the server's stop


def close_sockets_on_sigterm(registry: SocketRegistry) -> Callable[[], Awaitable[None]]:
    async def install() -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals reach the main thread only (an in-process test client runs here)
        loop = asyncio.get_running_loop()
        server_handler = signal.getsignal(signal.SIGTERM)
        goodbyes: set[asyncio.Task[None]] = set()

        async def say_goodbye(signum: int, frame: FrameType | None) -> None:
            try:
                await registry.close_all(GOING_AWAY, GOODBYE_TIMEOUT)
            finally:
                # Only now the server's own graceful shutdown: it closes what is still open
                # with 1012, so it must not overtake the close frames queued above.
                if callable(server_handler):
                    server_handler(signum, frame)

        def start_goodbye(signum: int, frame: FrameType | None) -> None:
            task = loop.create_task(say_goodbye(signum, frame))
            goodbyes.add(task)  # the loop keeps only a weak reference to a task
            task.add_done_callback(goodbyes.discard)

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            loop.call_soon_threadsafe(start_goodbye, signum, frame)

        signal.signal(signal.SIGTERM, on_sigterm)

    return install
