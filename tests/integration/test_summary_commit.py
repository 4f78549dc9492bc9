"""A summary's number is committed without waiting for the disk; a mark's is not. Each runs
here inside a transaction the test opened, on the unit of work's one connection, so the
transaction's `synchronous_commit` (what its commit will wait for) can be read before it ends."""

from collections.abc import AsyncIterator

import pytest

from domain.statuses import AttendanceStatus
from domain.users import Identity, Role
from infrastructure.database.connector import Connector
from infrastructure.database.pool import Database
from infrastructure.database.repositories import SqlAttendanceRepository
from infrastructure.database.unit_of_work import PostgresUnitOfWork
from infrastructure.database.urls import plain_url
from tests.integration.test_repository_contract import add_class, add_user, open_session

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def database(server, database_url) -> AsyncIterator[Database]:
    async with Database(plain_url(database_url), size=2) as database:
        yield database


async def commit_waits_for(connector: Connector) -> str:
    connection = await connector.transaction()
    waits: str = await connection.fetchval("SHOW synchronous_commit")
    return waits


async def test_a_summary_takes_its_number_without_a_disk_flush_and_a_mark_with_one(database):
    def uow() -> PostgresUnitOfWork:
        return PostgresUnitOfWork(database)

    teacher, student = await add_user(uow, Role.TEACHER), await add_user(uow, Role.STUDENT)
    session = await open_session(uow, await add_class(uow, teacher, student))

    summary = Connector(database)
    try:
        assert await commit_waits_for(summary) == "on"  # the server's default
        counted = await SqlAttendanceRepository(summary).count_for_summary(
            Identity(teacher.id, Role.TEACHER)
        )
        assert counted is not None and counted[1] == 1
        assert await commit_waits_for(summary) == "off"
        await summary.commit()
    finally:
        await summary.close()

    marks = Connector(database)
    try:
        session.mark(student.id, AttendanceStatus.PRESENT)
        assert await SqlAttendanceRepository(marks).save_marks(session, [student.id]) == 2
        assert await commit_waits_for(marks) == "on"  # a mark is on the disk before it is heard
        await marks.commit()
    finally:
        await marks.close()
