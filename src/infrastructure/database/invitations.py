"""The invitations' table (domain/invitations.py): what an invitation link is for, beside the
link itself (account_links, whose row it goes with)."""

import asyncpg

from domain.invitations import Invitation, PendingInvitation
from domain.users import NO_PASSWORD, Role
from infrastructure.database.connector import Connector

# An invitation with its unused link, the invitee's account, the class and the inviter.
_PENDING = """
SELECT u.id AS user_id, u.name, u.email, u.role, i.class_id, c.class_name,
       i.invited_by, b.name AS invited_by_name, i.invited_at, l.expires_at
FROM invitations i
JOIN account_links l ON l.digest = i.digest AND l.used_at IS NULL
JOIN users u ON u.id = l.user_id
LEFT JOIN classes c ON c.id = i.class_id
LEFT JOIN users b ON b.id = i.invited_by
"""


def _pending_from(row: asyncpg.Record) -> PendingInvitation:
    return PendingInvitation(
        user_id=row["user_id"],
        name=row["name"],
        email=row["email"],
        role=Role(row["role"]),
        class_id=row["class_id"],
        class_name=row["class_name"],
        invited_by=row["invited_by"],
        invited_by_name=row["invited_by_name"],
        invited_at=row["invited_at"],
        expires_at=row["expires_at"],
    )


class SqlInvitationRepository:
    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def add(self, invitation: Invitation) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "INSERT INTO invitations (digest, class_id, invited_by, invited_at)"
            " VALUES ($1, $2, $3, $4)",
            invitation.digest,
            invitation.class_id,
            invitation.invited_by,
            invitation.invited_at,
        )

    async def hold_email(self, email: str) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('invite:' || lower($1), 0))", email
        )

    async def find(self, digest: bytes) -> PendingInvitation | None:
        connection = await self._db.connection()
        row = await connection.fetchrow(f"{_PENDING} WHERE i.digest = $1", digest)
        return _pending_from(row) if row else None

    async def pending(self, limit: int, offset: int) -> list[PendingInvitation]:
        connection = await self._db.connection()
        rows = await connection.fetch(
            f"{_PENDING} WHERE u.password = $1 ORDER BY i.invited_at DESC, u.id LIMIT $2 OFFSET $3",
            NO_PASSWORD,
            limit,
            offset,
        )
        return [_pending_from(row) for row in rows]
