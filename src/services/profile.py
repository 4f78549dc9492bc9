"""What signed-in users change of their own account: their name, and their password (knowing
the current one). A new password revokes every other token of the account; the caller is
given a fresh one, so the browser that changed it stays signed in."""

from domain.errors import UserNotFound
from domain.ports import UnitOfWorkFactory
from domain.users import Identity, User
from services.accounts import AccountService
from services.auth import AuthService


class ProfileService:
    def __init__(self, uow: UnitOfWorkFactory, auth: AuthService, accounts: AccountService) -> None:
        self._uow = uow
        self._auth = auth
        self._accounts = accounts

    async def rename(self, identity: Identity, name: str) -> User:
        async with self._uow() as uow:
            user = await uow.users.get(identity.user_id, for_update=True)
            if user is None:
                raise UserNotFound(identity.user_id)
            user.rename(name)
            await uow.users.save(user)
            await uow.commit()
        return user

    async def change_password(
        self, identity: Identity, current_password: str, new_password: str, client_address: str
    ) -> str:
        """A token for the caller, issued after the change. A wrong current password is
        WrongPassword, counted as a failed login to the account's email from that address (so
        a stolen token guesses no faster than a login would; past the limits, TooManyAttempts)."""
        await self._auth.verify_own_password(identity, current_password, client_address)
        user = await self._accounts.change_password(identity.user_id, new_password)
        return self._auth.token_for(user)
