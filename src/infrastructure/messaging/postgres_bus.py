"""The event bus over PostgreSQL LISTEN/NOTIFY: no infrastructure beyond the database.

Each process holds one long-lived LISTEN connection, reconnecting with backoff when it drops,
and one connection that publishes. A message reaches this process's subscribers at once and
every other process through one NOTIFY; a process ignores its own notifications."""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable

import asyncpg

from domain.events import LiveMessage
from infrastructure.database.connector import DATABASE_UNREACHABLE
from infrastructure.messaging.codec import decode, encode

log = logging.getLogger(__name__)

CHANNEL = "live_attendance"
LISTENER_APPLICATION_NAME = "live-attendance-listener"
MAX_BACKOFF_SECONDS = 5.0
KEEPALIVE_SECONDS = 10.0


class PostgresEventBus:
    def __init__(self, dsn: str, channel: str = CHANNEL) -> None:
        self._dsn = dsn
        self._channel = channel
        self._origin = uuid.uuid4().hex
        self._subscribers: list[Callable[[LiveMessage], None]] = []
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self.listening = asyncio.Event()

    def subscribe(self, deliver: Callable[[LiveMessage], None]) -> None:
        self._subscribers.append(deliver)

    async def publish(self, message: LiveMessage) -> None:
        self._deliver(message)
        self._outbox.put_nowait(encode(message, self._origin))

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._listen_forever(), name="bus-listener"),
            loop.create_task(self._publish_forever(), name="bus-publisher"),
        ]
        # Serve only once other processes can be heard (bounded: the listener keeps trying).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), timeout=10)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def _deliver(self, message: LiveMessage) -> None:
        for deliver in self._subscribers:
            try:
                deliver(message)
            except Exception:
                log.exception("a subscriber failed on %r", message)

    def _on_notification(self, _connection, _pid, _channel, payload: str) -> None:
        try:
            origin, message = decode(payload)
        except Exception:
            log.warning("ignoring a malformed notification on %s", self._channel)
            return
        if origin != self._origin:
            self._deliver(message)

    async def _listen_forever(self) -> None:
        backoff = 0.1
        while True:
            connection = None
            try:
                connection = await asyncpg.connect(
                    self._dsn, server_settings={"application_name": LISTENER_APPLICATION_NAME}
                )
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _, lost=lost: lost.set())
                await connection.add_listener(self._channel, self._on_notification)
                if backoff > 0.1:
                    log.warning("event bus: listening again on %s", self._channel)
                backoff = 0.1
                self.listening.set()
                await _until_lost(connection, lost)
                log.warning("event bus: the LISTEN connection was lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning(
                    "event bus: cannot LISTEN (%s); retrying in %.1fs",
                    type(error).__name__,
                    backoff,
                )
            finally:
                self.listening.clear()
                if connection is not None and not connection.is_closed():
                    connection.terminate()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    async def _publish_forever(self) -> None:
        """Sends queued notifications in order, on one connection, reconnecting as needed."""
        connection: asyncpg.Connection | None = None
        try:
            while True:
                payload = await self._outbox.get()
                for attempt in range(3):
                    try:
                        if connection is None or connection.is_closed():
                            connection = await asyncpg.connect(self._dsn)
                        await connection.execute("SELECT pg_notify($1, $2)", self._channel, payload)
                        break
                    except DATABASE_UNREACHABLE as error:
                        connection = None
                        log.warning(
                            "event bus: NOTIFY failed (%s), attempt %d",
                            type(error).__name__,
                            attempt + 1,
                        )
                        await asyncio.sleep(0.1 * (attempt + 1))
                    except asyncpg.PostgresError as error:  # this payload, not the connection
                        log.error("event bus: NOTIFY refused (%s)", type(error).__name__)
                        break
                else:
                    log.error("event bus: dropped a notification for other processes")
        finally:
            if connection is not None and not connection.is_closed():
                connection.terminate()


async def _until_lost(connection: asyncpg.Connection, lost: asyncio.Event) -> None:
    """Returns when the connection is gone: closed by the server, or silently dead (a
    half-open TCP connection never says so; a ping that gets no answer does)."""
    while not lost.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lost.wait(), timeout=KEEPALIVE_SECONDS)
            return
        try:
            await asyncio.wait_for(connection.execute("SELECT 1"), timeout=KEEPALIVE_SECONDS)
        except (*DATABASE_UNREACHABLE, asyncpg.PostgresError):
            return
