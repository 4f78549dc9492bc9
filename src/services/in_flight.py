"""How many of one kind of long-running work (an export streamed to a slow client) a user may
have going at once, in this process."""

from collections.abc import Callable
from typing import Generic, TypeVar

Key = TypeVar("Key")


class InFlightLimit(Generic[Key]):
    def __init__(self, per_key: int, refusal: Callable[[], Exception]) -> None:
        self._per_key = per_key
        self._refusal = refusal
        self._running: dict[Key, int] = {}

    def take(self, key: Key) -> Callable[[], None]:
        """A slot for `key`, or the refusal raised; call what it returns, once, to give the
        slot back."""
        running = self._running.get(key, 0)
        if running >= self._per_key:
            raise self._refusal()
        self._running[key] = running + 1
        given_back = False

        def give_back() -> None:
            nonlocal given_back
            if given_back:
                return
            given_back = True
            left = self._running[key] - 1
            if left:
                self._running[key] = left
            else:
                del self._running[key]

        return give_back

    def running(self, key: Key) -> int:
        return self._running.get(key, 0)
