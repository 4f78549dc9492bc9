"""The relying party's adapter (infrastructure/oidc_client.py) against the test provider on
loopback, without a server: what only it can show, such as how often it fetches the
provider's keys."""

import asyncio
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from domain.sign_in import SignInCallback, SignInFailure, SignInRefused
from infrastructure.oidc_client import OidcProvider
from infrastructure.oidc_config import OidcProviderSettings
from tests.integration.sign_in.oidc_provider import Knobs, TestProvider

REDIRECT = "http://127.0.0.1:9/auth/oidc/school/callback"  # never followed
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def sign_in(client: OidcProvider):
    url, pending = await client.begin(REDIRECT)
    async with httpx.AsyncClient(timeout=30) as browser:
        back = (await browser.get(url)).headers["location"]
    query = parse_qs(urlsplit(back).query)
    callback = SignInCallback(code=query["code"][0], state=query["state"][0])
    return await client.finish(callback, pending, REDIRECT)


def test_tokens_naming_unknown_keys_make_at_most_one_fetch_of_the_keys_per_interval():
    async def run(provider: TestProvider) -> None:
        settings = OidcProviderSettings("school", "School", provider.issuer, "rp", "rp-secret")
        client = OidcProvider(settings, clock_skew_seconds=60, jwks_refetch_seconds=30)
        identity = await sign_in(client)
        assert identity.subject == "pupil-1" and identity.email_verified
        assert provider.key_fetches == 1
        provider.knobs = Knobs(sign_with_other_key=True)  # a flood of made-up key ids
        for _ in range(5):
            with pytest.raises(SignInRefused) as refused:
                await sign_in(client)
            assert refused.value.failure is SignInFailure.REFUSED
        assert provider.key_fetches == 1
        # A real rotation inside the interval waits for it: then the new key is fetched. The
        # interval is read on a clock of the test's (a rotation makes an RSA key, which on a
        # busy machine can take longer than an interval short enough to wait for).
        provider.knobs = Knobs()
        provider.rotate()
        now = [0.0]
        quick = OidcProvider(
            settings, clock_skew_seconds=60, jwks_refetch_seconds=30, monotonic=lambda: now[0]
        )
        await sign_in(quick)
        provider.rotate()
        now[0] += 29.9
        with pytest.raises(SignInRefused):
            await sign_in(quick)
        assert provider.key_fetches == 2  # the first sign-in's
        now[0] += 0.2
        await sign_in(quick)
        assert provider.key_fetches == 3

    with TestProvider("rp", "rp-secret") as provider:
        provider.allow_redirect(REDIRECT)
        provider.user = {"sub": "pupil-1", "email": "p@school.example", "email_verified": True}
        asyncio.run(run(provider))


def test_an_entra_id_email_is_verified_by_its_own_claim_and_nothing_else():
    async def run(provider: TestProvider) -> None:
        entra = OidcProviderSettings(
            "microsoft", "Microsoft", provider.issuer, "rp", "rp-secret",
            email_verified_claim="xms_edov",
        )  # fmt: skip
        client = OidcProvider(entra, clock_skew_seconds=60, jwks_refetch_seconds=30)
        for claims, verified in (
            ({"xms_edov": True}, True),
            ({"xms_edov": "1"}, True),
            ({"xms_edov": False}, False),
            ({"email_verified": True}, False),  # another claim than the one configured
            ({}, False),
        ):
            provider.user = {"sub": "entra-1", "email": "p@school.example", **claims}
            assert (await sign_in(client)).email_verified is verified, claims

    with TestProvider("rp", "rp-secret") as provider:
        provider.allow_redirect(REDIRECT)
        asyncio.run(run(provider))


def test_an_issuer_alias_is_taken_and_the_link_keeps_the_configured_issuer():
    async def run(provider: TestProvider) -> None:
        google = OidcProviderSettings(
            "google", "Google", provider.issuer, "rp", "rp-secret",
            issuer_aliases=("accounts.google.example",),
        )  # fmt: skip
        provider.knobs = Knobs(issuer="accounts.google.example")  # Google's older spelling
        identity = await sign_in(
            OidcProvider(google, clock_skew_seconds=60, jwks_refetch_seconds=30)
        )
        assert identity.issuer == provider.issuer
        plain = replace(google, issuer_aliases=())
        with pytest.raises(SignInRefused):
            await sign_in(OidcProvider(plain, clock_skew_seconds=60, jwks_refetch_seconds=30))

    with TestProvider("rp", "rp-secret") as provider:
        provider.allow_redirect(REDIRECT)
        provider.user = {"sub": "g-1", "email": "p@school.example", "email_verified": True}
        asyncio.run(run(provider))
