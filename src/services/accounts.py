"""One-time links that act for an account (domain/account_links.py), and what they let their
holder do: choose the account's password (a new administrator's link, an invitation's)."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from domain.account_links import PASSWORD_CHOOSING, AccountLink, LinkPurpose, token_digest
from domain.errors import EmailAlreadyExists, InvalidLink, UserNotFound
from domain.ports import AccountLinkRepository, Clock, PasswordHasher, UnitOfWorkFactory
from domain.users import NO_PASSWORD, Role, User

# How long a link to set a first password works.
SET_PASSWORD_LINK_LIFETIME = timedelta(hours=72)


def new_link_token() -> str:
    return secrets.token_urlsafe(32)  # 256 random bits


@dataclass(frozen=True, slots=True)
class IssuedLink:
    token: str  # goes into the link, and nowhere else: only its digest is kept
    expires_at: datetime


async def add_link(
    links: AccountLinkRepository,
    user_id: UUID,
    purpose: LinkPurpose,
    token: str,
    expires_at: datetime,
) -> AccountLink:
    """Keeps a new link of the account: its token's digest, never the token."""
    link = AccountLink(token_digest(token), purpose, user_id, expires_at)
    await links.add(link)
    return link


class AccountService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        new_token: Callable[[], str] = new_link_token,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._new_token = new_token

    async def issue_link(
        self, user_id: UUID, purpose: LinkPurpose, lifetime: timedelta
    ) -> IssuedLink:
        token = self._new_token()
        expires_at = self._clock.now() + lifetime
        async with self._uow() as uow:
            if await uow.users.get(user_id) is None:
                raise UserNotFound(user_id)
            await add_link(uow.account_links, user_id, purpose, token, expires_at)
            await uow.commit()
        return IssuedLink(token, expires_at)

    async def create_admin(self, name: str, email: str) -> tuple[User, IssuedLink]:
        """A school administrator's account, and the one-time link with which they choose its
        password (how the first administrator is made, from the command line)."""
        async with self._uow() as uow:
            if await uow.users.get_by_email(email) is not None:
                raise EmailAlreadyExists(email)
        user = User(id=uuid4(), name=name, email=email, password_hash=NO_PASSWORD, role=Role.ADMIN)
        async with self._uow() as uow:
            await uow.users.add(user)
            await uow.commit()
        link = await self.issue_link(user.id, LinkPurpose.SET_PASSWORD, SET_PASSWORD_LINK_LIFETIME)
        return user, link

    async def set_password(self, token: str, password: str) -> User:
        """Uses a set-password or an invitation link: the account's password is the one chosen.
        The link works once; a used, expired or unknown one is refused (InvalidLink)."""
        # Hashed before the link is used, with no connection held while bcrypt runs.
        password_hash = await self._hasher.hash(password)
        async with self._uow() as uow:
            user_id = await uow.account_links.use(
                token_digest(token), PASSWORD_CHOOSING, self._clock.now()
            )
            user = await uow.users.get(user_id) if user_id is not None else None
            if user is None:
                raise InvalidLink()
            await uow.users.set_password_hash(user.id, password_hash)
            await uow.commit()
        return user
