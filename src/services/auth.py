from uuid import uuid4

from domain.errors import EmailAlreadyExists, InvalidCredentials, TooManyAttempts, UserNotFound
from domain.ports import AttemptCounter, PasswordHasher, TokenCodec, UnitOfWorkFactory
from domain.throttling import AttemptPolicy
from domain.users import Identity, Role, User


class AuthService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        tokens: TokenCodec,
        attempts: AttemptCounter,
        policy: AttemptPolicy,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens
        self._attempts = attempts
        self._policy = policy

    async def sign_up(
        self, name: str, email: str, password: str, role: Role, client_address: str = ""
    ) -> User:
        """Sign-ups from one address are limited too, against floods."""
        signups = [(self._policy.signups_per_address, client_address)]
        if await self._attempts.exceeded(signups):
            raise TooManyAttempts()
        await self._attempts.record(signups)
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

    async def log_in(self, email: str, password: str, client_address: str = "") -> str:
        """Repeated failures for one email, or from one address, are refused for a while;
        a successful login clears its email's failures."""
        policy = self._policy
        failures = [
            (policy.failed_logins_per_email, email),
            (policy.failed_logins_per_address, client_address),
        ]
        if await self._attempts.exceeded(failures):
            raise TooManyAttempts()
        async with self._uow() as uow:
            user = await uow.users.get_by_email(email)
        password_hash = user.password_hash if user is not None else None
        if not await self._hasher.verify(password, password_hash) or user is None:
            await self._attempts.record(failures)
            raise InvalidCredentials()
        await self._attempts.clear(policy.failed_logins_per_email, email)
        return self._tokens.issue(Identity(user_id=user.id, role=user.role))

    def authenticate(self, token: str) -> Identity:
        return self._tokens.decode(token)

    async def current_user(self, identity: Identity) -> User:
        async with self._uow() as uow:
            user = await uow.users.get(identity.user_id)
        if user is None:
            raise UserNotFound(identity.user_id)
        return user
