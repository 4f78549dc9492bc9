"""The account links' table, in memory (for tests/unit/fakes.py's unit of work)."""

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from domain.account_links import AccountLink, LinkPurpose


class FakeAccountLinks:
    def __init__(self, links: dict[bytes, tuple[AccountLink, datetime | None]]) -> None:
        self._links = links  # digest -> (the link, when it was used)

    async def add(self, link: AccountLink) -> None:
        self._links[link.digest] = (link, None)

    async def add_many(self, links: list[AccountLink]) -> None:
        for link in links:
            await self.add(link)

    async def use(
        self, digest: bytes, purposes: Collection[LinkPurpose], now: datetime
    ) -> UUID | None:
        found = self._links.get(digest)
        if found is None:
            return None
        link, used_at = found
        if link.purpose not in purposes or used_at is not None or link.expires_at <= now:
            return None
        self._links[digest] = (link, now)
        return link.user_id

    async def retire(self, user_id: UUID, purposes: Collection[LinkPurpose]) -> int:
        retired = [
            digest
            for digest, (link, used_at) in self._links.items()
            if link.user_id == user_id and link.purpose in purposes and used_at is None
        ]
        for digest in retired:
            del self._links[digest]
        return len(retired)
