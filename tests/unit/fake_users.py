"""The users' table, in memory (for tests/unit/fakes.py's unit of work)."""

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from domain.errors import EmailAlreadyExists
from domain.users import Role, User, UserQuery


def kept(user: User) -> User:
    """What a database keeps of a user: its state, not the events it recorded."""
    return replace(user, events=[])


class FakeUsers:
    def __init__(self, users: dict[UUID, User]) -> None:
        self._users = users

    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        return self._users.get(user_id)

    async def get_by_email(self, email: str) -> User | None:
        return next((u for u in self._users.values() if u.email.lower() == email.lower()), None)

    async def add(self, user: User) -> None:
        if await self.get_by_email(user.email) is not None:
            raise EmailAlreadyExists(user.email)
        self._users[user.id] = kept(user)

    async def add_if_new(self, user: User) -> User:
        found = await self.get_by_email(user.email)
        if found is None:
            self._users[user.id] = kept(user)
            return user
        return found

    async def save(self, user: User) -> None:
        self._users[user.id] = kept(user)

    async def search(self, query: UserQuery) -> list[User]:
        search = (query.search or "").lower()
        found = sorted(
            (
                u
                for u in self._users.values()
                if (query.role is None or u.role is query.role)
                and (query.status is None or u.status is query.status)
                and (u.name.lower().startswith(search) or u.email.lower().startswith(search))
            ),
            key=lambda u: (u.name, str(u.id)),
        )
        return found[query.offset : query.offset + query.limit]

    async def lock_admins(self) -> list[UUID]:
        return sorted(
            (u.id for u in self._users.values() if u.role is Role.ADMIN and u.is_active), key=str
        )

    async def revoked_since(self, moment: datetime) -> list[User]:
        return [
            u
            for u in self._users.values()
            if u.tokens_valid_from is not None and u.tokens_valid_from > moment
        ]
