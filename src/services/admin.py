"""What a school administrator does with accounts: list them, change a user's role."""

from collections.abc import Callable
from uuid import UUID

from domain.errors import LastAdmin, UserNotFound
from domain.ports import UnitOfWorkFactory
from domain.users import Role, User, UserQuery


class AdminService:
    def __init__(self, uow: UnitOfWorkFactory, forget_account: Callable[[UUID], None]) -> None:
        """`forget_account` tells this process's authentication that an account changed, so
        tokens of its old role are refused from the next request on."""
        self._uow = uow
        self._forget_account = forget_account

    async def list_users(self, query: UserQuery) -> list[User]:
        async with self._uow() as uow:
            return await uow.users.search(query)

    async def change_role(self, user_id: UUID, role: Role) -> User:
        """The user with the new role. The tokens of their old role stop working. The last
        administrator cannot stop being one (LastAdmin)."""
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise UserNotFound(user_id)
            if user.role is role:
                return user
            if user.role is Role.ADMIN:
                # Locked, so two admins demoting each other at once cannot both succeed.
                admins = await uow.users.lock_admins()
                if user_id in admins and len(admins) <= 1:
                    raise LastAdmin()
            changed = await uow.users.set_role(user_id, role)
            if changed is None:
                raise UserNotFound(user_id)
            await uow.commit()
        self._forget_account(user_id)
        return changed
