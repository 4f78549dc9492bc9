"""Single sign-on (domain/sign_in.py): a sign-in with a school's OpenID Connect provider
starts here, comes back here, and ends with the token a password login gives.

Matching: a provider's subject once linked signs in to its account for good (its email may
change at the provider); the first time, a verified email finds the account (made by sign-up,
an invitation or an import), or, for the OIDC_AUTO_CREATE_DOMAINS, makes a student's."""

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4

from domain.account_links import LinkPurpose, token_digest
from domain.errors import InvalidLink
from domain.ports import Clock, TokenCodec, UnitOfWork, UnitOfWorkFactory
from domain.sign_in import (
    ExternalIdentity,
    SignInCallback,
    SignInFailure,
    SignInProvider,
    SignInRefused,
    domain_allowed,
    email_domain,
    may_sign_in,
)
from domain.sign_in_ports import IdentityProviders, PendingSignInSeal
from domain.users import NO_PASSWORD, Identity, Role, User
from services.accounts import add_link, new_link_token

# How long a sign-in may stay at the provider (the person typing their password there).
PENDING_LIFETIME = timedelta(minutes=10)
# How long the web client has to exchange the one-time code the callback hands it.
SIGN_IN_CODE_LIFETIME = timedelta(seconds=60)
MAX_NAME_LENGTH = 100  # as at sign-up


@dataclass(frozen=True, slots=True)
class StartedSignIn:
    authorization_url: str  # the provider's sign-in page, where the browser goes
    sealed: str  # the pending sign-in, for the browser to keep until it comes back


class SingleSignOnService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        providers: IdentityProviders,
        seal: PendingSignInSeal,
        tokens: TokenCodec,
        clock: Clock,
        auto_create_domains: frozenset[str] = frozenset(),
        new_token: Callable[[], str] = new_link_token,
    ) -> None:
        self._uow = uow
        self._providers = providers
        self._seal = seal
        self._tokens = tokens
        self._clock = clock
        self._auto_create_domains = auto_create_domains
        self._new_token = new_token

    def providers(self) -> list[SignInProvider]:
        return self._providers.providers()

    def _provider(self, key: str) -> SignInProvider:
        for provider in self._providers.providers():
            if provider.key == key:
                return provider
        raise SignInRefused(SignInFailure.UNKNOWN_PROVIDER)

    async def start(self, key: str, redirect_uri: str) -> StartedSignIn:
        self._provider(key)
        url, pending = await self._providers.begin(key, redirect_uri)
        sealed = self._seal.seal(pending, self._clock.now() + PENDING_LIFETIME)
        return StartedSignIn(url, sealed)

    async def finish(
        self, key: str, callback: SignInCallback, sealed: str | None, redirect_uri: str
    ) -> str:
        """The provider sent the browser back: checks that this browser started this sign-in
        (the sealed state), has the provider check the rest, finds the account, and answers a
        one-time code with which the web client gets its token (exchange)."""
        provider = self._provider(key)
        if callback.error is not None:
            raise SignInRefused(SignInFailure.CANCELLED, f"the provider said {callback.error!r}")
        pending = self._seal.open(sealed, self._clock.now()) if sealed else None
        if pending is None or pending.provider != key:
            raise SignInRefused(SignInFailure.EXPIRED, "no pending sign-in for this provider")
        if not hmac.compare_digest(pending.state.encode(), (callback.state or "").encode()):
            raise SignInRefused(SignInFailure.EXPIRED, "the state is not this browser's")
        if not callback.code:
            raise SignInRefused(SignInFailure.REFUSED, "no code")
        identity = await self._providers.finish(callback, pending, redirect_uri)
        code = self._new_token()
        async with self._uow() as uow:
            user = await self._account_of(uow, provider, identity)
            if not may_sign_in(user):
                raise SignInRefused(SignInFailure.DEACTIVATED)
            expires_at = self._clock.now() + SIGN_IN_CODE_LIFETIME
            await add_link(uow.account_links, user.id, LinkPurpose.SIGN_IN, code, expires_at)
            await uow.commit()
        return code

    async def _account_of(
        self, uow: UnitOfWork, provider: SignInProvider, identity: ExternalIdentity
    ) -> User:
        linked = await uow.external_identities.find_user(identity.issuer, identity.subject)
        if linked is not None:
            user = await uow.users.get(linked)
            if user is not None:
                return user
        if not identity.email_verified or not identity.email:
            raise SignInRefused(SignInFailure.UNVERIFIED_EMAIL)
        if provider.allowed_domains and not domain_allowed(identity, provider.allowed_domains):
            raise SignInRefused(SignInFailure.DOMAIN_NOT_ALLOWED)
        user = await uow.users.get_by_email(identity.email)
        if user is None:
            user = await self._new_student(uow, identity, identity.email)
        now = self._clock.now()
        linked = await uow.external_identities.link(
            identity.issuer, identity.subject, user.id, identity.email, now
        )
        if linked is None:
            raise SignInRefused(SignInFailure.LINKED_ELSEWHERE)
        if linked != user.id:  # a racing first sign-in of the subject linked it meanwhile
            return await self._account_of(uow, provider, identity)
        # Signing in accepts an invitation: its link is no longer pending.
        await uow.account_links.retire(user.id, [LinkPurpose.INVITATION])
        return user

    async def _new_student(self, uow: UnitOfWork, identity: ExternalIdentity, email: str) -> User:
        """A just-in-time account, for the allowed domains only; always a student's."""
        if email_domain(email) not in self._auto_create_domains:
            raise SignInRefused(SignInFailure.NO_ACCOUNT)
        name = (identity.name or "").strip() or email.partition("@")[0]
        student = User(uuid4(), name[:MAX_NAME_LENGTH], email, NO_PASSWORD, Role.STUDENT)
        return await uow.users.add_if_new(student)

    async def exchange(self, code: str) -> str:
        """The token for the one-time code a sign-in's callback handed the web client: the
        same token a password login gives. The code works once, for a minute."""
        async with self._uow() as uow:
            user_id = await uow.account_links.use(
                token_digest(code), [LinkPurpose.SIGN_IN], self._clock.now()
            )
            user = await uow.users.get(user_id) if user_id is not None else None
            if user is None or not may_sign_in(user):
                raise InvalidLink()
            await uow.commit()
        # Dated as a password login's token is, so a revocation of this second refuses it.
        now = self._clock.now()
        return self._tokens.issue(Identity(user_id=user.id, role=user.role), user.token_date(now))
