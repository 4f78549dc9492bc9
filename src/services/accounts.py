"""One-time links that act for an account (domain/account_links.py), and what they let their
holder do: choose the account's password. Every new password revokes the account's earlier
tokens, on every server process (the event bus carries TokensRevoked)."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from domain.account_links import AccountLink, LinkPurpose, token_digest
from domain.errors import EmailAlreadyExists, InvalidLink, UserNotFound
from domain.ports import Clock, EventBus, PasswordHasher, UnitOfWork, UnitOfWorkFactory
from domain.users import NO_PASSWORD, Role, User

# How long a link to set a first password works.
SET_PASSWORD_LINK_LIFETIME = timedelta(hours=72)


def new_link_token() -> str:
    return secrets.token_urlsafe(32)  # 256 random bits


@dataclass(frozen=True, slots=True)
class IssuedLink:
    token: str  # goes into the link, and nowhere else: only its digest is kept
    expires_at: datetime


class AccountService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        events: EventBus,
        new_token: Callable[[], str] = new_link_token,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._events = events
        self._new_token = new_token

    async def issue_link(
        self, user_id: UUID, purpose: LinkPurpose, lifetime: timedelta
    ) -> IssuedLink:
        token = self._new_token()
        expires_at = self._clock.now() + lifetime
        async with self._uow() as uow:
            if await uow.users.get(user_id) is None:
                raise UserNotFound(user_id)
            await uow.account_links.add(
                AccountLink(token_digest(token), purpose, user_id, expires_at)
            )
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
        """Uses a set-password link: the account's password is the one chosen. The link works
        once; a used, expired or unknown one is refused (InvalidLink)."""
        # Hashed before the link is used, with no connection held while bcrypt runs.
        password_hash = await self._hasher.hash(password)
        async with self._uow() as uow:
            user_id = await uow.account_links.use(
                token_digest(token), LinkPurpose.SET_PASSWORD, self._clock.now()
            )
            user = await self._new_password(uow, user_id, password_hash) if user_id else None
            if user is None:
                raise InvalidLink()
        await self._events.publish(*user.events)
        return user

    async def change_password(self, user_id: UUID, password: str) -> User:
        """The account's password becomes this one (its holder proved they may change it)."""
        password_hash = await self._hasher.hash(password)
        async with self._uow() as uow:
            user = await self._new_password(uow, user_id, password_hash)
            if user is None:
                raise UserNotFound(user_id)
        await self._events.publish(*user.events)
        return user

    async def _new_password(
        self, uow: UnitOfWork, user_id: UUID, password_hash: str
    ) -> User | None:
        """Stores the new password and commits (None, and nothing done, without the account);
        every token of the account issued before stops working (the events to publish are
        the user's)."""
        user = await uow.users.get(user_id, for_update=True)
        if user is None:
            return None
        user.change_password(password_hash, self._clock.now())
        await uow.users.save(user)
        await uow.commit()
        return user
