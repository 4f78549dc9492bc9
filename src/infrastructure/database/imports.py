"""The imports' reads and writes in bulk (domain/import_ports.py): each is one statement over
arrays (unnest), whatever the number of rows, on the unit of work's connection."""

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from domain.classrooms import Classroom
from domain.errors import EmailAlreadyExists
from domain.users import User
from infrastructure.database.connector import Connector
from infrastructure.database.pool import Connection
from infrastructure.database.rows import USER_COLUMNS, classroom_from, user_from

# The advisory lock imports take, one at a time across every process (any constant will do;
# this one is "imports" in ASCII).
IMPORTS_LOCK = 0x696D706F727473

_CLASSES_NAMED = """
SELECT * FROM classes
WHERE NOT archived AND lower(class_name) = ANY($1::text[]) AND ($2::uuid IS NULL OR teacher_id = $2)
ORDER BY id"""

_SAVE_ROSTERS = """
UPDATE classes c SET student_ids = coalesce(r.ids, '{}')
FROM (
    SELECT class_id, array_agg(student_id ORDER BY n) FILTER (WHERE student_id IS NOT NULL) AS ids
    FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS t(class_id, student_id, n)
    GROUP BY class_id
) r
WHERE c.id = r.class_id"""


def _locked(sql: str, lock: bool) -> str:
    return f"{sql} FOR UPDATE" if lock else sql


class SqlImportRepository:
    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def _connection(self, lock: bool) -> Connection:
        return await (self._db.transaction() if lock else self._db.connection())

    async def take_turn(self) -> None:
        connection = await self._db.transaction()
        await connection.execute("SELECT pg_advisory_xact_lock($1)", IMPORTS_LOCK)

    async def users_by_email(self, emails: Sequence[str], *, lock: bool = False) -> list[User]:
        connection = await self._connection(lock)
        sql = f"SELECT {USER_COLUMNS} FROM users WHERE lower(email) = ANY($1::text[]) ORDER BY id"
        rows = await connection.fetch(
            f"{sql} FOR SHARE" if lock else sql, sorted({e.lower() for e in emails})
        )
        return [user_from(row) for row in rows]

    async def classes_named(
        self, names: Sequence[str], teacher_id: UUID | None = None, *, lock: bool = False
    ) -> list[Classroom]:
        connection = await self._connection(lock)
        rows = await connection.fetch(
            _locked(_CLASSES_NAMED, lock), sorted({n.lower() for n in names}), teacher_id
        )
        return [classroom_from(row) for row in rows]

    async def add_users(self, users: Sequence[User]) -> None:
        if not users:
            return
        connection = await self._db.transaction()
        try:
            await connection.execute(
                "INSERT INTO users (id, name, email, password, role)"  # new: active, no revocation
                " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])",
                [u.id for u in users],
                [u.name for u in users],
                [u.email for u in users],
                [u.password_hash for u in users],
                [u.role.value for u in users],
            )
        except asyncpg.UniqueViolationError as error:
            raise EmailAlreadyExists(None) from error

    async def change_users(self, users: Sequence[User]) -> None:
        if not users:
            return
        connection = await self._db.transaction()
        try:
            await connection.execute(
                "UPDATE users u SET name = v.name, email = v.email"
                " FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, name, email)"
                " WHERE u.id = v.id",
                [u.id for u in users],
                [u.name for u in users],
                [u.email for u in users],
            )
        except asyncpg.UniqueViolationError as error:
            raise EmailAlreadyExists(None) from error

    async def add_classes(self, classes: Sequence[Classroom]) -> None:
        if not classes:
            return
        connection = await self._db.transaction()
        await connection.execute(
            "INSERT INTO classes (id, class_name, teacher_id, archived)"
            " SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::boolean[])",
            [c.id for c in classes],
            [c.class_name for c in classes],
            [c.teacher_id for c in classes],
            [c.archived for c in classes],
        )
        await self._save_rosters(connection, classes)

    async def save_classes(self, classes: Sequence[Classroom]) -> None:
        if not classes:
            return
        connection = await self._db.transaction()
        await connection.execute(
            "UPDATE classes c"
            " SET class_name = v.name, teacher_id = v.teacher_id, archived = v.archived"
            " FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::boolean[])"
            "  AS v(id, name, teacher_id, archived)"
            " WHERE c.id = v.id",
            [c.id for c in classes],
            [c.class_name for c in classes],
            [c.teacher_id for c in classes],
            [c.archived for c in classes],
        )
        await self._save_rosters(connection, classes)

    @staticmethod
    async def _save_rosters(connection: Connection, classes: Sequence[Classroom]) -> None:
        # One (class, student) pair per enrolment, in roster order; an empty roster is one
        # (class, NULL) pair.
        class_ids: list[UUID] = []
        student_ids: list[UUID | None] = []
        for classroom in classes:
            roster: list[UUID | None] = list(classroom.student_ids) or [None]
            class_ids.extend([classroom.id] * len(roster))
            student_ids.extend(roster)
        await connection.execute(_SAVE_ROSTERS, class_ids, student_ids)

    async def synced_users(self, *, lock: bool = False) -> dict[str, User]:
        connection = await self._connection(lock)
        sql = (
            f"SELECT o.sourced_id, {', '.join(f'u.{c}' for c in USER_COLUMNS.split(', '))}"
            " FROM oneroster_users o JOIN users u ON u.id = o.user_id ORDER BY u.id"
        )
        rows = await connection.fetch(f"{sql} FOR UPDATE OF u" if lock else sql)
        return {row["sourced_id"]: user_from(row) for row in rows}

    async def deactivated_by_sync(self) -> frozenset[UUID]:
        connection = await self._db.connection()
        rows = await connection.fetch(
            "SELECT o.user_id FROM oneroster_users o JOIN users u ON u.id = o.user_id"
            " WHERE o.deactivated_at = u.deactivated_at"
        )
        return frozenset(row["user_id"] for row in rows)

    async def save_sync_standings(self, users: Sequence[User]) -> None:
        if not users:
            return
        connection = await self._db.transaction()
        ids = [u.id for u in users]
        deactivated = [u.deactivated_at for u in users]
        await connection.execute(
            "UPDATE users u SET deactivated_at = v.deactivated_at, tokens_valid_from = v.valid_from"
            " FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[])"
            "  AS v(id, deactivated_at, valid_from)"
            " WHERE u.id = v.id",
            ids,
            deactivated,
            [u.tokens_valid_from for u in users],
        )
        # The same moment on both sides marks the deactivation as the sync's own.
        await connection.execute(
            "UPDATE oneroster_users o SET deactivated_at = v.deactivated_at"
            " FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, deactivated_at)"
            " WHERE o.user_id = v.id",
            ids,
            deactivated,
        )

    async def synced_classes(self, *, lock: bool = False) -> dict[str, Classroom]:
        connection = await self._connection(lock)
        sql = (
            "SELECT o.sourced_id, c.* FROM oneroster_classes o JOIN classes c ON c.id = o.class_id"
            " ORDER BY c.id"
        )
        rows = await connection.fetch(f"{sql} FOR UPDATE OF c" if lock else sql)
        return {row["sourced_id"]: classroom_from(row) for row in rows}

    async def link_sourced_ids(
        self, users: Sequence[tuple[str, UUID]], classes: Sequence[tuple[str, UUID]]
    ) -> None:
        connection = await self._db.transaction()
        if users:
            await connection.execute(
                "INSERT INTO oneroster_users (sourced_id, user_id)"
                " SELECT * FROM unnest($1::text[], $2::uuid[])",
                [sourced_id for sourced_id, _ in users],
                [user_id for _, user_id in users],
            )
        if classes:
            await connection.execute(
                "INSERT INTO oneroster_classes (sourced_id, class_id)"
                " SELECT * FROM unnest($1::text[], $2::uuid[])",
                [sourced_id for sourced_id, _ in classes],
                [class_id for _, class_id in classes],
            )
