"""A correction and retention on the same session, against the real database. Retention deletes
old sessions (FOR UPDATE SKIP LOCKED: what someone holds is left for its next run); a
correction holds its session from deletion until it commits. Whichever comes first, the
other neither fails nor waits long: the correction of a session retention was deleting
answers "Session not found", not a foreign key's error."""

import asyncio

import asyncpg
import pytest

from domain.errors import SessionNotFound
from domain.statuses import AttendanceStatus
from infrastructure.database.unit_of_work import PostgresUnitOfWork
from infrastructure.database.urls import plain_url
from services.records import RecordsService
from services.retention import RetentionService
from tests.integration import test_attendance_totals as totals
from tests.unit.fakes import RecordingEventBus

pytestmark = pytest.mark.anyio
anyio_backend = totals.anyio_backend
database = totals.database  # its fixture, shared
CLOCK, YEARS, LONG_AGO = totals.CLOCK, totals.YEARS, totals.LONG_AGO


async def test_a_correction_of_a_session_being_deleted_is_not_found(database, database_url):
    def uow():
        return PostgresUnitOfWork(database)

    teacher, classroom, pupils, (session_id,) = await totals.a_class_with_history(
        uow, 2, 1, LONG_AGO
    )
    records = RecordsService(uow, CLOCK, RecordingEventBus())
    retention = await asyncpg.connect(plain_url(database_url))
    try:
        # Retention has taken the session and deleted it, not yet committed...
        transaction = retention.transaction()
        await transaction.start()
        await retention.execute("DELETE FROM attendance_sessions WHERE id = $1", session_id)
        # ...when the teacher corrects a record of it.
        correcting = asyncio.ensure_future(
            records.correct(teacher, classroom.id, session_id, pupils[0].id, AttendanceStatus.LATE)
        )
        await totals.until_waiting_on_a_lock(retention, correcting)
        await transaction.commit()
        with pytest.raises(SessionNotFound):
            await asyncio.wait_for(correcting, 30)
    finally:
        await retention.close()


async def test_retention_leaves_a_session_being_corrected_for_its_next_run(database, database_url):
    def uow():
        return PostgresUnitOfWork(database)

    *_, (session_id,) = await totals.a_class_with_history(uow, 2, 1, LONG_AGO)
    correction = await asyncpg.connect(plain_url(database_url))
    try:
        # A correction holds the session (as get_finished does)...
        transaction = correction.transaction()
        await transaction.start()
        await correction.execute(
            "SELECT 1 FROM attendance_sessions WHERE id = $1 FOR KEY SHARE", session_id
        )
        # ...while retention runs: it goes on without the session, and without waiting.
        first = await asyncio.wait_for(RetentionService(uow, CLOCK, YEARS).apply(), 30)
        await transaction.commit()
    finally:
        await correction.close()
    assert first.retained is not None
    async with database.loan() as connection:
        assert (
            await connection.fetchval(
                "SELECT count(*) FROM attendance_sessions WHERE id = $1", session_id
            )
            == 1
        )
    await RetentionService(uow, CLOCK, YEARS).apply()
    async with database.loan() as connection:
        assert (
            await connection.fetchval(
                "SELECT count(*) FROM attendance_sessions WHERE id = $1", session_id
            )
            == 0
        )
