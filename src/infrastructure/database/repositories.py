"""The repositories, in SQL on asyncpg: one statement per call, prepared once per connection,
on the unit of work's connection (Connector). The tables are defined by the models in
models.py (and built by the migrations)."""

from collections.abc import Sequence
from uuid import UUID, uuid4

import asyncpg

from domain.attendance import AttendanceSession, FinishedSession, MarkCount
from domain.classrooms import Classroom
from domain.corrections import Correction
from domain.statuses import AttendanceStatus
from domain.users import Identity
from infrastructure.database.connector import Connector
from infrastructure.database.pool import Connection
from infrastructure.database.rows import (
    CURRENT_STATUS,
    classroom_from,
    is_detailed,
    membership,
    record_from,
)


class SqlClassroomRepository:
    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def get(self, class_id: UUID, *, for_update: bool = False) -> Classroom | None:
        if for_update:
            connection = await self._db.transaction()
            sql = "SELECT * FROM classes WHERE id = $1 FOR UPDATE"
        else:
            connection = await self._db.connection()
            sql = "SELECT * FROM classes WHERE id = $1"
        row = await connection.fetchrow(sql, class_id)
        return classroom_from(row) if row else None

    async def add(self, classroom: Classroom) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "INSERT INTO classes"
            " (id, class_name, teacher_id, student_ids, private_marks, extra_statuses, archived)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            classroom.id,
            classroom.class_name,
            classroom.teacher_id,
            list(classroom.student_ids),
            classroom.private_marks,
            [status.value for status in classroom.extra_statuses],
            classroom.archived,
        )

    async def save(self, classroom: Classroom) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "UPDATE classes SET class_name = $2, student_ids = $3, private_marks = $4,"
            " extra_statuses = $5, archived = $6 WHERE id = $1",
            classroom.id,
            classroom.class_name,
            list(classroom.student_ids),
            classroom.private_marks,
            [status.value for status in classroom.extra_statuses],
            classroom.archived,
        )


def _active_sessions(roster: str = "c.student_ids") -> str:
    return f"""
    SELECT s.id, s.class_id, s.started_at, s.check_in_open, s.check_in_secret,
           c.teacher_id, {roster} AS student_ids, c.private_marks, c.extra_statuses
    FROM attendance_sessions s JOIN classes c ON c.id = s.class_id
    WHERE s.ended_at IS NULL"""


def _addressed_session(addressee: Identity, roster: str = "c.student_ids") -> str:
    """The active session a user's live event addresses ($1 the user, $2 a class or NULL)."""
    return (
        f"{_active_sessions(roster)} AND {membership(addressee)}"
        " AND ($2::uuid IS NULL OR s.class_id = $2)"
        " ORDER BY s.started_at DESC LIMIT 1"
    )


# The roster as one student's view of it ($3): just them, if enrolled; the whole roster
# without one. A class of 1,000 costs 1,000 ids decoded and hashed per read otherwise.
_ROSTER_SEEN_BY = (
    "CASE WHEN $3::uuid IS NULL THEN c.student_ids"
    " WHEN c.student_ids @> ARRAY[$3::uuid] THEN ARRAY[$3::uuid] ELSE '{}'::uuid[] END"
)


class SqlAttendanceRepository:
    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def find_active(
        self,
        addressee: Identity,
        class_id: UUID | None = None,
        *,
        with_marks: bool = False,
        student_view: UUID | None = None,
    ) -> AttendanceSession | None:
        connection = await self._db.connection()
        row = await connection.fetchrow(
            _addressed_session(addressee, _ROSTER_SEEN_BY),
            addressee.user_id,
            class_id,
            student_view,
        )
        if row is None:
            return None
        return await self._session_from(connection, row, with_marks, student_view)

    async def lock_for_finish(self, session_id: UUID) -> AttendanceSession | None:
        connection = await self._db.transaction()
        row = await connection.fetchrow(
            f"{_active_sessions()} AND s.id = $1 FOR UPDATE OF s", session_id
        )
        if row is None:
            return None
        return await self._session_from(connection, row, with_marks=True)

    async def add(self, session: AttendanceSession) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "INSERT INTO attendance_sessions (id, class_id, started_at, ended_at)"
            " VALUES ($1, $2, $3, $4)",
            session.id,
            session.class_id,
            session.started_at,
            session.ended_at,
        )

    async def save_marks(self, session: AttendanceSession, marked: Sequence[UUID]) -> int | None:
        # One statement, one round trip, however many marks. The session row is share-locked
        # while the marks go in, and finishing takes FOR UPDATE: marks either land before DONE
        # reads them or find the session ended and store nothing. A check-in only ever adds a
        # mark (so a teacher's is never replaced, and racing check-ins of one student are
        # heard once). The class's broadcast numbers are taken only when the marks went in.
        # Rows are written in one order (by student) so two writers cannot deadlock.
        students = sorted(set(marked))
        connection = await self._db.connection()
        last_seq: int | None = await connection.fetchval(
            "WITH live AS ("
            " SELECT id FROM attendance_sessions WHERE id = $1 AND ended_at IS NULL FOR KEY SHARE"
            "), mark AS ("
            " INSERT INTO attendance_marks (id, session_id, student_id, status, checked_in)"
            " SELECT gen_random_uuid(), live.id, m.student_id, m.status, m.checked_in"
            " FROM live, unnest($2::uuid[], $3::text[], $4::bool[])"
            "  AS m(student_id, status, checked_in)"
            " ON CONFLICT (session_id, student_id) DO UPDATE"
            " SET status = EXCLUDED.status, checked_in = EXCLUDED.checked_in, marked_at = now()"
            " WHERE NOT EXCLUDED.checked_in"
            " RETURNING 1)"
            " UPDATE classes SET live_seq = live_seq + $5"
            " WHERE id = $6 AND EXISTS (SELECT FROM mark) RETURNING live_seq",
            session.id,
            students,
            [session.marks[student_id].value for student_id in students],
            [student_id in session.checked_in for student_id in students],
            len(marked),
            session.class_id,
        )
        return last_seq

    async def save_check_in(self, session: AttendanceSession) -> bytes | None:
        connection = await self._db.transaction()
        secret: bytes | None = await connection.fetchval(
            "UPDATE attendance_sessions"
            " SET check_in_open = $2, check_in_secret = COALESCE(check_in_secret, $3)"
            " WHERE id = $1 RETURNING check_in_secret",
            session.id,
            session.check_in_open,
            session.check_in_secret,
        )
        return secret

    async def count_for_summary(
        self, addressee: Identity, class_id: UUID | None = None
    ) -> tuple[MarkCount, int] | None:
        # One statement: the session is found, its enrolled students' marks counted where they
        # are (a few rows back, whatever the size of the class), and the number taken. Its
        # commit does not wait for the disk: only the number changes, and the next durable
        # write (a mark) flushes it too. Were PostgreSQL to crash before that, the number would
        # be handed out again; but the crash also drops every process's LISTEN connection, and
        # its return sends each v2 socket a fresh SESSION_STATE, whose seq a client starts from.
        connection = await self._db.connection()
        row = await connection.fetchrow(
            f"WITH no_flush AS (SELECT set_config('synchronous_commit', 'off', true)"
            f"), live AS ({_addressed_session(addressee)}"
            "), counted AS ("
            " SELECT m.status, count(*) AS marks FROM live"
            " JOIN attendance_marks m ON m.session_id = live.id"
            " WHERE m.student_id IN (SELECT unnest(live.student_ids))"
            " GROUP BY m.status"
            "), numbered AS ("
            " UPDATE classes SET live_seq = live_seq + 1 FROM live"
            " WHERE classes.id = live.class_id RETURNING classes.live_seq"
            ")"
            " SELECT live.class_id, live.extra_statuses, numbered.live_seq,"
            " (SELECT coalesce(array_agg(status), '{}') FROM counted) AS statuses,"
            " (SELECT coalesce(array_agg(marks), '{}') FROM counted) AS marks"
            " FROM live, numbered, no_flush",
            addressee.user_id,
            class_id,
        )
        if row is None:
            return None
        count = MarkCount(
            row["class_id"],
            frozenset(AttendanceStatus(status) for status in row["extra_statuses"]),
            {AttendanceStatus(s): n for s, n in zip(row["statuses"], row["marks"], strict=True)},
        )
        return count, row["live_seq"]

    async def next_broadcast_number(self, class_id: UUID) -> int:
        connection = await self._db.transaction()
        seq: int = await connection.fetchval(
            "UPDATE classes SET live_seq = live_seq + 1 WHERE id = $1 RETURNING live_seq",
            class_id,
        )
        return seq

    async def lock_starts(self, class_id: UUID) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('start:' || $1::uuid::text, 0))",
            class_id,
        )

    async def discard_active(self, class_id: UUID) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "DELETE FROM attendance_sessions WHERE class_id = $1 AND ended_at IS NULL", class_id
        )

    async def save_finished(self, finished: FinishedSession) -> None:
        # One statement, one round trip, however large the class: the session ends, its live
        # marks go, and one record per student goes in (ids made by PostgreSQL).
        connection = await self._db.transaction()
        await connection.execute(
            "WITH ended AS (UPDATE attendance_sessions SET ended_at = $2 WHERE id = $1),"
            " cleared AS (DELETE FROM attendance_marks WHERE session_id = $1)"
            " INSERT INTO attendance (id, class_id, student_id, status, session_id)"
            " SELECT gen_random_uuid(), $3, r.student_id, r.status, $1"
            " FROM unnest($4::uuid[], $5::text[]) AS r(student_id, status)",
            finished.id,
            finished.ended_at,
            finished.class_id,
            [record.student_id for record in finished.records],
            [record.status.value for record in finished.records],
        )

    async def get_finished(self, class_id: UUID, session_id: UUID) -> FinishedSession | None:
        # Retention (FOR UPDATE SKIP LOCKED) leaves a session held so for its next run.
        connection = await self._db.transaction()
        session = await connection.fetchrow(
            "SELECT s.id, s.started_at, s.ended_at, c.extra_statuses FROM attendance_sessions s"
            " JOIN classes c ON c.id = s.class_id"
            " WHERE s.id = $1 AND s.class_id = $2 AND s.ended_at IS NOT NULL"
            " FOR KEY SHARE OF s",
            session_id,
            class_id,
        )
        if session is None:
            return None
        rows = await connection.fetch(
            f"SELECT session_id, student_id, {CURRENT_STATUS} AS status,"
            " corrected_status IS NOT NULL AS corrected"
            " FROM attendance WHERE session_id = $1 ORDER BY student_id",
            session_id,
        )
        records = [record_from(row, class_id) for row in rows]
        return FinishedSession(
            session["id"],
            class_id,
            session["started_at"],
            session["ended_at"],
            records,
            detailed=is_detailed(session["extra_statuses"], records),
        )

    async def save_correction(self, correction: Correction) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "INSERT INTO attendance_corrections (id, class_id, session_id, student_id,"
            " from_status, to_status, note, corrected_by, corrected_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            uuid4(),
            correction.class_id,
            correction.session_id,
            correction.student_id,
            correction.from_status.value,
            correction.to_status.value,
            correction.note,
            correction.corrected_by,
            correction.corrected_at,
        )
        await connection.execute(
            "UPDATE attendance SET corrected_status = $3 WHERE session_id = $1 AND student_id = $2",
            correction.session_id,
            correction.student_id,
            correction.to_status.value,
        )

    @staticmethod
    async def _session_from(
        connection: Connection,
        row: asyncpg.Record,
        with_marks: bool,
        student_view: UUID | None = None,
    ) -> AttendanceSession:
        marks: dict[UUID, AttendanceStatus] = {}
        checked_in: set[UUID] = set()
        if with_marks:
            found = await connection.fetch(
                "SELECT student_id, status, checked_in FROM attendance_marks"
                " WHERE session_id = $1 AND ($2::uuid IS NULL OR student_id = $2)",
                row["id"],
                student_view,
            )
            marks = {mark["student_id"]: AttendanceStatus(mark["status"]) for mark in found}
            checked_in = {mark["student_id"] for mark in found if mark["checked_in"]}
        return AttendanceSession(
            id=row["id"],
            class_id=row["class_id"],
            teacher_id=row["teacher_id"],
            roster=frozenset(row["student_ids"]),
            started_at=row["started_at"],
            marks=marks,
            checked_in=checked_in,
            private_marks=row["private_marks"],
            extra_statuses=frozenset(AttendanceStatus(s) for s in row["extra_statuses"]),
            check_in_open=row["check_in_open"],
            check_in_secret=row["check_in_secret"],
        )
