"""The ports of single sign-on (domain/sign_in.py): the providers, the browser's sealed
pending sign-in, and the remembered link from a provider's subject to an account."""

from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.sign_in import ExternalIdentity, PendingSignIn, SignInCallback, SignInProvider


class ExternalIdentityRepository(Protocol):
    """Which account each provider's subject signs in to (domain/sign_in.py)."""

    async def find_user(self, issuer: str, subject: str) -> UUID | None: ...

    async def link(
        self, issuer: str, subject: str, user_id: UUID, email: str, now: datetime
    ) -> UUID | None:
        """Links the subject to the account, unless it is linked already: answers the account
        it is linked to now (this one, or the one a racing first sign-in linked it to). None,
        and nothing linked, when the account is linked to another subject of that issuer."""
        ...


class IdentityProviders(Protocol):
    """The OpenID Connect providers people sign in with. Every method raises
    SignInRefused: UNAVAILABLE when the provider cannot be reached, REFUSED when its answer
    does not check out."""

    def providers(self) -> list[SignInProvider]: ...

    async def begin(self, key: str, redirect_uri: str) -> tuple[str, PendingSignIn]:
        """The address of the provider's sign-in page for a new sign-in (with fresh state,
        nonce and PKCE verifier), and what the callback must find again."""
        ...

    async def finish(
        self, callback: SignInCallback, pending: PendingSignIn, redirect_uri: str
    ) -> ExternalIdentity:
        """Redeems the callback's code (with the PKCE verifier) and checks the ID token:
        its signature against the provider's keys, issuer, audience, expiry and nonce."""
        ...


class PendingSignInSeal(Protocol):
    """Seals a pending sign-in for the browser to keep (tamper-evident, expiring)."""

    def seal(self, pending: PendingSignIn, expires_at: datetime) -> str: ...

    def open(self, sealed: str, now: datetime) -> PendingSignIn | None:
        """None for anything but an unexpired seal of ours."""
        ...
