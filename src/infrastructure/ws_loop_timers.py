"""What the direct sockets (infrastructure/ws_direct.py) share per event loop: one keepalive
timer for all of them, and one callback at the end of a loop's turn that writes the frames each
socket corked during it."""

import asyncio
from typing import Protocol


class TimedSocket(Protocol):
    def keepalive(self) -> None: ...

    def flush_corked(self) -> None: ...


class Keepalive:
    """One timer per event loop pings the direct sockets, instead of one per socket."""

    _of_loop: dict[asyncio.AbstractEventLoop, "Keepalive"] = {}

    def __init__(self, loop: asyncio.AbstractEventLoop, interval: float) -> None:
        self.sockets: set[TimedSocket] = set()
        self._loop = loop
        self._interval = interval
        loop.call_later(interval, self._tick)

    @classmethod
    def of_this_loop(cls, interval: float) -> "Keepalive":
        loop = asyncio.get_running_loop()
        keepalive = cls._of_loop.get(loop)
        if keepalive is None:
            keepalive = cls._of_loop[loop] = cls(loop, interval)
        return keepalive

    @classmethod
    def forget(cls, socket: TimedSocket) -> None:
        for keepalive in cls._of_loop.values():
            keepalive.sockets.discard(socket)

    def _tick(self) -> None:
        for socket in list(self.sockets):
            socket.keepalive()
        if self._loop.is_closed():
            return
        self._loop.call_later(self._interval, self._tick)


# The sockets with frames corked this turn, per event loop: one callback at the end of the
# loop's turn writes them all.
_to_uncork: dict[asyncio.AbstractEventLoop, list[TimedSocket]] = {}


def uncork_when_the_turn_ends(socket: TimedSocket) -> None:
    loop = asyncio.get_running_loop()
    waiting = _to_uncork.get(loop)
    if waiting is None:
        waiting = _to_uncork[loop] = []
        loop.call_soon(_uncork_all, loop)
    waiting.append(socket)


def _uncork_all(loop: asyncio.AbstractEventLoop) -> None:
    for socket in _to_uncork.pop(loop, ()):
        socket.flush_corked()
