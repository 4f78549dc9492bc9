"""The read side: plain queries for what users look at (class lists, rosters, history, the
broadcasts a process missed), apart from the repositories that load and save aggregates."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from domain.attendance import AttendanceRecord, FinishedSession
from domain.classrooms import Classroom
from domain.corrections import Correction
from domain.events import AttendanceFinished, AttendanceMarked, ClassBroadcast
from domain.history import HistoryCsvPage
from domain.live_state import ClassLiveState, LiveMark, LiveSessionState
from domain.reports import ClassOverview, ClassTotals, ReportLine, ReportPeriod, StudentTally
from domain.statuses import BASIC_STATUSES, AttendanceStatus, AttendanceSummary
from domain.users import Identity, Role, TokenStanding, UserSummary
from infrastructure.database.connector import Connector
from infrastructure.database.history_csv import history_csv_page
from infrastructure.database.record_queries import (
    CLASS_REPORT,
    CLASS_REPORT_WHOLE,
    SCHOOL_REPORT,
    SCHOOL_REPORT_WHOLE,
    STUDENT_REPORT,
    STUDENT_REPORT_WHOLE,
)
from infrastructure.database.rows import (
    CURRENT_STATUS,
    classroom_from,
    correction_from,
    is_detailed,
    membership,
    record_from,
    standing_from,
)

# The live marks of those classes set since a moment, and their sessions finished since then
# (with the summary DONE announced), in the order they happened.
BROADCASTS_SINCE = """
    SELECT s.class_id, s.id AS session_id, m.marked_at AS happened_at, m.student_id, m.status,
           m.checked_in, c.teacher_id, c.private_marks,
           NULL::bigint AS present, NULL::bigint AS absent, NULL::bigint AS total,
           NULL::bigint AS late, NULL::bigint AS excused, NULL::boolean AS detailed
    FROM attendance_marks m JOIN attendance_sessions s ON s.id = m.session_id
    JOIN classes c ON c.id = s.class_id
    WHERE s.class_id = ANY($1::uuid[]) AND s.ended_at IS NULL AND m.marked_at >= $2
    UNION ALL
    SELECT s.class_id, s.id, s.ended_at, NULL, NULL, NULL, NULL, NULL,
           count(a.id) FILTER (WHERE a.status = 'present'),
           count(a.id) FILTER (WHERE a.status = 'absent'),
           count(a.id),
           count(a.id) FILTER (WHERE a.status = 'late'),
           count(a.id) FILTER (WHERE a.status = 'excused'),
           -- as DONE announced it: with late and excused where the class used them
           cardinality(c.extra_statuses) > 0 OR count(a.id) FILTER (
             WHERE a.status IN ('late', 'excused')) > 0
    FROM attendance_sessions s JOIN classes c ON c.id = s.class_id
    LEFT JOIN attendance a ON a.session_id = s.id
    WHERE s.class_id = ANY($1::uuid[]) AND s.ended_at >= $2
    GROUP BY s.id, c.extra_statuses
    ORDER BY happened_at"""

# Each class of the member with its latest broadcast number and its live session, if any.
LIVE_CLASSES = """
    SELECT c.id AS class_id, c.live_seq, c.private_marks, c.extra_statuses, c.archived,
           c.class_name, s.id AS session_id, s.started_at, s.check_in_open
    FROM classes c LEFT JOIN attendance_sessions s ON s.class_id = c.id AND s.ended_at IS NULL
    WHERE {membership}
    ORDER BY c.class_name, c.id"""


class SqlViews:
    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def list_students(
        self, search: str | None = None, limit: int | None = None, *, whole_email: bool = False
    ) -> list[UserSummary]:
        connection = await self._db.connection()
        rows = await connection.fetch(
            "SELECT id, name, email FROM users WHERE role = 'student'"
            " AND deactivated_at IS NULL AND erased_at IS NULL"
            " AND ($1::text IS NULL OR starts_with(lower(name), lower($1))"
            "  OR CASE WHEN $3 THEN lower(email) = lower($1)"
            "  ELSE starts_with(lower(email), lower($1)) END)"
            " ORDER BY ($3 AND lower(email) = lower($1)) DESC, name, id LIMIT $2",
            search,
            limit,
            whole_email,
        )
        return [UserSummary(row["id"], row["name"], row["email"]) for row in rows]

    async def list_for(self, member: Identity, include_archived: bool = False) -> list[Classroom]:
        connection = await self._db.connection()
        rows = await connection.fetch(
            f"SELECT * FROM classes c WHERE {membership(member)} AND ($2 OR NOT c.archived)"
            " ORDER BY class_name, id",
            member.user_id,
            include_archived,
        )
        return [classroom_from(row) for row in rows]

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
        return classroom_from(row), [UserSummary(*student) for student in row["students"]]

    async def ids_for(
        self, members: Sequence[Identity]
    ) -> dict[Identity, tuple[TokenStanding, list[UUID]]]:
        connection = await self._db.connection()
        # A teacher's classes or a student's, each subquery with its own index (one of the two
        # is cut off at once by its role test).
        rows = await connection.fetch(
            "SELECT u.id, u.role, u.deactivated_at, u.tokens_valid_from, ARRAY("
            "  SELECT c.id FROM classes c WHERE u.role = 'teacher' AND c.teacher_id = u.id"
            "  UNION ALL"
            "  SELECT c.id FROM classes c"
            "  WHERE u.role = 'student' AND c.student_ids @> ARRAY[u.id]"
            ") AS ids"
            " FROM unnest($1::uuid[], $2::text[]) AS asked(id, role)"
            " JOIN users u ON u.id = asked.id AND u.role = asked.role AND u.erased_at IS NULL",
            [member.user_id for member in members],
            [member.role.value for member in members],
        )
        return {
            Identity(row["id"], Role(row["role"])): (standing_from(row), list(row["ids"]))
            for row in rows
        }

    async def latest_status(self, class_id: UUID, student_id: UUID) -> AttendanceStatus | None:
        connection = await self._db.connection()
        status = await connection.fetchval(
            f"SELECT {CURRENT_STATUS} FROM attendance a"
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
            "SELECT s.id, s.started_at, s.ended_at, c.extra_statuses FROM attendance_sessions s"
            " JOIN classes c ON c.id = s.class_id"
            " WHERE s.class_id = $1 AND s.ended_at IS NOT NULL ORDER BY s.ended_at DESC",
            class_id,
        )
        records: dict[UUID, list[AttendanceRecord]] = {row["id"]: [] for row in sessions}
        if records:
            rows = await connection.fetch(
                f"SELECT session_id, student_id, {CURRENT_STATUS} AS status,"
                " corrected_status IS NOT NULL AS corrected FROM attendance"
                " WHERE session_id = ANY($1::uuid[]) ORDER BY student_id",
                list(records),
            )
            for row in rows:
                records[row["session_id"]].append(record_from(row, class_id))
        return [
            FinishedSession(
                row["id"],
                class_id,
                row["started_at"],
                row["ended_at"],
                records[row["id"]],
                detailed=is_detailed(row["extra_statuses"], records[row["id"]]),
            )
            for row in sessions
        ]

    async def student_history(
        self, class_id: UUID, student_id: UUID
    ) -> list[tuple[FinishedSession, AttendanceRecord]]:
        connection = await self._db.connection()
        rows = await connection.fetch(
            f"SELECT s.id AS session_id, s.started_at, s.ended_at, a.student_id,"
            f" {CURRENT_STATUS} AS status, a.corrected_status IS NOT NULL AS corrected"
            " FROM attendance a JOIN attendance_sessions s ON s.id = a.session_id"
            " WHERE a.class_id = $1 AND a.student_id = $2 AND s.ended_at IS NOT NULL"
            " ORDER BY s.ended_at DESC",
            class_id,
            student_id,
        )
        return [
            (
                FinishedSession(
                    row["session_id"], class_id, row["started_at"], row["ended_at"], []
                ),
                record_from(row, class_id),
            )
            for row in rows
        ]

    async def corrections(self, class_id: UUID) -> list[Correction]:
        connection = await self._db.connection()
        rows = await connection.fetch(
            "SELECT * FROM attendance_corrections WHERE class_id = $1"
            " ORDER BY corrected_at DESC, id",
            class_id,
        )
        return [correction_from(row) for row in rows]

    async def class_report(
        self, class_id: UUID, period: ReportPeriod
    ) -> tuple[int, list[ReportLine]]:
        connection = await self._db.connection()
        sql = CLASS_REPORT_WHOLE if period.is_whole else CLASS_REPORT
        rows = await connection.fetch(sql, class_id, period.since, period.until)
        return rows[0]["held"], [
            ReportLine(
                UserSummary(row["student_id"], row["name"], row["email"]),
                _tally(row, class_id),
                row["enrolled"],
            )
            for row in rows
            if row["student_id"] is not None
        ]

    async def student_report(
        self, student_id: UUID, period: ReportPeriod
    ) -> list[tuple[Classroom, int, StudentTally]]:
        connection = await self._db.connection()
        sql = STUDENT_REPORT_WHOLE if period.is_whole else STUDENT_REPORT
        rows = await connection.fetch(sql, student_id, period.since, period.until)
        return [
            (classroom_from(row), row["held"], _tally(row, row["id"], student_id)) for row in rows
        ]

    async def history_csv_page(
        self,
        class_id: UUID,
        after: tuple[datetime, UUID] | None,
        sessions: int,
        *,
        header: bool = False,
    ) -> HistoryCsvPage:
        # Pages, each read on its own short loan of a connection: an export is streamed to a
        # client at whatever pace it reads, and no connection waits on it meanwhile.
        connection = await self._db.connection()
        return await history_csv_page(connection, class_id, after, sessions, header=header)

    async def school_report(self, period: ReportPeriod) -> list[ClassOverview]:
        connection = await self._db.connection()
        sql = SCHOOL_REPORT_WHOLE if period.is_whole else SCHOOL_REPORT
        rows = await connection.fetch(sql, period.since, period.until)
        return [
            ClassOverview(
                class_id=row["class_id"],
                class_name=row["class_name"],
                archived=row["archived"],
                teacher=UserSummary(row["teacher_id"], row["teacher_name"], row["teacher_email"]),
                students=row["students"],
                sessions_held=row["held"],
                totals=ClassTotals(
                    row["sessions"], row["present"], row["absent"], row["late"], row["excused"]
                ),
            )
            for row in rows
        ]

    async def broadcasts_since(
        self, class_ids: list[UUID], since: datetime
    ) -> list[ClassBroadcast]:
        connection = await self._db.connection()
        rows = await connection.fetch(BROADCASTS_SINCE, class_ids, since)
        return [_missed_broadcast(row) for row in rows]

    async def live_state(self, member: Identity) -> list[ClassLiveState]:
        connection = await self._db.connection()
        classes = await connection.fetch(
            LIVE_CLASSES.format(membership=membership(member)), member.user_id
        )
        session_ids = [row["session_id"] for row in classes if row["session_id"] is not None]
        marks: dict[UUID, list[LiveMark]] = {}
        if session_ids:
            only_own = member.role is Role.STUDENT
            for mark in await connection.fetch(
                "SELECT session_id, student_id, status, checked_in FROM attendance_marks"
                " WHERE session_id = ANY($1::uuid[]) AND (NOT $2 OR student_id = $3)"
                " ORDER BY marked_at",
                session_ids,
                only_own,
                member.user_id,
            ):
                marks.setdefault(mark["session_id"], []).append(
                    LiveMark(
                        mark["student_id"], AttendanceStatus(mark["status"]), mark["checked_in"]
                    )
                )
        return [
            ClassLiveState(
                class_id=row["class_id"],
                seq=row["live_seq"],
                private_marks=row["private_marks"],
                session=None
                if row["session_id"] is None
                else LiveSessionState(
                    id=row["session_id"],
                    started_at=row["started_at"],
                    check_in_open=row["check_in_open"],
                    marks=marks.get(row["session_id"], []),
                ),
                statuses=BASIC_STATUSES + tuple(AttendanceStatus(s) for s in row["extra_statuses"]),
                archived=row["archived"],
                class_name=row["class_name"],
            )
            for row in classes
        ]


def _tally(row: asyncpg.Record, class_id: UUID, student_id: UUID | None = None) -> StudentTally:
    return StudentTally(
        class_id=class_id,
        student_id=student_id or row["student_id"],
        sessions=row["sessions"],
        present=row["present"],
        absent=row["absent"],
        late=row["late"],
        excused=row["excused"],
    )


def _missed_broadcast(row: asyncpg.Record) -> ClassBroadcast:
    if row["student_id"] is None:
        extra = (row["late"], row["excused"]) if row["detailed"] else (None, None)
        summary = AttendanceSummary(row["present"], row["absent"], row["total"], *extra)
        return ClassBroadcast(row["class_id"], AttendanceFinished(summary, row["session_id"]))
    mark = AttendanceMarked(row["student_id"], AttendanceStatus(row["status"]), row["checked_in"])
    audience = frozenset((row["teacher_id"], row["student_id"])) if row["private_marks"] else None
    return ClassBroadcast(row["class_id"], mark, audience=audience)
