"""Two server processes on one database, for the tests that show they serve as one: the second
process, sockets opened on either, and what PostgreSQL shows of their LISTEN connections."""

import asyncio
import re

import asyncpg
import httpx
import pytest

from infrastructure.database.urls import plain_url
from infrastructure.messaging.postgres_bus import LISTENER_APPLICATION_NAME
from tests.integration.live import LiveClient
from tests.integration.server import ServerProcess


@pytest.fixture(scope="module")
def server_b(server_env, tmp_path_factory, server):
    process = ServerProcess(server_env, tmp_path_factory.mktemp("server_b") / "server.log")
    yield process.start()
    process.stop()


@pytest.fixture
def live_on(server, server_b):
    """Opens sockets on process "a" or "b"."""
    urls = {"a": server.ws_url, "b": server_b.ws_url}
    opened: list[LiveClient] = []

    def open_socket(process: str, account, v2: bool = False) -> LiveClient:
        client = LiveClient(urls[process], account.token, v2=v2)
        opened.append(client)
        return client

    yield open_socket
    for client in opened:
        client.close()


def query(database_url: str, sql: str) -> list:
    async def run():
        connection = await asyncpg.connect(plain_url(database_url))
        try:
            return await connection.fetch(sql)
        finally:
            await connection.close()

    return asyncio.run(run())


def listeners(server: ServerProcess | None = None) -> str:
    """A condition on pg_stat_activity: the LISTEN connections (of one server process)."""
    name = LISTENER_APPLICATION_NAME + (f"/{server.process.pid}" if server else "/%")
    return f"application_name LIKE '{name}' AND datname = current_database()"


def listener_pids(database_url: str, *servers: ServerProcess) -> list[int]:
    """The LISTEN connections of those server processes (other tests' servers may share the
    database)."""
    mine = " OR ".join(f"({listeners(server)})" for server in servers)
    rows = query(database_url, f"SELECT pid FROM pg_stat_activity WHERE {mine}")
    return [row["pid"] for row in rows]


def bus_reconnects(process) -> float:
    page = httpx.get(f"{process.base_url}/metrics").text
    name = "live_attendance_event_bus_reconnects_total "
    (line,) = [x for x in page.splitlines() if x.startswith(name)]
    return float(line.split()[-1])


def started_workers(server: ServerProcess) -> set[str]:
    lines = server.log_path.read_text().splitlines()
    return {
        re.search(r"pid=(\d+)", line)[1] for line in lines if "Application startup complete" in line
    }
