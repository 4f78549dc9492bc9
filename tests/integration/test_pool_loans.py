"""Every loan of a pooled connection is bounded: with none free, a unit of work and the attempt
counters give up after the pool's timeout (503 over HTTP), never hang. asyncpg's own
`pool.fetch` waits for a free connection forever; the attempt counters used it, so a login hung
while something else held the pool."""

import asyncio

import pytest

from domain.ports import Unavailable
from domain.throttling import AttemptPolicy
from infrastructure.database import pool
from infrastructure.database.attempts import PostgresAttemptCounter
from infrastructure.database.pool import Database
from infrastructure.database.unit_of_work import PostgresUnitOfWork
from infrastructure.database.urls import plain_url

pytestmark = pytest.mark.anyio
POLICY = AttemptPolicy.with_limits(
    per_email_and_address=5,
    per_address=50,
    per_email=100,
    signups_per_address=300,
    window_seconds=900,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_with_the_pool_taken_every_loan_gives_up_in_time(server, database_url, monkeypatch):
    monkeypatch.setattr(pool, "ACQUIRE_TIMEOUT_SECONDS", 0.5)
    database = Database(plain_url(database_url), size=1)
    await database.start()
    counter = PostgresAttemptCounter(database)
    checks = POLICY.login_checks("someone@example.com", "10.9.0.1", None).hard
    try:
        held = await database.lend()
        try:
            async with asyncio.timeout(5):  # before: the attempt counters waited forever
                with pytest.raises(Unavailable):
                    await counter.take(checks)
                with pytest.raises(Unavailable):
                    await counter.give_back(checks)
                with pytest.raises(Unavailable):
                    await counter.turn(POLICY.logins_from_busy_address, "10.9.0.1")
                with pytest.raises(Unavailable):
                    async with PostgresUnitOfWork(database) as unit:
                        await unit.users.get_by_email("someone@example.com")
        finally:
            await database.take_back(held)
        assert await counter.take(checks)  # and with a connection free, it works
        await counter.give_back(checks)
    finally:
        await database.stop()


async def test_loans_are_handed_out_in_the_order_they_were_asked_for(server, database_url):
    """asyncpg's pool lets a loan asked for while a connection is on its way back to the first
    waiter take it instead: under load a few requests lost that race again and again (50 to
    170 ms waits where the median waited nothing). Here three loans wait in line; three more
    are asked for in the very turn the connection comes back: the three in line go first."""
    database = Database(plain_url(database_url), size=1)
    await database.start()
    order: list[str] = []

    async def borrow(name: str) -> None:
        async with database.loan():
            order.append(name)

    try:
        held = await database.lend()
        in_line = [asyncio.create_task(borrow(f"in line {number}")) for number in range(3)]
        for _ in range(5):
            await asyncio.sleep(0)  # all three are waiting now
        giving_back = asyncio.create_task(database.take_back(held))
        await asyncio.sleep(0)  # the connection goes back in the next turn of the loop ...
        newcomers = [asyncio.create_task(borrow(f"newcomer {number}")) for number in range(3)]
        async with asyncio.timeout(5):  # ... when the newcomers ask for theirs
            await asyncio.gather(giving_back, *in_line, *newcomers)
        assert order == [f"in line {n}" for n in range(3)] + [f"newcomer {n}" for n in range(3)]
    finally:
        await database.stop()
