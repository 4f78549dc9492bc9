import asyncio

import pytest

from infrastructure.messaging import postgres_bus

pytestmark = pytest.mark.anyio


class SilentConnection:
    """A half-open connection: the ping never comes back."""

    async def execute(self, query: str) -> None:
        await asyncio.Event().wait()


class HealthyConnection:
    def __init__(self) -> None:
        self.pings = 0
        self.pinged_thrice = asyncio.Event()

    async def execute(self, query: str) -> None:
        self.pings += 1
        if self.pings == 3:
            self.pinged_thrice.set()


async def test_a_silently_dead_listener_is_noticed(monkeypatch):
    monkeypatch.setattr(postgres_bus, "KEEPALIVE_SECONDS", 0.05)
    await asyncio.wait_for(postgres_bus._until_lost(SilentConnection(), asyncio.Event()), 5)


async def test_a_healthy_listener_is_kept_until_it_is_closed(monkeypatch):
    monkeypatch.setattr(postgres_bus, "KEEPALIVE_SECONDS", 0.02)
    connection, lost = HealthyConnection(), asyncio.Event()
    waiting = asyncio.ensure_future(postgres_bus._until_lost(connection, lost))
    # Pings answered, one after another, however slow the machine's turns.
    await asyncio.wait_for(connection.pinged_thrice.wait(), 5)
    assert not waiting.done()
    lost.set()
    await asyncio.wait_for(waiting, 5)
