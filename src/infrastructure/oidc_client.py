"""OpenID Connect, the relying party's side, through authlib and joserfc: discovery, the
authorization code flow with PKCE, and the ID token checked against the provider's published
keys (fetched again, at a bounded rate, when a token names a key not seen yet: keys rotate).
Nothing of the protocol or of the token's checks is written here by hand; this module only
chooses what the libraries are asked to check.

Every failure becomes SignInRefused: UNAVAILABLE when the provider cannot be reached or
answers nonsense, REFUSED when its answer does not check out."""

import asyncio
import secrets
import time
from collections.abc import Callable
from typing import Any

import httpx2
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from domain.sign_in import (
    ExternalIdentity,
    PendingSignIn,
    SignInCallback,
    SignInFailure,
    SignInProvider,
    SignInRefused,
)
from infrastructure.oidc_config import OidcProviderSettings

# Signatures by a key pair only: never `none`, never HMAC (a provider's public key must never
# serve as a shared secret), whatever the provider's discovery document lists.
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
METADATA_SECONDS = 3600  # discovery and keys are read again after an hour
TRUE_VALUES = (True, "true", "True", "1")  # Entra ID's xms_edov is sometimes sent as text


def _unavailable(what: str, error: Exception) -> SignInRefused:
    return SignInRefused(SignInFailure.UNAVAILABLE, f"{what}: {type(error).__name__}: {error}")


class OidcProvider:
    """One configured provider: its discovery document and keys, cached, and its flows."""

    def __init__(
        self,
        settings: OidcProviderSettings,
        *,
        clock_skew_seconds: int,
        jwks_refetch_seconds: float,
        timeout_seconds: float = 5,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.provider = SignInProvider(
            settings.key, settings.name, frozenset(settings.allowed_domains)
        )
        self._skew = clock_skew_seconds
        self._refetch_seconds = jwks_refetch_seconds
        self._timeout = timeout_seconds
        self._monotonic = monotonic  # when the discovery document and keys were fetched
        self._metadata: OpenIDProviderMetadata | None = None
        self._metadata_at = 0.0
        self._metadata_lock = asyncio.Lock()
        self._keys: KeySet | None = None
        self._keys_at = float("-inf")
        self._keys_lock = asyncio.Lock()

    async def _get_json(self, url: str) -> Any:
        async with httpx2.AsyncClient(timeout=self._timeout, follow_redirects=False) as http:
            response = await http.get(url)
            response.raise_for_status()
            return response.json()

    async def metadata(self) -> OpenIDProviderMetadata:
        """The discovery document (failures are not remembered: the next sign-in asks)."""
        async with self._metadata_lock:
            fresh = self._monotonic() - self._metadata_at < METADATA_SECONDS
            if self._metadata is None or not fresh:
                url = self.settings.issuer + "/.well-known/openid-configuration"
                try:
                    metadata = OpenIDProviderMetadata(await self._get_json(url))
                    metadata.validate()
                except (httpx2.HTTPError, ValueError, TypeError) as error:
                    raise _unavailable("discovery", error) from error
                if metadata.get("issuer") != self.settings.issuer:  # OIDC Discovery 4.3
                    raise SignInRefused(
                        SignInFailure.UNAVAILABLE, "the discovery document names another issuer"
                    )
                self._metadata, self._metadata_at = metadata, self._monotonic()
            return self._metadata

    async def _key_set(self, *, unknown_kid: bool) -> KeySet:
        """The provider's keys; fetched again for a key not seen yet, at most once per
        OIDC_JWKS_REFETCH_SECONDS (so tokens naming made-up keys cannot make every sign-in
        a fetch), and every hour anyway."""
        metadata = await self.metadata()
        async with self._keys_lock:
            age = self._monotonic() - self._keys_at
            stale = age >= METADATA_SECONDS or (unknown_kid and age >= self._refetch_seconds)
            if self._keys is None or stale:
                try:
                    keys = KeySet.import_key_set(await self._get_json(metadata["jwks_uri"]))
                except (httpx2.HTTPError, ValueError, TypeError, JoseError) as error:
                    raise _unavailable("keys", error) from error
                self._keys, self._keys_at = keys, self._monotonic()
            return self._keys

    def _client(self, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            scope=self.settings.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",
            timeout=self._timeout,
            follow_redirects=False,
        )

    async def begin(self, redirect_uri: str) -> tuple[str, PendingSignIn]:
        metadata = await self.metadata()
        pending = PendingSignIn(
            provider=self.settings.key,
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),
        )
        async with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"],
                state=pending.state,
                code_verifier=pending.code_verifier,
                nonce=pending.nonce,
            )
        return url, pending

    async def finish(
        self, callback: SignInCallback, pending: PendingSignIn, redirect_uri: str
    ) -> ExternalIdentity:
        accepted_issuers = [self.settings.issuer, *self.settings.issuer_aliases]
        if callback.issuer is not None and callback.issuer not in accepted_issuers:
            raise SignInRefused(SignInFailure.REFUSED, "the callback names another issuer")
        metadata = await self.metadata()
        try:
            async with self._client(redirect_uri) as client:
                token = await client.fetch_token(
                    metadata["token_endpoint"],
                    code=callback.code,
                    code_verifier=pending.code_verifier,
                )
        except httpx2.HTTPError as error:
            raise _unavailable("token endpoint", error) from error
        except (AuthlibBaseError, ValueError) as error:  # invalid_grant: used code, PKCE...
            raise SignInRefused(SignInFailure.REFUSED, f"token endpoint: {error}") from error
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInRefused(SignInFailure.REFUSED, "no ID token")
        claims = await self._checked_claims(id_token, pending.nonce, token.get("access_token"))
        return self._identity(claims)

    async def _checked_claims(
        self, id_token: str, nonce: str, access_token: object
    ) -> dict[str, Any]:
        metadata = await self.metadata()
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        registry = JWSRegistry(
            algorithms=[alg for alg in offered if alg in ASYMMETRIC], strict_check_header=False
        )
        issuers = [self.settings.issuer, *self.settings.issuer_aliases]
        client_id = self.settings.client_id
        # Written out whole: authlib checks `aud` only when asked to.
        options = {
            "iss": {"essential": True, "values": issuers},
            "aud": {"essential": True, "value": client_id},
            "sub": {"essential": True},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        }
        params = {"nonce": nonce, "client_id": client_id, "access_token": access_token}
        try:
            try:
                keys = await self._key_set(unknown_kid=False)
                token = jwt.decode(id_token, keys, registry=registry)
            except InvalidKeyIdError:  # a key not seen yet: the provider may have rotated
                keys = await self._key_set(unknown_kid=True)
                token = jwt.decode(id_token, keys, registry=registry)
            claims = CodeIDToken(token.claims, token.header, options=options, params=params)
            claims.validate(leeway=self._skew)
        except (JoseError, ValueError) as error:
            raise SignInRefused(
                SignInFailure.REFUSED, f"ID token: {type(error).__name__}: {error}"
            ) from error
        return dict(claims)

    def _identity(self, claims: dict[str, Any]) -> ExternalIdentity:
        email = claims.get("email")
        name = claims.get("name")
        hosted_domain = claims.get("hd")
        return ExternalIdentity(
            issuer=self.settings.issuer,  # one spelling, whichever the token used
            subject=str(claims["sub"]),
            email=email if isinstance(email, str) and email else None,
            email_verified=claims.get(self.settings.email_verified_claim) in TRUE_VALUES,
            name=name if isinstance(name, str) else None,
            hosted_domain=hosted_domain if isinstance(hosted_domain, str) else None,
        )


class OidcIdentityProviders:
    """The configured providers (domain/sign_in_ports.py: IdentityProviders)."""

    def __init__(
        self,
        settings: tuple[OidcProviderSettings, ...],
        *,
        clock_skew_seconds: int,
        jwks_refetch_seconds: float,
    ) -> None:
        self._by_key = {
            provider.key: OidcProvider(
                provider,
                clock_skew_seconds=clock_skew_seconds,
                jwks_refetch_seconds=jwks_refetch_seconds,
            )
            for provider in settings
        }

    def providers(self) -> list[SignInProvider]:
        return [provider.provider for provider in self._by_key.values()]

    def _get(self, key: str) -> OidcProvider:
        provider = self._by_key.get(key)
        if provider is None:
            raise SignInRefused(SignInFailure.UNKNOWN_PROVIDER)
        return provider

    async def begin(self, key: str, redirect_uri: str) -> tuple[str, PendingSignIn]:
        return await self._get(key).begin(redirect_uri)

    async def finish(
        self, callback: SignInCallback, pending: PendingSignIn, redirect_uri: str
    ) -> ExternalIdentity:
        return await self._get(pending.provider).finish(callback, pending, redirect_uri)
