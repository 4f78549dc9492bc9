"""What a school administrator does with accounts: list them, change a user's role,
deactivate and reactivate an account. A role change and a deactivation revoke the account's
tokens on every server process (the event bus carries TokensRevoked), which also closes its
open sockets."""

from collections.abc import Callable
from uuid import UUID

from domain.errors import LastActiveAdmin, LastAdmin, UserNotFound
from domain.ports import Clock, EventBus, UnitOfWorkFactory
from domain.users import Role, User, UserQuery

# A change of an account, given the account and the ids of the active administrators.
Change = Callable[[User, list[UUID]], None]


class AdminService:
    def __init__(self, uow: UnitOfWorkFactory, events: EventBus, clock: Clock) -> None:
        self._uow = uow
        self._events = events
        self._clock = clock

    async def list_users(self, query: UserQuery) -> list[User]:
        async with self._uow() as uow:
            return await uow.users.search(query)

    async def change_role(self, user_id: UUID, role: Role) -> User:
        """The user with the new role. The tokens of their old role stop working. The last
        active administrator cannot stop being one (LastAdmin)."""

        def change(user: User, admins: list[UUID]) -> None:
            if role is not Role.ADMIN and admins == [user.id]:
                raise LastAdmin()
            user.change_role(role, self._clock.now())

        return await self._change(user_id, change)

    async def deactivate(self, user_id: UUID) -> User:
        """The account can no longer log in and its tokens stop working; its records stay. The
        last active administrator cannot be deactivated (LastActiveAdmin)."""

        def change(user: User, admins: list[UUID]) -> None:
            if admins == [user.id]:
                raise LastActiveAdmin()
            user.deactivate(self._clock.now())

        return await self._change(user_id, change)

    async def reactivate(self, user_id: UUID) -> User:
        """The account may log in again (its tokens from before stay revoked)."""
        return await self._change(user_id, lambda user, _: user.reactivate())

    async def _change(self, user_id: UUID, change: Change) -> User:
        async with self._uow() as uow:
            # The active administrators are locked first, then the user, in this order for
            # every change: two admins deactivating (or demoting) each other at once take
            # turns, and the second sees the first's change.
            admins = await uow.users.lock_admins()
            user = await uow.users.get(user_id, for_update=True)
            if user is None:
                raise UserNotFound(user_id)
            change(user, admins)
            await uow.users.save(user)
            await uow.commit()
        await self._events.publish(*user.events)
        return user
