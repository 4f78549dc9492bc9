"""One-time links that act for an account (domain/account_links.py), and what they let their
holder do: choose the account's password (a first one: a new administrator's or an
invitation's; or a new one in place of a forgotten one). Every new password revokes the
account's earlier tokens, on every server process (the event bus carries TokensRevoked)."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from domain.account_links import (
    ONE_AT_A_TIME,
    PASSWORD_LINKS,
    AccountLink,
    LinkPurpose,
    token_digest,
)
from domain.account_ports import AccountLinkRepository
from domain.errors import EmailAlreadyExists, InvalidLink, StudentNotFound, UserNotFound
from domain.ports import (
    Clock,
    EventBus,
    PasswordHasher,
    UnitOfWork,
    UnitOfWorkFactory,
)
from domain.users import NO_PASSWORD, Identity, Role, User
from services.classes import load_owned_class

# How long a link to set a first password works.
SET_PASSWORD_LINK_LIFETIME = timedelta(hours=72)
# How long a password reset link works, unless configured (never over an hour).
RESET_LINK_LIFETIME = timedelta(minutes=30)


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
    """Keeps a new link of the account: its token's digest, never the token. For a purpose of
    one link at a time, the account's older unused ones stop working."""
    if purpose in ONE_AT_A_TIME:
        await links.retire(user_id, {purpose})
    link = AccountLink(token_digest(token), purpose, user_id, expires_at)
    await links.add(link)
    return link


class AccountService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        events: EventBus,
        new_token: Callable[[], str] = new_link_token,
        *,
        reset_link_lifetime: timedelta = RESET_LINK_LIFETIME,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._events = events
        self._new_token = new_token
        self._reset_link_lifetime = reset_link_lifetime

    async def issue_link(
        self, user_id: UUID, purpose: LinkPurpose, lifetime: timedelta
    ) -> IssuedLink:
        async with self._uow() as uow:
            if await uow.users.get(user_id) is None:
                raise UserNotFound(user_id)
            link = await self._add_link(uow, user_id, purpose, lifetime)
            await uow.commit()
        return link

    async def _add_link(
        self, uow: UnitOfWork, user_id: UUID, purpose: LinkPurpose, lifetime: timedelta
    ) -> IssuedLink:
        token = self._new_token()
        link = await add_link(
            uow.account_links, user_id, purpose, token, self._clock.now() + lifetime
        )
        return IssuedLink(token, link.expires_at)

    async def reset_link(self, user_id: UUID) -> IssuedLink:
        """A link with which the account's password is chosen anew (its older reset links stop
        working): emailed to its owner, or made by an administrator to hand over."""
        return await self.issue_link(user_id, LinkPurpose.RESET_PASSWORD, self._reset_link_lifetime)

    async def reset_link_for_student(
        self, teacher: Identity, class_id: UUID, student_id: UUID | None
    ) -> IssuedLink:
        """A reset link a teacher hands to a student of their own class. Checked in the class
        routes' order: the class exists, the teacher owns it, the student is enrolled in it;
        and the account is a student's still (one enrolled, then made a teacher or an
        administrator, is not the teacher's to reset)."""
        async with self._uow() as uow:
            classroom = await load_owned_class(uow.classes, teacher, class_id)
            if student_id is None or not classroom.has_student(student_id):
                raise StudentNotFound(student_id)
            student = await uow.users.get(student_id)
            if student is None or student.role is not Role.STUDENT:
                raise StudentNotFound(student_id)
            link = await self._add_link(
                uow, student_id, LinkPurpose.RESET_PASSWORD, self._reset_link_lifetime
            )
            await uow.commit()
        return link

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
        """Uses a set-password, invitation or reset link: the account's password is the one
        chosen, and the account's other password links stop working. A link works once; a used,
        expired or unknown one is refused (InvalidLink)."""
        # Hashed before the link is used, with no connection held while bcrypt runs.
        password_hash = await self._hasher.hash(password)
        now = self._clock.now()
        async with self._uow() as uow:
            user_id = await uow.account_links.use(token_digest(token), PASSWORD_LINKS, now)
            user = await self._new_password(uow, user_id, password_hash) if user_id else None
            if user is None:
                raise InvalidLink()
            await uow.account_links.retire(user.id, PASSWORD_LINKS)
            await uow.commit()
        await self._events.publish(*user.events)
        return user

    async def change_password(self, user_id: UUID, password: str) -> User:
        """The account's password becomes this one (its holder proved they may change it)."""
        password_hash = await self._hasher.hash(password)
        async with self._uow() as uow:
            user = await self._new_password(uow, user_id, password_hash)
            if user is None:
                raise UserNotFound(user_id)
            await uow.commit()
        await self._events.publish(*user.events)
        return user

    async def _new_password(
        self, uow: UnitOfWork, user_id: UUID, password_hash: str
    ) -> User | None:
        """Stores the new password, to commit (None, and nothing done, without the account);
        every token of the account issued before stops working (the events to publish after
        the commit are the user's)."""
        user = await uow.users.get(user_id, for_update=True)
        if user is None:
            return None
        user.change_password(password_hash, self._clock.now())
        await uow.users.save(user)
        return user
