"""Lookups asked for in the same turn of the event loop, answered by one call for all of them:
when a whole school's sockets open at 8 am, their accounts' classes are one query per turn, not
one per socket."""

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class GatheredLookups(Generic[Key, Value]):
    def __init__(self, look_up_all: Callable[[list[Key]], Awaitable[Mapping[Key, Value]]]) -> None:
        self._look_up_all = look_up_all
        self._gathering: dict[Key, asyncio.Future[Value | None]] | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def look_up(self, key: Key) -> Value | None:
        """The value for that key (None if there is none), found with the others asked for in
        this turn; an error of the lookup is every asker's."""
        loop = asyncio.get_running_loop()
        if self._gathering is None:
            self._gathering = {}
            loop.call_soon(self._start)
        answer = self._gathering.get(key)
        if answer is None:
            answer = self._gathering[key] = loop.create_future()
        # Shielded: an asker that is cancelled leaves the answer to the others with that key.
        return await asyncio.shield(answer)

    def _start(self) -> None:
        gathered, self._gathering = self._gathering or {}, None
        task = asyncio.get_running_loop().create_task(self._answer(gathered))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _answer(self, gathered: dict[Key, asyncio.Future[Value | None]]) -> None:
        try:
            found = await self._look_up_all(list(gathered))
        except Exception as error:
            for answer in gathered.values():
                if not answer.done():
                    answer.set_exception(error)
                    answer.exception()  # retrieved here, so an abandoned one logs nothing
            return
        for key, answer in gathered.items():
            if not answer.done():
                answer.set_result(found.get(key))
