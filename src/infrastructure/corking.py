"""Frames a protocol writes within one turn of the event loop go out in one transport write
when the turn ends: a burst of broadcasts costs each socket one system call."""

import asyncio
from typing import Protocol


class Corked(Protocol):
    def flush_corked(self) -> None:
        """Writes what was corked (in one write), if the socket can still take it."""


# The protocols with corked frames, per event loop: one callback at the end of the loop's turn
# flushes them all.
_to_uncork: dict[asyncio.AbstractEventLoop, list[Corked]] = {}


def uncork_when_the_turn_ends(protocol: Corked) -> None:
    """Called once per turn by a protocol when it corks its first frame."""
    loop = asyncio.get_running_loop()
    waiting = _to_uncork.get(loop)
    if waiting is None:
        waiting = _to_uncork[loop] = []
        loop.call_soon(_uncork_all, loop)
    waiting.append(protocol)


def _uncork_all(loop: asyncio.AbstractEventLoop) -> None:
    for protocol in _to_uncork.pop(loop, ()):
        protocol.flush_corked()
