import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from uuid import UUID, uuid4

from domain.errors import (
    EmailAlreadyExists,
    InvalidCredentials,
    InvalidToken,
    PasswordLoginOff,
    SignupByInvitationOnly,
    TeacherSignupRefused,
    TooManyAttempts,
    UserNotFound,
)
from domain.ports import AttemptCounter, PasswordHasher, TokenCodec, UnitOfWorkFactory
from domain.throttling import AttemptChecks, AttemptPolicy, LoginChecks
from domain.users import SIGNUP_ROLES, Identity, PasswordLogin, Role, SignupPolicy, User


@dataclass(frozen=True, slots=True)
class LoginResult:
    token: str
    # Kept by the client: the next login to this email from it counts as a trusted device's.
    device_token: str


class KnownAccounts:
    """User ids recently seen in the database, so a token of an account that no longer exists
    is refused without a query on every request: an id is looked up again after
    `ttl_seconds`. Bounded: the oldest are forgotten first."""

    def __init__(self, ttl_seconds: float = 60, capacity: int = 100_000) -> None:
        self._ttl = ttl_seconds
        self._capacity = capacity
        self._seen: dict[UUID, float] = {}

    def recalls(self, user_id: UUID) -> bool:
        seen_until = self._seen.get(user_id)
        return seen_until is not None and seen_until > time.monotonic()

    def remember(self, user_id: UUID) -> None:
        self._seen.pop(user_id, None)
        self._seen[user_id] = time.monotonic() + self._ttl
        if len(self._seen) > self._capacity:
            del self._seen[next(iter(self._seen))]

    def forget(self, user_id: UUID) -> None:
        """The account changed (its role): its next token is checked against the database."""
        self._seen.pop(user_id, None)


class AuthService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        tokens: TokenCodec,
        attempts: AttemptCounter,
        policy: AttemptPolicy,
        known_accounts: KnownAccounts | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        signup: SignupPolicy = SignupPolicy.OPEN,
        password_login: PasswordLogin = PasswordLogin.EVERYONE,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens
        self._attempts = attempts
        self._policy = policy
        self._known_accounts = known_accounts or KnownAccounts()
        self._sleep = sleep
        self._signup = signup
        self.password_login = password_login

    async def sign_up(
        self, name: str, email: str, password: str, role: Role, client_address: str = ""
    ) -> User:
        """The SIGNUP policy is checked first; sign-ups from one address are limited too, against
        floods. Nobody signs up as an administrator, and nobody at all where password login is
        for administrators only (an account made so could not log in)."""
        if self.password_login is PasswordLogin.ADMINS:
            raise PasswordLoginOff()
        if role not in SIGNUP_ROLES or self._signup is SignupPolicy.INVITATION:
            raise SignupByInvitationOnly()
        if role is Role.TEACHER and self._signup is SignupPolicy.STUDENTS:
            raise TeacherSignupRefused()
        if not await self._attempts.take(self._policy.signup_checks(client_address)):
            raise TooManyAttempts()
        async with self._uow() as uow:
            if await uow.users.get_by_email(email) is not None:
                raise EmailAlreadyExists(email)
        # Hash outside the transaction: no connection is held while bcrypt runs.
        password_hash = await self._hasher.hash(password)
        user = User(id=uuid4(), name=name, email=email, password_hash=password_hash, role=role)
        async with self._uow() as uow:
            await uow.users.add(user)
            await uow.commit()
        return user

    async def log_in(
        self,
        email: str,
        password: str,
        client_address: str = "",
        device_token: str | None = None,
    ) -> LoginResult:
        """Each attempt is counted before the password is checked (see AttemptPolicy), and
        given back if it succeeds; a success also clears the caller's own failures. Past the
        per-address count, an attempt from a browser new to the email waits for its turn.
        With PASSWORD_LOGIN=admins, anyone else's right password is refused (PasswordLoginOff):
        checked after the password, so the answer says nothing of an account's role to
        someone who does not know its password."""
        device = self._tokens.device_of(device_token, email) if device_token else None
        checks = self._policy.login_checks(email, client_address, device)
        taken = await self._take_login_checks(checks)
        try:
            async with self._uow() as uow:
                user = await uow.users.get_by_email(email)
            password_hash = user.password_hash if user is not None else None
            matches = await self._hasher.verify(password, password_hash) and user is not None
        except Exception:
            with suppress(Exception):  # not the caller's failure: do not count it
                await self._attempts.give_back(taken)
            raise
        if not matches or user is None:
            raise InvalidCredentials()
        own_allowance, *shared = taken
        await self._attempts.give_back(shared)
        await self._attempts.clear(*own_allowance)
        if self.password_login is PasswordLogin.ADMINS and user.role is not Role.ADMIN:
            raise PasswordLoginOff()
        return LoginResult(
            token=self._tokens.issue(Identity(user_id=user.id, role=user.role)),
            device_token=device_token
            if device is not None and device_token
            else self._tokens.issue_device_token(email),
        )

    async def _take_login_checks(self, checks: LoginChecks) -> AttemptChecks:
        """Counts the attempt: refused over a hard limit; over the per-address count, it
        waits for its turn (refused only if that is further than the longest wait). What
        was counted is returned, its own allowance first."""
        if not await self._attempts.take(checks.hard):
            raise TooManyAttempts()
        if checks.address is None or await self._attempts.take([checks.address]):
            return checks.hard + ([checks.address] if checks.address else [])
        try:
            wait = await self._attempts.turn(*checks.pace) if checks.pace else None
            if wait is None:
                raise TooManyAttempts()
            await self._sleep(wait)
        except BaseException:  # refused, or not the caller's failure: nothing stays counted
            with suppress(Exception):
                await self._attempts.give_back(checks.hard)
            raise
        return checks.hard

    def device_token(self, email: str) -> str:
        """Names a browser that proved it holds the email's account (signed up to it): its
        logins to that email count as a known device's."""
        return self._tokens.issue_device_token(email)

    async def authenticate(self, token: str, *, account_must_exist: bool = True) -> Identity:
        """The identity a token proves. Its account must still exist (looked up at most once a
        minute per account), unless the caller asks about the account itself."""
        identity = self._tokens.decode(token)
        if account_must_exist and not self._known_accounts.recalls(identity.user_id):
            async with self._uow() as uow:
                user = await uow.users.get(identity.user_id)
            if user is None or user.role is not identity.role:
                raise InvalidToken()
            self._known_accounts.remember(identity.user_id)
        return identity

    async def current_user(self, identity: Identity) -> User:
        """Raises UserNotFound when the account is gone, InvalidToken when the token names a
        role the account no longer has."""
        async with self._uow() as uow:
            user = await uow.users.get(identity.user_id)
        if user is None:
            raise UserNotFound(identity.user_id)
        if user.role is not identity.role:
            raise InvalidToken()
        return user
