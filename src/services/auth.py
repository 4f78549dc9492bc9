import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from domain.errors import (
    AccountDeactivated,
    EmailAlreadyExists,
    InvalidCredentials,
    InvalidToken,
    PasswordLoginOff,
    SignupByInvitationOnly,
    TeacherSignupRefused,
    TooManyAttempts,
    UserNotFound,
    WrongPassword,
)
from domain.events import LiveMessage
from domain.ports import AttemptCounter, Clock, PasswordHasher, TokenCodec, UnitOfWorkFactory
from domain.throttling import AttemptChecks, AttemptPolicy, LoginChecks
from domain.users import (
    SIGNUP_ROLES,
    Identity,
    IssuedToken,
    PasswordLogin,
    RevocationReason,
    Role,
    SignupPolicy,
    TokensRevoked,
    TokenStanding,
    User,
)
from services.known_accounts import KnownAccounts


@dataclass(frozen=True, slots=True)
class LoginResult:
    token: str
    # Kept by the client: the next login to this email from it counts as a trusted device's.
    device_token: str


class WallClock:
    """The time now (AuthService's clock unless one is given: it dates the tokens)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


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
        clock: Clock | None = None,
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
        self._clock = clock or WallClock()
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
        """A deactivated account is told so only once its password was right: a guesser
        learns nothing from it. With PASSWORD_LOGIN=admins, anyone else's right password is
        refused (PasswordLoginOff), checked after the password too, so the answer says nothing
        of an account's role to someone who does not know its password."""
        device = self._tokens.device_of(device_token, email) if device_token else None
        checked = await self._check_password(email, password, client_address, device)
        if checked is None:
            raise InvalidCredentials()
        user, checked_at = checked
        if not user.is_active:
            raise AccountDeactivated()
        if self.password_login is PasswordLogin.ADMINS and user.role is not Role.ADMIN:
            raise PasswordLoginOff()
        return LoginResult(
            token=self.token_for(user, checked_at),
            device_token=device_token
            if device is not None and device_token
            else self._tokens.issue_device_token(email),
        )

    async def verify_own_password(
        self, identity: Identity, password: str, client_address: str = ""
    ) -> User:
        """The caller's account, when `password` is its password (before it is changed);
        else WrongPassword. Counted as a login to its email from that address, so it guesses
        no faster than a login would."""
        async with self._uow() as uow:
            user = await uow.users.get(identity.user_id)
        if user is None:
            raise UserNotFound(identity.user_id)
        checked = await self._check_password(user.email, password, client_address, None)
        if checked is None or checked[0].id != user.id:
            raise WrongPassword()
        return checked[0]

    def token_for(self, user: User, checked_at: datetime | None = None) -> str:
        """A token of the account, dated when it was checked (now, by default; see
        User.token_date)."""
        issued_at = user.token_date(checked_at or self._clock.now())
        return self._tokens.issue(Identity(user.id, user.role), issued_at)

    async def _check_password(
        self, email: str, password: str, client_address: str, device: str | None
    ) -> tuple[User, datetime] | None:
        """The account of that email, if the password is its own, and when it was read. The
        attempt is counted before the password is checked (see AttemptPolicy), and given back
        if it matches; a match also clears the caller's own failures. Past the per-address
        count, an attempt from a browser new to the email waits for its turn."""
        checks = self._policy.login_checks(email, client_address, device)
        taken = await self._take_login_checks(checks)
        try:
            read_at = self._clock.now()
            async with self._uow() as uow:
                user = await uow.users.get_by_email(email)
            password_hash = user.password_hash if user is not None else None
            matches = await self._hasher.verify(password, password_hash) and user is not None
        except Exception:
            with suppress(Exception):  # not the caller's failure: do not count it
                await self._attempts.give_back(taken)
            raise
        if not matches or user is None:
            return None
        own_allowance, *shared = taken
        await self._attempts.give_back(shared)
        await self._attempts.clear(*own_allowance)
        return user, read_at

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

    async def authenticate(self, token: str, *, account_must_exist: bool = True) -> IssuedToken:
        """What a token proves: who, since when. Its account must accept it (its role, active,
        the token issued since its last revocation), as remembered a while per account and
        forgotten when a revocation is heard; without `account_must_exist`, the caller checks
        the account's standing itself, in the read of it it makes anyway (current_user, the
        live socket's classes), and learns when the account is gone."""
        issued = self._tokens.decode(token)
        if not account_must_exist:
            return issued
        user_id = issued.identity.user_id
        standing = self._known_accounts.recall(user_id) or await self._standing_of(user_id)
        if standing is None or not standing.accepts(issued):
            raise InvalidToken()
        return issued

    async def _standing_of(self, user_id: UUID) -> TokenStanding | None:
        """Read from the database; read again if a revocation was heard meanwhile (the read
        may predate it)."""
        while True:
            read_after = self._known_accounts.forgotten
            async with self._uow() as uow:
                user = await uow.users.get(user_id)
            if read_after == self._known_accounts.forgotten:
                break
        if user is None:
            return None
        if user.is_active:  # a deactivated one is read each time: its reactivation is not heard
            self._known_accounts.remember(user_id, user.standing, read_after)
        return user.standing

    def hear(self, message: LiveMessage) -> None:
        """An event bus subscriber: a revocation heard from any process takes effect here at
        once (see KnownAccounts.hear), and the codec forgets the account's tokens it had
        verified (revocations missed while the bus was away come here too, from
        revocations_since)."""
        self._known_accounts.hear(message)
        if isinstance(message, TokensRevoked):
            self._tokens.forget_tokens_of(message.user_id)

    async def revocations_since(self, moment: datetime) -> list[TokensRevoked]:
        """The revocations made since that moment, for a process that could not hear them
        (its event bus was away). Why each was made is not kept, but for a deactivation."""
        async with self._uow() as uow:
            users = await uow.users.revoked_since(moment)
        return [
            TokensRevoked(
                user.id,
                user.tokens_valid_from,
                RevocationReason.TOKENS_REVOKED if user.is_active else RevocationReason.DEACTIVATED,
            )
            for user in users
            if user.tokens_valid_from is not None
        ]

    async def current_user(self, token: IssuedToken) -> User:
        """Raises UserNotFound when the account is gone, InvalidToken when it no longer accepts
        the token (another role, deactivated, revoked since)."""
        async with self._uow() as uow:
            user = await uow.users.get(token.identity.user_id)
        if user is None:
            raise UserNotFound(token.identity.user_id)
        if not user.standing.accepts(token):
            raise InvalidToken()
        return user
