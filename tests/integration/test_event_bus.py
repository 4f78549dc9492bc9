"""The LISTEN/NOTIFY event bus on a real PostgreSQL, between two buses as two processes."""

import asyncio
from uuid import uuid4

from domain.events import ClassJoined, ClassLeft
from infrastructure.database.urls import plain_url
from infrastructure.messaging.postgres_bus import PostgresEventBus


def test_a_burst_reaches_the_other_process_whole_and_in_order_repeats_included(database_url):
    class_id, user_id = uuid4(), uuid4()
    joined, left = ClassJoined(class_id, user_id), ClassLeft(class_id, user_id)
    # Identical notifications in one transaction reach a listener once: the repeats must not.
    burst = [joined, left, joined, left, *(ClassJoined(uuid4(), user_id) for _ in range(50))]

    async def run() -> list:
        channel = f"test_{uuid4().hex[:12]}"
        sender = PostgresEventBus(plain_url(database_url), channel)
        listener = PostgresEventBus(plain_url(database_url), channel)
        heard: list = []
        listener.subscribe(heard.append)
        await listener.start()
        await sender.start()
        try:
            await sender.publish(*burst)  # queued together: sent as they queued
            for _ in range(100):
                if len(heard) >= len(burst):
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)  # nothing more arrives
            return heard
        finally:
            await sender.stop()
            await listener.stop()

    assert asyncio.run(run()) == burst
