"""The per-student totals (attendance_totals) that whole-history reports read never drift from
the records: after racing writers (15 corrections of one record at once, DONE while corrections
land, updates without the class's lock, retention deleting sessions whose records are being
updated) they equal a count of the records, and retention waiting on such an update does not
deadlock with it (a correction itself holds its session, which retention then leaves for its
next run: test_correction_races). The reports they serve are checked against the counting
path in test_reports_whole."""

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from domain.statuses import AttendanceStatus
from domain.users import Identity, Role
from infrastructure.database.pool import Database
from infrastructure.database.unit_of_work import PostgresUnitOfWork
from infrastructure.database.urls import plain_url
from services.records import RecordsService
from services.retention import RetentionService
from tests.factories import ClassroomFactory
from tests.integration import test_repository_contract as contract
from tests.integration.test_retention import FixedClock
from tests.unit.fakes import RecordingEventBus

pytestmark = pytest.mark.anyio
anyio_backend = contract.anyio_backend

STATUSES = list(AttendanceStatus)
COUNTS = "sessions, present, absent, late, excused"
RECOUNT = f"""
    SELECT class_id, student_id, count(*) AS sessions,
           {", ".join(f"count(*) FILTER (WHERE status = '{s}')" for s in STATUSES)}
    FROM (SELECT class_id, student_id, COALESCE(corrected_status, status) AS status
          FROM attendance) AS records
    GROUP BY class_id, student_id"""
TOTALS = f"""
    SELECT class_id, student_id, {COUNTS} FROM attendance_totals
    WHERE ({COUNTS}) <> (0, 0, 0, 0, 0)"""
# Sessions this old go when retention runs with CLOCK and YEARS; no other test has any.
LONG_AGO = datetime(2014, 9, 1, 8, 0, tzinfo=UTC)
CLOCK, YEARS = FixedClock(datetime(2019, 1, 1, tzinfo=UTC)), 3


@pytest.fixture
async def database(server, database_url) -> AsyncIterator[Database]:
    # A connection for each writer at once: none waits for a loan (which gives up after 5 s
    # on a busy machine), they race in PostgreSQL.
    async with Database(plain_url(database_url), size=40) as pool:
        yield pool


async def recount_and_totals(database: Database) -> tuple[set, set]:
    async with database.loan() as connection:
        recount = {tuple(row) for row in await connection.fetch(RECOUNT)}
        totals = {tuple(row) for row in await connection.fetch(TOTALS)}
    return recount, totals


async def a_class_with_history(uow, students: int, sessions: int, started: datetime):
    """A teacher's class (late and excused on) of `students`, with `sessions` finished, a day
    apart from `started`, each student's status varied."""
    teacher = await contract.add_user(uow, Role.TEACHER)
    pupils = [await contract.add_user(uow, Role.STUDENT) for _ in range(students)]
    classroom = ClassroomFactory.build(
        teacher_id=teacher.id,
        student_ids=[p.id for p in pupils],
        extra_statuses=(AttendanceStatus.LATE, AttendanceStatus.EXCUSED),
    )
    async with uow() as unit:
        await unit.classes.add(classroom)
        await unit.commit()
    finished = []
    for day in range(sessions):
        at = started + timedelta(days=day)
        session = await contract.open_session(uow, classroom, at)
        for n, pupil in enumerate(pupils[: students - 1]):  # the last one: absent, unmarked
            await contract.mark(uow, session, pupil, STATUSES[(n + day) % 4])
        await contract.finish(uow, session, at + timedelta(minutes=50))
        finished.append(session.id)
    return Identity(teacher.id, Role.TEACHER), classroom, pupils, finished


async def test_totals_equal_a_recount_after_racing_writers(database):
    def uow():
        return PostgresUnitOfWork(database)

    _, old_class, old_pupils, old_sessions = await a_class_with_history(uow, 12, 6, LONG_AGO)
    recently = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    teacher, classroom, pupils, sessions = await a_class_with_history(uow, 8, 3, recently)
    _, other_class, other_pupils, _ = await a_class_with_history(uow, 6, 2, recently)
    records = RecordsService(uow, CLOCK, RecordingEventBus())
    cycle = itertools.cycle(STATUSES)

    async def correct(session_id, pupil) -> None:
        await records.correct(teacher, classroom.id, session_id, pupil.id, next(cycle))

    async def finish_live(live_class, live_pupils) -> None:
        session = await contract.open_session(uow, live_class, datetime.now(UTC))
        for pupil in live_pupils[:4]:
            await contract.mark(uow, session, pupil, AttendanceStatus.LATE)
        assert await contract.finish(uow, session, datetime.now(UTC))

    async def update_without_the_class_lock(rounds: int) -> None:
        # Single records and whole sessions at once, as no code path does but SQL may, on
        # the old class's sessions while retention deletes them.
        async with database.loan() as connection:
            for n in range(rounds):
                await connection.execute(
                    "UPDATE attendance SET corrected_status = $1"
                    " WHERE session_id = $2 AND ($3::uuid IS NULL OR student_id = $3)",
                    STATUSES[n % 4].value,
                    old_sessions[n % 6],
                    None if n % 3 == 0 else old_pupils[n % 12].id,
                )

    outcomes = await asyncio.gather(
        *(correct(sessions[0], pupils[0]) for _ in range(15)),  # one record, 15 at once
        *(correct(sessions[n % 3], pupils[1 + n % 7]) for n in range(15)),
        finish_live(classroom, pupils),  # DONE in the class being corrected
        finish_live(other_class, other_pupils),
        *(update_without_the_class_lock(25) for _ in range(3)),
        RetentionService(uow, CLOCK, YEARS).apply(),  # the old class's sessions, meanwhile
        return_exceptions=True,
    )
    assert [o for o in outcomes if isinstance(o, BaseException)] == []

    recount, totals = await recount_and_totals(database)
    assert totals == recount
    assert not any(row[0] == old_class.id for row in totals)  # retention took them all
    mine = {row[1]: row[2:] for row in totals if row[0] == classroom.id}
    assert mine[pupils[0].id][0] == 4  # three sessions and the one DONE finished


async def test_retention_waiting_on_an_updated_record_neither_deadlocks_nor_drifts(
    database, database_url
):
    def uow():
        return PostgresUnitOfWork(database)

    _, classroom, pupils, sessions = await a_class_with_history(uow, 5, 3, LONG_AGO)
    holder = await asyncpg.connect(plain_url(database_url))
    try:
        # An update of the newest doomed session's record (by hand: the service's corrections
        # hold their session, which retention skips) has locked it...
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute(
            "SELECT 1 FROM attendance WHERE session_id = $1 AND student_id = $2 FOR UPDATE",
            sessions[-1],
            pupils[0].id,
        )
        # ...when retention starts deleting the class's sessions and waits on that record.
        retention = asyncio.ensure_future(RetentionService(uow, CLOCK, YEARS).apply())
        await until_waiting_on_a_lock(holder, retention)
        # The update then adds to the student's totals, as every update does.
        await holder.execute(
            "UPDATE attendance SET corrected_status = 'late'"
            " WHERE session_id = $1 AND student_id = $2",
            sessions[-1],
            pupils[0].id,
        )
        await transaction.commit()
        run = await asyncio.wait_for(retention, 30)
        assert run.retained is not None and run.retained.sessions >= 3
    finally:
        await holder.close()
    recount, totals = await recount_and_totals(database)
    assert totals == recount
    assert not any(row[0] == classroom.id for row in totals)


async def until_waiting_on_a_lock(connection: asyncpg.Connection, task: asyncio.Future) -> None:
    for _ in range(200):
        assert not task.done(), task
        waiting = await connection.fetchval(  # on this connection's locks, not anyone's
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        if waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("nothing waited on a lock")
