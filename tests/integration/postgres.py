"""A PostgreSQL for the integration tests: TEST_DATABASE_URL if given, else a throwaway
embedded server (pgserver) in a temporary folder. Each test run gets a database of its own."""

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import asyncpg
from sqlalchemy.engine import make_url

from infrastructure.database.urls import plain_url


async def _run(url: str, statement: str) -> None:
    connection = await asyncpg.connect(plain_url(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def throwaway_database(workdir: Path) -> Iterator[str]:
    """Yields the URL of a new, empty database; drops it afterwards."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    server = None
    if not server_url:
        import pgserver

        server = pgserver.get_server(workdir / "pgdata", cleanup_mode="delete")
        server_url = server.get_uri()
    name = f"live_attendance_test_{uuid4().hex[:12]}"
    asyncio.run(_run(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_run(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if server is not None:
            server.cleanup()
