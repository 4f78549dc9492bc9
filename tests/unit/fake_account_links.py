"""The account links' table, in memory (for tests/unit/fakes.py's unit of work)."""

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

    async def use(self, digest: bytes, purpose: LinkPurpose, now: datetime) -> UUID | None:
        found = self._links.get(digest)
        if found is None:
            return None
        link, used_at = found
        if link.purpose is not purpose or used_at is not None or link.expires_at <= now:
            return None
        self._links[digest] = (link, now)
        return link.user_id
