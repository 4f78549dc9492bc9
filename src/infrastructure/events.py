from collections.abc import Callable

from domain.events import ClassBroadcast


class InProcessEventBus:
    """Delivers broadcasts to this process's subscribers, in publishing order."""

    def __init__(self) -> None:
        self._subscribers: list[Callable[[ClassBroadcast], None]] = []

    def subscribe(self, deliver: Callable[[ClassBroadcast], None]) -> None:
        self._subscribers.append(deliver)

    async def publish(self, broadcast: ClassBroadcast) -> None:
        for deliver in self._subscribers:
            deliver(broadcast)
