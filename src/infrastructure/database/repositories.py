"""The repositories, in SQL on asyncpg: one statement per call, prepared once per connection.
The tables are defined by the models in models.py (and built by the migrations)."""

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from domain.attendance import AttendanceRecord, AttendanceSession, FinishedSession
from domain.classrooms import Classroom
from domain.errors import EmailAlreadyExists
from domain.events import AttendanceFinished, AttendanceMarked, ClassBroadcast
from domain.statuses import AttendanceStatus, AttendanceSummary
from domain.users import Identity, Role, User, UserSummary
from infrastructure.database.connector import Connector

_USER_COLUMNS = "id, name, email, password, role"


def _user(row: asyncpg.Record) -> User:
    return User(
        id=row["id"],
        name=row["name"],
        email=row["email"],
        password_hash=row["password"],
        role=Role(row["role"]),
    )


def _classroom(row: asyncpg.Record) -> Classroom:
    return Classroom(
        id=row["id"],
        class_name=row["class_name"],
        teacher_id=row["teacher_id"],
        student_ids=list(row["student_ids"]),
    )


def _membership(member: Identity) -> str:
    """Classes the teacher owns, or the student is enrolled in ($1 is the user's id)."""
    if member.role is Role.TEACHER:
        return "c.teacher_id = $1"
    return "c.student_ids @> ARRAY[$1::uuid]"


class SqlUserRepository:
    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def get(self, user_id: UUID) -> User | None:
        connection = await self._db.connection()
        row = await connection.fetchrow(f"SELECT {_USER_COLUMNS} FROM users WHERE id = $1", user_id)
        return _user(row) if row else None

    async def get_by_email(self, email: str) -> User | None:
        connection = await self._db.connection()
        row = await connection.fetchrow(
            f"SELECT {_USER_COLUMNS} FROM users WHERE lower(email) = lower($1)", email
        )
        return _user(row) if row else None

    async def add(self, user: User) -> None:
        connection = await self._db.transaction()
        try:
            await connection.execute(
                f"INSERT INTO users ({_USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5)",
                user.id,
                user.name,
                user.email,
                user.password_hash,
                user.role.value,
            )
        except asyncpg.UniqueViolationError as error:
            raise EmailAlreadyExists(user.email) from error

    async def list_students(
        self, search: str | None = None, limit: int | None = None
    ) -> list[UserSummary]:
        connection = await self._db.connection()
        rows = await connection.fetch(
            "SELECT id, name, email FROM users WHERE role = 'student'"
            " AND ($1::text IS NULL"
            "  OR starts_with(lower(name), lower($1)) OR starts_with(lower(email), lower($1)))"
            " ORDER BY name, id LIMIT $2",
            search,
            limit,
        )
        return [UserSummary(row["id"], row["name"], row["email"]) for row in rows]


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
        return _classroom(row) if row else None

    async def add(self, classroom: Classroom) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "INSERT INTO classes (id, class_name, teacher_id, student_ids) VALUES ($1, $2, $3, $4)",
            classroom.id,
            classroom.class_name,
            classroom.teacher_id,
            list(classroom.student_ids),
        )

    async def save(self, classroom: Classroom) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "UPDATE classes SET class_name = $2, student_ids = $3 WHERE id = $1",
            classroom.id,
            classroom.class_name,
            list(classroom.student_ids),
        )

    async def list_for(self, member: Identity) -> list[Classroom]:
        connection = await self._db.connection()
        rows = await connection.fetch(
            f"SELECT * FROM classes c WHERE {_membership(member)} ORDER BY class_name, id",
            member.user_id,
        )
        return [_classroom(row) for row in rows]

    async def get_with_students(self, class_id: UUID) -> tuple[Classroom, list[UserSummary]] | None:
        connection = await self._db.connection()
        row = await connection.fetchrow(
            "SELECT c.*, ARRAY("
            "  SELECT (u.id, u.name, u.email) FROM unnest(c.student_ids)"
            "  WITH ORDINALITY AS e(id, position) JOIN users u ON u.id = e.id"
            "  ORDER BY e.position) AS students"
            " FROM classes c WHERE c.id = $1",
            class_id,
        )
        if row is None:
            return None
        return _classroom(row), [UserSummary(*student) for student in row["students"]]

    async def ids_for(self, member: Identity) -> list[UUID]:
        connection = await self._db.connection()
        rows = await connection.fetch(
            f"SELECT c.id FROM classes c WHERE {_membership(member)}", member.user_id
        )
        return [row["id"] for row in rows]


_ACTIVE_SESSIONS = """
    SELECT s.id, s.class_id, s.started_at, c.teacher_id, c.student_ids
    FROM attendance_sessions s JOIN classes c ON c.id = s.class_id
    WHERE s.ended_at IS NULL"""


# The live marks of those classes set since a moment, and their sessions finished since then
# (with the summary DONE announced), in the order they happened.
_BROADCASTS_SINCE = """
    SELECT s.class_id, m.marked_at AS happened_at, m.student_id, m.status,
           NULL::bigint AS present, NULL::bigint AS absent, NULL::bigint AS total
    FROM attendance_marks m JOIN attendance_sessions s ON s.id = m.session_id
    WHERE s.class_id = ANY($1::uuid[]) AND s.ended_at IS NULL AND m.marked_at >= $2
    UNION ALL
    SELECT s.class_id, s.ended_at, NULL, NULL,
           count(a.id) FILTER (WHERE a.status = 'present'),
           count(a.id) FILTER (WHERE a.status = 'absent'),
           count(a.id)
    FROM attendance_sessions s LEFT JOIN attendance a ON a.session_id = s.id
    WHERE s.class_id = ANY($1::uuid[]) AND s.ended_at >= $2
    GROUP BY s.id
    ORDER BY happened_at"""


class SqlAttendanceRepository:
    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def find_active(
        self,
        addressee: Identity,
        class_id: UUID | None = None,
        *,
        with_marks: bool = False,
    ) -> AttendanceSession | None:
        connection = await self._db.connection()
        row = await connection.fetchrow(
            f"{_ACTIVE_SESSIONS} AND {_membership(addressee)}"
            " AND ($2::uuid IS NULL OR s.class_id = $2)"
            " ORDER BY s.started_at DESC LIMIT 1",
            addressee.user_id,
            class_id,
        )
        if row is None:
            return None
        return await self._session_from(connection, row, with_marks)

    async def lock_for_finish(self, session_id: UUID) -> AttendanceSession | None:
        connection = await self._db.transaction()
        row = await connection.fetchrow(
            f"{_ACTIVE_SESSIONS} AND s.id = $1 FOR UPDATE OF s", session_id
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

    async def save_mark(self, session: AttendanceSession, student_id: UUID) -> bool:
        # One statement, one round trip. The session row is share-locked while the mark goes
        # in, and finishing takes FOR UPDATE: a mark either lands before DONE reads the marks
        # or finds the session ended and stores nothing.
        connection = await self._db.connection()
        outcome = await connection.execute(
            "INSERT INTO attendance_marks (id, session_id, student_id, status)"
            " SELECT $1, s.id, $3, $4 FROM attendance_sessions s"
            " WHERE s.id = $2 AND s.ended_at IS NULL FOR KEY SHARE"
            " ON CONFLICT (session_id, student_id)"
            " DO UPDATE SET status = EXCLUDED.status, marked_at = now()",
            uuid4(),
            session.id,
            student_id,
            session.marks[student_id].value,
        )
        return outcome != "INSERT 0 0"

    async def discard_active(self, class_id: UUID) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "DELETE FROM attendance_sessions WHERE class_id = $1 AND ended_at IS NULL", class_id
        )

    async def save_finished(self, finished: FinishedSession) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "UPDATE attendance_sessions SET ended_at = $2 WHERE id = $1",
            finished.id,
            finished.ended_at,
        )
        await connection.execute("DELETE FROM attendance_marks WHERE session_id = $1", finished.id)
        if finished.records:
            # One statement for every row, however large the class.
            await connection.copy_records_to_table(
                "attendance",
                columns=["id", "class_id", "student_id", "status", "session_id"],
                records=[
                    (uuid4(), r.class_id, r.student_id, r.status.value, r.session_id)
                    for r in finished.records
                ],
            )

    async def latest_status(self, class_id: UUID, student_id: UUID) -> AttendanceStatus | None:
        connection = await self._db.connection()
        status = await connection.fetchval(
            "SELECT a.status FROM attendance a"
            " JOIN attendance_sessions s ON s.id = a.session_id"
            " WHERE a.class_id = $1 AND a.student_id = $2 AND s.ended_at IS NOT NULL"
            " ORDER BY s.ended_at DESC LIMIT 1",
            class_id,
            student_id,
        )
        return AttendanceStatus(status) if status is not None else None

    async def finished_sessions(self, class_id: UUID) -> list[FinishedSession]:
        connection = await self._db.connection()
        sessions = await connection.fetch(
            "SELECT id, started_at, ended_at FROM attendance_sessions"
            " WHERE class_id = $1 AND ended_at IS NOT NULL ORDER BY ended_at DESC",
            class_id,
        )
        records: dict[UUID, list[AttendanceRecord]] = {row["id"]: [] for row in sessions}
        if records:
            rows = await connection.fetch(
                "SELECT session_id, student_id, status FROM attendance"
                " WHERE session_id = ANY($1::uuid[]) ORDER BY student_id",
                list(records),
            )
            for row in rows:
                records[row["session_id"]].append(
                    AttendanceRecord(
                        row["session_id"],
                        class_id,
                        row["student_id"],
                        AttendanceStatus(row["status"]),
                    )
                )
        return [
            FinishedSession(
                row["id"], class_id, row["started_at"], row["ended_at"], records[row["id"]]
            )
            for row in sessions
        ]

    async def student_history(
        self, class_id: UUID, student_id: UUID
    ) -> list[tuple[FinishedSession, AttendanceStatus]]:
        connection = await self._db.connection()
        rows = await connection.fetch(
            "SELECT s.id, s.started_at, s.ended_at, a.status FROM attendance a"
            " JOIN attendance_sessions s ON s.id = a.session_id"
            " WHERE a.class_id = $1 AND a.student_id = $2 AND s.ended_at IS NOT NULL"
            " ORDER BY s.ended_at DESC",
            class_id,
            student_id,
        )
        return [
            (
                FinishedSession(row["id"], class_id, row["started_at"], row["ended_at"], []),
                AttendanceStatus(row["status"]),
            )
            for row in rows
        ]

    async def broadcasts_since(
        self, class_ids: list[UUID], since: datetime
    ) -> list[ClassBroadcast]:
        connection = await self._db.connection()
        rows = await connection.fetch(_BROADCASTS_SINCE, class_ids, since)
        return [
            ClassBroadcast(
                row["class_id"],
                AttendanceMarked(row["student_id"], AttendanceStatus(row["status"]))
                if row["student_id"] is not None
                else AttendanceFinished(
                    AttendanceSummary(row["present"], row["absent"], row["total"])
                ),
            )
            for row in rows
        ]

    @staticmethod
    async def _session_from(
        connection: asyncpg.Connection, row: asyncpg.Record, with_marks: bool
    ) -> AttendanceSession:
        marks: dict[UUID, AttendanceStatus] = {}
        if with_marks:
            found = await connection.fetch(
                "SELECT student_id, status FROM attendance_marks WHERE session_id = $1", row["id"]
            )
            marks = {mark["student_id"]: AttendanceStatus(mark["status"]) for mark in found}
        return AttendanceSession(
            id=row["id"],
            class_id=row["class_id"],
            teacher_id=row["teacher_id"],
            roster=frozenset(row["student_ids"]),
            started_at=row["started_at"],
            marks=marks,
        )
