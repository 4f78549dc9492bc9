"""What an unreachable database looks like to the driver, and its translation into the domain's
Unavailable (503 over HTTP, an ERROR on sockets). Every adapter that talks to
PostgreSQL goes through unavailable_on_outage."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from domain.ports import Unavailable

# What the driver raises while PostgreSQL is down, restarting or unreachable.
DATABASE_UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
)


@asynccontextmanager
async def unavailable_on_outage() -> AsyncIterator[None]:
    try:
        yield
    except DATABASE_UNREACHABLE as error:
        raise Unavailable() from error
