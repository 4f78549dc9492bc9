"""The event bus of a command that serves no sockets (`live-attendance import-oneroster`): it
only tells the server processes, through the same NOTIFY channel and payloads as their own bus,
each publish sent before it returns (the command exits right after)."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from uuid import uuid4

import asyncpg

from domain.events import LiveMessage
from infrastructure.messaging.postgres_bus import CHANNEL, MAX_NOTIFICATIONS_AT_ONCE, encode


def _batches(payloads: list[str]) -> list[list[str]]:
    """At most MAX_NOTIFICATIONS_AT_ONCE a statement, and no payload twice in one (PostgreSQL
    delivers identical notifications of one transaction once)."""
    batches: list[list[str]] = [[]]
    for payload in payloads:
        if payload in batches[-1] or len(batches[-1]) == MAX_NOTIFICATIONS_AT_ONCE:
            batches.append([])
        batches[-1].append(payload)
    return [batch for batch in batches if batch]


class PublishOnlyEventBus:
    def __init__(self, dsn: str, channel: str = CHANNEL) -> None:
        self._dsn = dsn
        self._channel = channel
        self._origin = uuid4().hex

    async def publish(self, *messages: LiveMessage) -> None:
        if not messages:
            return
        connection = await asyncpg.connect(self._dsn)
        try:
            for batch in _batches([encode(message, self._origin) for message in messages]):
                await connection.execute(
                    "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload",
                    self._channel,
                    batch,
                )
        finally:
            await connection.close()

    def subscribe(self, deliver: Callable[[LiveMessage], None]) -> None:
        """Nothing is delivered here: no socket is served."""

    def on_reconnect(
        self, missed_since: Callable[[datetime], Awaitable[list[LiveMessage]]]
    ) -> None:
        """Never listening, it never reconnects."""
