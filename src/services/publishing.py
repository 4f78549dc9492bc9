from typing import Protocol

from domain.events import LiveMessage
from domain.ports import EventBus


class RecordsEvents(Protocol):
    events: list[LiveMessage]


async def publish_recorded(bus: EventBus, aggregate: RecordsEvents) -> None:
    """Hands what an aggregate recorded to the bus, in order; called after the commit, so no
    one hears of a change that did not happen."""
    while aggregate.events:
        await bus.publish(aggregate.events.pop(0))
