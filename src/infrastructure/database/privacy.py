"""What the database holds about one person, as a whole (exported, erased), and the deletion
of records past retention. Which table holds what about a person, and why some of it is not
exported, is in the README's "Privacy"."""

from datetime import datetime
from uuid import UUID

from domain.account_links import LinkPurpose
from domain.privacy import (
    AccountData,
    ClassData,
    CounterData,
    LinkData,
    MarkData,
    PersonalData,
    RecordData,
    Retained,
    SessionData,
)
from domain.statuses import AttendanceStatus
from domain.throttling import CountersAbout
from domain.users import NO_PASSWORD, Role
from infrastructure.database.connector import Connector
from infrastructure.database.rows import CURRENT_STATUS, correction_from

_ACCOUNT = """
    SELECT id, name, email, role, password <> $2 AS password_set, erased_at, deactivated_at,
        tokens_valid_from
    FROM users WHERE id = $1"""

_CLASSES = """
    SELECT id, class_name, teacher_id, archived, cardinality(student_ids) AS students
    FROM classes WHERE {which} ORDER BY class_name, id"""

_RECORDS = f"""
    SELECT a.session_id, a.class_id, c.class_name, s.started_at, s.ended_at,
           {CURRENT_STATUS} AS status, a.status AS original
    FROM attendance a JOIN attendance_sessions s ON s.id = a.session_id
    JOIN classes c ON c.id = a.class_id
    WHERE a.student_id = $1 ORDER BY s.started_at, s.id"""

_SESSIONS_HELD = """
    SELECT s.id, s.class_id, s.started_at, s.ended_at
    FROM attendance_sessions s JOIN classes c ON c.id = s.class_id
    WHERE c.teacher_id = $1 ORDER BY s.started_at, s.id"""

_LIVE_MARKS = """
    SELECT m.session_id, s.class_id, m.status, m.checked_in, m.marked_at
    FROM attendance_marks m JOIN attendance_sessions s ON s.id = m.session_id
    WHERE m.student_id = $1 ORDER BY m.marked_at, m.id"""

# The counters CountersAbout names ($1 keys, $2 prefixes, $3 and $4 a check-in's ends).
_COUNTERS_ABOUT = """
    key = ANY($1::text[])
    OR EXISTS (SELECT FROM unnest($2::text[]) AS p(prefix) WHERE starts_with(key, p.prefix))
    OR (starts_with(key, $3) AND right(key, length($4)) = $4)"""

# Up to $2 sessions started before $1, not being written to nor deleted by anyone else now,
# deleted with what hangs on them (the foreign keys cascade); the counts are taken first.
_DELETE_STARTED_BEFORE = """
    WITH doomed AS (
        SELECT id FROM attendance_sessions WHERE started_at < $1
        ORDER BY started_at, id LIMIT $2 FOR UPDATE SKIP LOCKED),
    counted AS (
        SELECT (SELECT count(*) FROM attendance WHERE session_id IN (SELECT id FROM doomed))
                 AS records,
               (SELECT count(*) FROM attendance_marks
                WHERE session_id IN (SELECT id FROM doomed)) AS marks,
               (SELECT count(*) FROM attendance_corrections
                WHERE session_id IN (SELECT id FROM doomed)) AS corrections),
    gone AS (DELETE FROM attendance_sessions s USING doomed WHERE s.id = doomed.id RETURNING 1)
    SELECT (SELECT count(*) FROM gone) AS sessions, counted.* FROM counted"""


def _counter_arguments(counters: CountersAbout) -> tuple[list[str], list[str], str, str]:
    return (
        list(counters.keys),
        list(counters.prefixes),
        counters.check_in_prefix,
        counters.check_in_suffix,
    )


class SqlPrivacyRepository:
    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def account(self, user_id: UUID, *, for_update: bool = False) -> AccountData | None:
        if for_update:
            connection = await self._db.transaction()
            sql = _ACCOUNT + " FOR UPDATE"
        else:
            connection = await self._db.connection()
            sql = _ACCOUNT
        row = await connection.fetchrow(sql, user_id, NO_PASSWORD)
        if row is None:
            return None
        return AccountData(
            row["id"],
            row["name"],
            row["email"],
            Role(row["role"]),
            row["password_set"],
            row["erased_at"],
            row["deactivated_at"],
            row["tokens_valid_from"],
        )

    async def export(self, account: AccountData, counters: CountersAbout) -> PersonalData:
        # One snapshot for every read: the parts agree with each other.
        connection = await self._db.transaction()
        await connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        user_id = account.id
        taught, enrolled = [
            [
                ClassData(
                    row["id"],
                    row["class_name"],
                    row["teacher_id"],
                    row["archived"],
                    row["students"],
                )
                for row in await connection.fetch(_CLASSES.format(which=which), user_id)
            ]
            for which in ("teacher_id = $1", "student_ids @> ARRAY[$1::uuid]")
        ]
        records = [
            RecordData(
                row["session_id"],
                row["class_id"],
                row["class_name"],
                row["started_at"],
                row["ended_at"],
                AttendanceStatus(row["status"]),
                AttendanceStatus(row["original"]),
            )
            for row in await connection.fetch(_RECORDS, user_id)
        ]
        sessions = [
            SessionData(row["id"], row["class_id"], row["started_at"], row["ended_at"])
            for row in await connection.fetch(_SESSIONS_HELD, user_id)
        ]
        marks = [
            MarkData(
                row["session_id"],
                row["class_id"],
                AttendanceStatus(row["status"]),
                row["checked_in"],
                row["marked_at"],
            )
            for row in await connection.fetch(_LIVE_MARKS, user_id)
        ]
        about, made = [
            [
                correction_from(row)
                for row in await connection.fetch(
                    f"SELECT * FROM attendance_corrections WHERE {column} = $1"
                    " ORDER BY corrected_at, id",
                    user_id,
                )
            ]
            for column in ("student_id", "corrected_by")
        ]
        links = [
            LinkData(
                LinkPurpose(row["purpose"]),
                row["expires_at"],
                row["used_at"],
                row["class_id"],
                row["invited_by"],
            )
            for row in await connection.fetch(
                "SELECT purpose, expires_at, used_at, class_id, invited_by"
                " FROM account_links LEFT JOIN invitations USING (digest)"
                " WHERE user_id = $1 ORDER BY expires_at",
                user_id,
            )
        ]
        sourced_ids = [
            row["sourced_id"]
            for row in await connection.fetch(
                "SELECT sourced_id FROM oneroster_users WHERE user_id = $1", user_id
            )
        ]
        attempts = [
            CounterData(row["key"], row["hits"], row["expires_at"])
            for row in await connection.fetch(
                f"SELECT key, hits, expires_at FROM attempt_counters WHERE {_COUNTERS_ABOUT}"
                " ORDER BY key",
                *_counter_arguments(counters),
            )
        ]
        return PersonalData(
            account,
            taught,
            enrolled,
            records,
            sessions,
            marks,
            about,
            made,
            links,
            attempts,
            sourced_ids,
        )

    async def erase(
        self, user_id: UUID, name: str, email: str, at: datetime, counters: CountersAbout
    ) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "UPDATE users SET name = $2, email = $3, password = $4, erased_at = $5 WHERE id = $1",
            user_id,
            name,
            email,
            NO_PASSWORD,
            at,
        )
        await connection.execute("DELETE FROM account_links WHERE user_id = $1", user_id)
        # The SIS's id names them too; kept, a nightly sync would write them back onto the
        # erased account (without it, a SIS that still lists them makes a new account).
        await connection.execute("DELETE FROM oneroster_users WHERE user_id = $1", user_id)
        await connection.execute(
            f"DELETE FROM attempt_counters WHERE {_COUNTERS_ABOUT}", *_counter_arguments(counters)
        )
        await connection.execute(
            "UPDATE attendance_corrections SET note = NULL"
            " WHERE student_id = $1 AND note IS NOT NULL",
            user_id,
        )

    async def delete_started_before(self, cutoff: datetime, sessions: int) -> Retained:
        connection = await self._db.transaction()
        row = await connection.fetchrow(_DELETE_STARTED_BEFORE, cutoff, sessions)
        assert row is not None  # an aggregate: always one row
        return Retained(cutoff, row["sessions"], row["records"], row["marks"], row["corrections"])

    async def delete_expired_counters(self, now: datetime) -> int:
        connection = await self._db.connection()
        status: str = await connection.execute(
            "DELETE FROM attempt_counters WHERE expires_at <= $1", now
        )
        return int(status.rsplit(" ", 1)[-1])  # "DELETE <rows>"
