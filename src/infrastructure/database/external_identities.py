"""The links from a provider's subject to an account (domain/sign_in.py), in SQL."""

from datetime import datetime
from uuid import UUID

from infrastructure.database.connector import Connector


class SqlExternalIdentityRepository:
    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def find_user(self, issuer: str, subject: str) -> UUID | None:
        connection = await self._db.connection()
        user_id: UUID | None = await connection.fetchval(
            "SELECT user_id FROM external_identities WHERE issuer = $1 AND subject = $2",
            issuer,
            subject,
        )
        return user_id

    async def link(
        self, issuer: str, subject: str, user_id: UUID, email: str, now: datetime
    ) -> UUID | None:
        connection = await self._db.transaction()
        # Waits for a racing transaction that links the subject (or the account), then adds
        # nothing: what it linked is read after.
        await connection.execute(
            "INSERT INTO external_identities (issuer, subject, user_id, email, linked_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            issuer,
            subject,
            user_id,
            email,
            now,
        )
        return await self.find_user(issuer, subject)
