"""Lookups asked for in one turn of the event loop are answered by one call."""

import asyncio

import pytest

from services.gathering import GatheredLookups

pytestmark = pytest.mark.anyio


class Lookups:
    """Each lookup takes a moment, or until the test opens the gate when it holds one."""

    def __init__(self, fail: bool = False, gate: asyncio.Event | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail
        self.gate = gate

    async def look_up_all(self, keys: list[str]) -> dict[str, int]:
        self.calls.append(keys)
        if self.gate is None:
            await asyncio.sleep(0.01)
        else:
            await self.gate.wait()
        if self.fail:
            raise ConnectionError("the database is away")
        return {key: len(key) for key in keys if key != "missing"}


async def test_lookups_of_one_turn_are_one_call_and_later_ones_the_next():
    lookups = Lookups()
    gathered = GatheredLookups(lookups.look_up_all)
    first = await asyncio.gather(*(gathered.look_up(key) for key in ["a", "bb", "a", "missing"]))
    assert first == [1, 2, 1, None]
    assert lookups.calls == [["a", "bb", "missing"]]
    assert await gathered.look_up("ccc") == 3
    assert lookups.calls[1:] == [["ccc"]]


async def test_an_error_of_the_lookup_reaches_every_asker():
    gathered = GatheredLookups(Lookups(fail=True).look_up_all)
    results = await asyncio.gather(
        gathered.look_up("a"), gathered.look_up("b"), return_exceptions=True
    )
    assert [type(result) for result in results] == [ConnectionError, ConnectionError]


async def test_an_asker_that_is_cancelled_leaves_the_answer_to_the_others():
    gate = asyncio.Event()
    lookups = Lookups(gate=gate)
    gathered = GatheredLookups(lookups.look_up_all)
    impatient = asyncio.ensure_future(gathered.look_up("a"))
    patient = asyncio.ensure_future(gathered.look_up("a"))
    await asyncio.sleep(0.001)
    impatient.cancel()
    gate.set()
    assert await patient == 1
    assert impatient.cancelled()


async def test_what_is_asked_while_a_lookup_runs_is_the_next_one():
    gate = asyncio.Event()
    lookups = Lookups(gate=gate)
    gathered = GatheredLookups(lookups.look_up_all)
    first = asyncio.ensure_future(gathered.look_up("a"))
    await asyncio.sleep(0.001)  # its lookup runs
    later = [asyncio.ensure_future(gathered.look_up(key)) for key in ("bb", "ccc")]
    await asyncio.sleep(0.001)
    assert lookups.calls == [["a"]]  # they wait for it to end
    gate.set()
    assert [await first, *[await answer for answer in later]] == [1, 2, 3]
    assert lookups.calls == [["a"], ["bb", "ccc"]]
