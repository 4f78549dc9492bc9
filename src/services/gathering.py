"""Lookups answered together: one call at a time, for every key asked for since the last one
began (the first alone waits for nothing). When a whole school's sockets open at 8 am, their
accounts' classes are a few queries, not one per socket."""

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class GatheredLookups(Generic[Key, Value]):
    def __init__(self, look_up_all: Callable[[list[Key]], Awaitable[Mapping[Key, Value]]]) -> None:
        self._look_up_all = look_up_all
        self._gathering: dict[Key, asyncio.Future[Value | None]] | None = None
        self._running: asyncio.Task[None] | None = None

    async def look_up(self, key: Key) -> Value | None:
        """The value for that key (None if there is none), found with the others asked for
        meanwhile; an error of the lookup is every asker's."""
        loop = asyncio.get_running_loop()
        if self._gathering is None:
            self._gathering = {}
            if self._running is None:
                loop.call_soon(self._start)  # with the others asked for in this turn
        answer = self._gathering.get(key)
        if answer is None:
            answer = self._gathering[key] = loop.create_future()
        # Shielded: an asker that is cancelled leaves the answer to the others with that key.
        return await asyncio.shield(answer)

    def _start(self) -> None:
        gathered, self._gathering = self._gathering, None
        if gathered:
            self._running = asyncio.get_running_loop().create_task(self._answer(gathered))
            self._running.add_done_callback(self._next)

    def _next(self, _: "asyncio.Task[None]") -> None:
        self._running = None
        self._start()  # what was asked for while that lookup ran

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
