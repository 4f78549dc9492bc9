"""A server with single sign-on on: providers the tests start on loopback before it, each in
this process (so a test can change what one answers), and PASSWORD_LOGIN=admins. It shares
the database with the other tests' server, whose accounts it signs in to."""

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import oidc_provider_mock
import pytest

from tests.integration.server import ServerProcess
from tests.integration.sign_in.oidc_provider import TestProvider

CLIENT_ID = "live-attendance"
CLIENT_SECRET = "provider-client-secret-0123456789"
AUTO_CREATE_DOMAIN = "jit.school.example"
MOCK_USER = oidc_provider_mock.User(
    sub="mock-ana",
    claims={"email": "ana.mock@school.example", "email_verified": True, "name": "Ana Mock"},
)


def closed_port() -> int:
    """A loopback port nothing listens on (the issuer that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SignInSetup:
    server: ServerProcess
    school: TestProvider  # the authlib test provider, with the knobs
    brief: TestProvider  # stopped by the test that needs a provider gone mid-sign-in
    mock_issuer: str  # oidc-provider-mock's, at `localhost` (another site than the app's)

    @property
    def base_url(self) -> str:
        return self.server.base_url


@pytest.fixture(scope="session")
def sign_in_setup(server_env, tmp_path_factory) -> Iterator[SignInSetup]:
    with (
        TestProvider(CLIENT_ID, CLIENT_SECRET) as school,
        TestProvider(CLIENT_ID, CLIENT_SECRET) as brief,
        oidc_provider_mock.run_server_in_thread(
            port=0, require_nonce=True, user_claims=[MOCK_USER]
        ) as mock,
    ):
        server = ServerProcess({}, tmp_path_factory.mktemp("sign-in") / "server.log")
        for key, provider in (("school", school), ("brief", brief)):
            provider.allow_redirect(f"{server.base_url}/auth/oidc/{key}/callback")
        providers = [
            provider_entry("school", "School Account", school.issuer),
            provider_entry("brief", "Brief", brief.issuer),
            provider_entry("mock", "Mock District", f"http://localhost:{mock.server_port}"),
            provider_entry("down", "Down", f"http://127.0.0.1:{closed_port()}"),
            # Its discovery document names another issuer (the school's).
            provider_entry("impostor", "Impostor", f"{school.issuer}/impostor"),
        ]
        server.env = {
            **server_env,
            "OIDC_PROVIDERS": json.dumps(providers),
            "OIDC_AUTO_CREATE_DOMAINS": AUTO_CREATE_DOMAIN,
            "OIDC_JWKS_REFETCH_SECONDS": "0",  # a rotation is seen at once
            "PASSWORD_LOGIN": "admins",
        }
        server.start()
        yield SignInSetup(server, school, brief, f"http://localhost:{mock.server_port}")
        server.stop()


def provider_entry(key: str, name: str, issuer: str) -> dict[str, str]:
    return {
        "key": key,
        "name": name,
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


@pytest.fixture
def school(sign_in_setup) -> Iterator[TestProvider]:
    """The test provider, answering correctly again after each test."""
    yield sign_in_setup.school
    sign_in_setup.school.knobs = type(sign_in_setup.school.knobs)()


@pytest.fixture
def browser_client(sign_in_setup) -> Iterator[httpx.Client]:
    """A browser's part, by hand: one cookie jar, redirects followed by the test."""
    with httpx.Client(base_url=sign_in_setup.base_url, timeout=30) as client:
        yield client
