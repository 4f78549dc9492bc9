"""The account links' table (domain/account_links.py)."""

from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

from domain.account_links import AccountLink, LinkPurpose
from infrastructure.database.connector import Connector

# One statement: of racing uses of one link, one finds it unused and marks it.
_USE = """
UPDATE account_links SET used_at = $3
WHERE digest = $1 AND purpose = ANY($2::text[]) AND used_at IS NULL AND expires_at > $3
RETURNING user_id
"""

# The account's row is locked first (until commit), so that of two links issued at once the
# second retires the first: it waits for the lock, and its next statement sees the first link.
# (Two statements: one statement's snapshot would be taken before the wait.)
_LOCK_ACCOUNT = "SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE"
_RETIRE = """
DELETE FROM account_links WHERE user_id = $1 AND purpose = ANY($2::text[]) AND used_at IS NULL
RETURNING digest
"""


def _names(purposes: Collection[LinkPurpose]) -> list[str]:
    return [purpose.value for purpose in purposes]


class SqlAccountLinkRepository:
    def __init__(self, connector: Connector) -> None:
        self._db = connector

    async def add(self, link: AccountLink) -> None:
        connection = await self._db.transaction()
        await connection.execute(
            "INSERT INTO account_links (digest, purpose, user_id, expires_at)"
            " VALUES ($1, $2, $3, $4)",
            link.digest,
            link.purpose.value,
            link.user_id,
            link.expires_at,
        )

    async def add_many(self, links: Sequence[AccountLink]) -> None:
        if not links:
            return
        connection = await self._db.transaction()
        await connection.execute(
            "INSERT INTO account_links (digest, purpose, user_id, expires_at)"
            " SELECT * FROM unnest($1::bytea[], $2::text[], $3::uuid[], $4::timestamptz[])",
            [link.digest for link in links],
            [link.purpose.value for link in links],
            [link.user_id for link in links],
            [link.expires_at for link in links],
        )

    async def use(
        self, digest: bytes, purposes: Collection[LinkPurpose], now: datetime
    ) -> UUID | None:
        connection = await self._db.transaction()
        user_id: UUID | None = await connection.fetchval(_USE, digest, _names(purposes), now)
        return user_id

    async def retire(self, user_id: UUID, purposes: Collection[LinkPurpose]) -> int:
        connection = await self._db.transaction()
        await connection.execute(_LOCK_ACCOUNT, user_id)
        retired = await connection.fetch(_RETIRE, user_id, _names(purposes))
        return len(retired)
