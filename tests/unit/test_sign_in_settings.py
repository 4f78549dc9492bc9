"""Single sign-on's settings (OIDC_PROVIDERS and its neighbours) and the sealed pending
sign-in: read once, checked, and never repeating a secret in an error."""

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import InvalidToken
from domain.sign_in import PendingSignIn
from domain.users import Identity, Role
from infrastructure.oidc_pending import JwtPendingSignInSeal
from infrastructure.security import JwtTokenCodec
from infrastructure.settings import SettingsError, load_settings

SECRET = "s" * 32
CLIENT_SECRET = "client-secret-never-shown"
GOOGLE = {
    "key": "google",
    "name": "Google",
    "issuer": "https://accounts.google.com/",
    "client_id": "id.apps.googleusercontent.com",
    "client_secret": CLIENT_SECRET,
    "allowed_domains": ["@School.example"],
}
PENDING = PendingSignIn("google", "state", "nonce", "verifier")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def providers_problem(*entries: object, raw: str | None = None) -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings({"OIDC_PROVIDERS": raw or json.dumps(list(entries))}, env_file=None)
    (problem,) = raised.value.problems
    assert CLIENT_SECRET not in problem
    return problem


def test_providers_are_read_from_json_and_survive_the_trip_to_the_workers():
    environment = {
        "OIDC_PROVIDERS": json.dumps([GOOGLE]),
        "OIDC_AUTO_CREATE_DOMAINS": "Pupils.School.example, @b.example,",
        "PASSWORD_LOGIN": "admins",
    }
    settings = load_settings(environment, env_file=None)
    (google,) = settings.oidc_providers
    assert (google.issuer, google.allowed_domains) == (
        "https://accounts.google.com",
        ("school.example",),
    )
    assert (google.email_verified_claim, google.scopes) == (
        "email_verified",
        "openid email profile",
    )
    assert CLIENT_SECRET not in repr(google)
    assert settings.oidc_auto_create_domains == ("b.example", "pupils.school.example")
    assert load_settings(settings.as_environment(), env_file=None) == settings
    nothing = load_settings({}, env_file=None)
    assert (nothing.oidc_providers, nothing.password_login) == ((), "everyone")
    assert "OIDC_PROVIDERS" not in nothing.as_environment()


def test_a_bad_provider_is_named_with_what_is_wrong_and_never_its_secret():
    assert "JSON list" in providers_problem(raw="{not json")
    assert "JSON list" in providers_problem(raw=json.dumps(GOOGLE))
    assert "lacks client_id" in providers_problem(
        {k: v for k, v in GOOGLE.items() if k != "client_id"}
    )
    assert "unknown fields: client_secrets" in providers_problem({**GOOGLE, "client_secrets": "x"})
    assert "key must be" in providers_problem({**GOOGLE, "key": "Google Workspace"})
    assert "https" in providers_problem({**GOOGLE, "issuer": "http://idp.example"})
    assert "https" in providers_problem({**GOOGLE, "issuer": "ftp://idp.example"})
    assert "openid" in providers_problem({**GOOGLE, "scopes": "email profile"})
    assert "two providers with the key" in providers_problem(
        GOOGLE, {**GOOGLE, "issuer": "https://b"}
    )
    assert "two providers with the issuer" in providers_problem(GOOGLE, {**GOOGLE, "key": "b"})
    assert "client_secret must be" in providers_problem({**GOOGLE, "client_secret": " "})
    # http only on loopback, where the tests' providers are.
    local = {**GOOGLE, "issuer": "http://127.0.0.1:8080"}
    assert load_settings({"OIDC_PROVIDERS": json.dumps([local])}, env_file=None).oidc_providers


def test_in_production_providers_need_the_public_url():
    production = {
        "NODE_ENV": "production",
        "DATABASE_URL": "postgresql://u:p@db/x",
        "JWT_SECRET": SECRET,
        "CORS_ORIGIN": "https://attendance.school.example",
        "OIDC_PROVIDERS": json.dumps([GOOGLE]),
    }
    with pytest.raises(SettingsError) as raised:
        load_settings(production, env_file=None)
    assert raised.value.problems == [
        "OIDC_PROVIDERS needs PUBLIC_URL in production (the redirect URI)"
    ]
    with_url = {**production, "PUBLIC_URL": "https://attendance.school.example"}
    assert load_settings(with_url, env_file=None).oidc_providers


def test_other_settings_of_single_sign_on_are_checked():
    with pytest.raises(SettingsError) as raised:
        load_settings(
            {
                "PASSWORD_LOGIN": "teachers",
                "OIDC_AUTO_CREATE_DOMAINS": "https://school.example",
                "OIDC_CLOCK_SKEW_SECONDS": "301",
                "OIDC_JWKS_REFETCH_SECONDS": "-1",
            },
            env_file=None,
        )
    assert len(raised.value.problems) == 4


def test_a_pending_sign_in_opens_only_sealed_by_us_and_before_it_expires():
    seal = JwtPendingSignInSeal(SECRET)
    sealed = seal.seal(PENDING, NOW + timedelta(minutes=10))
    assert seal.open(sealed, NOW) == PENDING
    assert seal.open(sealed, NOW + timedelta(minutes=10)) is None
    assert JwtPendingSignInSeal("t" * 32).open(sealed, NOW) is None
    assert seal.open(sealed[:-2], NOW) is None
    assert seal.open("not a seal", NOW) is None


def test_a_pending_sign_in_and_a_login_token_never_pass_for_each_other():
    seal, codec = JwtPendingSignInSeal(SECRET), JwtTokenCodec(SECRET)
    login = codec.issue(Identity(user_id=uuid4(), role=Role.STUDENT))
    assert seal.open(login, NOW) is None
    with pytest.raises(InvalidToken):
        codec.decode(seal.seal(PENDING, datetime.now(UTC) + timedelta(minutes=10)))
