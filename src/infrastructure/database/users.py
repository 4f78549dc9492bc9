"""The users' repository, in SQL on asyncpg, on the unit of work's connection (Connector).

An erased account (see database/privacy.py) is no user to it: not found, not listed, not an
administrator; its rows stay for the records that name it."""

from datetime import datetime
from uuid import UUID

import asyncpg

from domain.errors import EmailAlreadyExists
from domain.users import User, UserQuery
from infrastructure.database.connector import Connector
from infrastructure.database.rows import ACCOUNT_STATUS, USER_COLUMNS, user_from

NOT_ERASED = "erased_at IS NULL"


_INSERT = f"INSERT INTO users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"


def _values(user: User) -> tuple[object, ...]:
    """The account's row, in USER_COLUMNS' order."""
    return (
        user.id,
        user.name,
        user.email,
        user.password_hash,
        user.role.value,
        user.deactivated_at,
        user.tokens_valid_from,
    )


class SqlUserRepository:
    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        if for_update:
            connection = await self._db.transaction()
            lock = " FOR UPDATE"
        else:
            connection = await self._db.connection()
            lock = ""
        row = await connection.fetchrow(
            f"SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND {NOT_ERASED}{lock}", user_id
        )
        return user_from(row) if row else None

    async def get_by_email(self, email: str) -> User | None:
        connection = await self._db.connection()
        row = await connection.fetchrow(
            f"SELECT {USER_COLUMNS} FROM users WHERE lower(email) = lower($1) AND {NOT_ERASED}",
            email,
        )
        return user_from(row) if row else None

    async def add(self, user: User) -> None:
        connection = await self._db.transaction()
        try:
            await connection.execute(_INSERT, *_values(user))
        except asyncpg.UniqueViolationError as error:
            raise EmailAlreadyExists(user.email) from error

    async def add_if_new(self, user: User) -> User:
        connection = await self._db.transaction()
        # Waits for another transaction adding the email, then adds nothing; the account it
        # added is then read (committed by then).
        row = await connection.fetchrow(
            f"{_INSERT} ON CONFLICT ((lower(email))) DO NOTHING RETURNING {USER_COLUMNS}",
            *_values(user),
        )
        if row is not None:
            return user_from(row)
        found = await self.get_by_email(user.email)
        if found is None:  # the other transaction's account was rolled back: try again
            return await self.add_if_new(user)
        return found

    async def save(self, user: User) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "UPDATE users SET name = $2, password = $3, role = $4, deactivated_at = $5,"
            " tokens_valid_from = $6 WHERE id = $1",
            user.id,
            user.name,
            user.password_hash,
            user.role.value,
            user.deactivated_at,
            user.tokens_valid_from,
        )

    async def search(self, query: UserQuery) -> list[User]:
        connection = await self._db.connection()
        rows = await connection.fetch(
            f"SELECT {USER_COLUMNS} FROM users"
            f" WHERE {NOT_ERASED} AND ($1::text IS NULL OR role = $1)"
            " AND ($2::text IS NULL OR starts_with(lower(name), lower($2))"
            "  OR starts_with(lower(email), lower($2)))"
            f" AND ($5::text IS NULL OR {ACCOUNT_STATUS} = $5)"
            " ORDER BY name, id LIMIT $3 OFFSET $4",
            query.role.value if query.role else None,
            query.search,
            query.limit,
            query.offset,
            query.status.value if query.status else None,
        )
        return [user_from(row) for row in rows]

    async def lock_admins(self) -> list[UUID]:
        connection = await self._db.transaction()
        rows = await connection.fetch(
            "SELECT id FROM users WHERE role = 'admin' AND deactivated_at IS NULL"
            f" AND {NOT_ERASED} ORDER BY id FOR UPDATE"
        )
        return [row["id"] for row in rows]

    async def revoked_since(self, moment: datetime) -> list[User]:
        connection = await self._db.connection()
        rows = await connection.fetch(
            f"SELECT {USER_COLUMNS} FROM users WHERE tokens_valid_from > $1", moment
        )
        return [user_from(row) for row in rows]
