"""The connection pool every request and socket message draws from (asyncpg)."""

import asyncio

import asyncpg

from infrastructure.database.migrations import head_revisions


class Database:
    """An asyncpg pool of at most `size` connections, opened as needed and then kept: opening
    one costs far more than waiting a moment for one. A connection that died (the database
    restarted) is replaced on its next use; no floor is kept, so an outage costs no retry
    loop."""

    def __init__(self, dsn: str, size: int = 10) -> None:
        self._dsn = dsn
        self._size = size
        self._head_revisions = head_revisions()
        self._pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        self._pool = await asyncpg.create_pool(
            self._dsn, min_size=0, max_size=self._size, reset=_reset
        )

    async def stop(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the database pool is not started")
        return self._pool

    async def schema_is_current(self) -> bool:
        """Whether the database is migrated to this code's latest revision."""
        try:
            async with asyncio.timeout(2):
                async with self.pool.acquire() as connection:
                    rows = await connection.fetch("SELECT version_num FROM alembic_version")
        except Exception:
            return False
        return frozenset(row["version_num"] for row in rows) == self._head_revisions

    async def is_reachable(self) -> bool:
        try:
            async with asyncio.timeout(2):
                async with self.pool.acquire() as connection:
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
