"""The connection pool every request and socket message draws from (asyncpg)."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Self, TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from infrastructure import metrics
from infrastructure.database.migrations import head_revisions

ACQUIRE_TIMEOUT_SECONDS = 5
# Taking a free connection does not wait at all; longer than this, the pool had none free.
WAITED_SECONDS = 0.001
# The pool's use is read into the metrics this often, not on every loan (two file writes each).
SAMPLE_SECONDS = 1.0
# What the pool lends: a proxy that behaves as the connection it wraps.
Connection: TypeAlias = "PoolConnectionProxy[asyncpg.Record]"


class Database:
    """An asyncpg pool of at most `size` connections, opened as needed and then kept: opening
    one costs far more than waiting a moment for one. A connection that died (the database
    restarted) is replaced on its next use; no floor is kept, so an outage costs no retry
    loop.

    Loans are handed out in the order they were asked for. asyncpg's pool is not fair: a
    connection given back wakes the first waiter, but a loan asked for before that waiter runs
    takes the connection, and the waiter goes to the back of the line again. Under load (50
    requests on a pool of 10) a few requests lost that race again and again and waited 50 to
    170 ms while the median waited nothing (docs/benchmarks.md, "The HTTP tail"). A semaphore
    of the pool's size in front of it makes the line first come, first served: asyncio's
    Semaphore lets no newcomer pass a waiter."""

    def __init__(self, dsn: str, size: int = 10) -> None:
        self._dsn = dsn
        self._size = size
        self._head_revisions = head_revisions()
        self._pool: asyncpg.Pool | None = None
        self._turns = asyncio.Semaphore(size)
        self._lent = 0
        self._sampler: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._pool = await asyncpg.create_pool(
            self._dsn, min_size=0, max_size=self._size, reset=_reset
        )
        self._sampler = asyncio.get_running_loop().create_task(self._sample_use())

    async def stop(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
        if self._pool is not None:
            await self._pool.close()

    async def __aenter__(self) -> Self:
        """Started for a block, stopped after it (the tests' and the benchmarks' pools; the
        server starts and stops its own with the app)."""
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def lend(self) -> Connection:
        """A connection for one unit of work (give it back with take_back)."""
        asked_at = time.perf_counter()
        # One deadline for the turn and the connection (asyncpg's own timeout would run the
        # acquisition in a task of its own, for every loan).
        async with asyncio.timeout(ACQUIRE_TIMEOUT_SECONDS):
            await self._turns.acquire()
            try:
                connection = await self.pool.acquire()
            except BaseException:
                self._turns.release()
                raise
        if time.perf_counter() - asked_at > WAITED_SECONDS:
            metrics.POOL_WAITS.inc()
        self._lent += 1
        return connection

    async def take_back(self, connection: Connection) -> None:
        self._lent -= 1
        try:
            await self.pool.release(connection)
        finally:
            self._turns.release()

    @contextlib.asynccontextmanager
    async def loan(self) -> AsyncIterator[Connection]:
        """A connection for one statement or two, given back at the end of the block. Like
        every loan, waiting for it is bounded (ACQUIRE_TIMEOUT_SECONDS, then TimeoutError):
        asyncpg's own `pool.fetch` and friends wait for a free connection forever."""
        connection = await self.lend()
        try:
            yield connection
        finally:
            await self.take_back(connection)

    async def _sample_use(self) -> None:
        while True:
            metrics.POOL_IN_USE.set(self._lent)
            await asyncio.sleep(SAMPLE_SECONDS)

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the database pool is not started")
        return self._pool

    async def schema_is_current(self) -> bool:
        """Whether the database is migrated to this code's latest revision."""
        try:
            async with asyncio.timeout(2), self.loan() as connection:
                rows = await connection.fetch("SELECT version_num FROM alembic_version")
        except Exception:
            return False
        return frozenset(row["version_num"] for row in rows) == self._head_revisions

    async def is_reachable(self) -> bool:
        try:
            async with asyncio.timeout(2), self.loan() as connection:
                await connection.fetchval("SELECT 1")
        except Exception:
            return False
        return True


async def _reset(connection: asyncpg.Connection) -> None:
    """What a returned connection needs before its next use. asyncpg's default resets every
    session setting, one more round trip per request; ours change none (no LISTEN, no SET, no
    advisory locks on pooled connections), so only a transaction left open is rolled back."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")
