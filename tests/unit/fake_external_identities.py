"""The links from a provider's subject to an account, in memory (for tests/unit/fakes.py's
unit of work)."""

from datetime import datetime
from uuid import UUID


class FakeExternalIdentities:
    def __init__(self, links: dict[tuple[str, str], UUID]) -> None:
        self._links = links  # (issuer, subject) -> the account

    async def find_user(self, issuer: str, subject: str) -> UUID | None:
        return self._links.get((issuer, subject))

    async def link(
        self, issuer: str, subject: str, user_id: UUID, email: str, now: datetime
    ) -> UUID | None:
        if (issuer, subject) in self._links:
            return self._links[(issuer, subject)]
        if any(i == issuer and u == user_id for (i, _), u in self._links.items()):
            return None  # one subject per issuer per account
        self._links[(issuer, subject)] = user_id
        return user_id
