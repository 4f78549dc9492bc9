"""Brute force and floods: failed logins per email, sign-ups per client address, counted in
PostgreSQL so that the limits hold across server processes."""

import httpx
import pytest

from tests.factories import SignupBodyFactory
from tests.integration.postgres import OwnPostgres
from tests.integration.server import ServerProcess

TOO_MANY = {"success": False, "error": "Too many attempts, try again later"}
BAD_PAIR = {"success": False, "error": "Invalid email or password"}


@pytest.fixture(scope="module")
def two_strict_servers(server_env, tmp_path_factory):
    """Two processes on a database of their own, with small limits."""
    workdir = tmp_path_factory.mktemp("throttling")
    database = OwnPostgres(workdir)
    env = {
        **server_env,
        "DATABASE_URL": database.url,
        "LOGIN_FAILURES_PER_EMAIL": "3",
        "LOGIN_FAILURES_PER_ADDRESS": "1000",
        "SIGNUPS_PER_ADDRESS": "4",
    }
    servers = [ServerProcess(env, workdir / f"{name}.log").start() for name in ("a", "b")]
    clients = [httpx.Client(base_url=server.base_url, timeout=15) for server in servers]
    yield clients
    for client in clients:
        client.close()
    for server in servers:
        server.stop()
    database.cleanup()


def test_failed_logins_for_one_email_are_limited_across_processes(two_strict_servers):
    a, b = two_strict_servers
    body = SignupBodyFactory.build()
    assert a.post("/auth/signup", json=body).status_code == 201
    wrong = {"email": body["email"], "password": "not-the-password"}
    right = {"email": body["email"], "password": body["password"]}

    for client in (a, b):  # two failures, a success clears them
        assert client.post("/auth/login", json=wrong).json() == BAD_PAIR
    assert a.post("/auth/login", json=right).status_code == 200

    for client in (a, b, a):  # three failures, on either process
        assert client.post("/auth/login", json=wrong).json() == BAD_PAIR
    for client in (b, a):
        refused = client.post("/auth/login", json=right)
        assert (refused.status_code, refused.json()) == (429, TOO_MANY)


def test_signup_floods_from_one_address_are_limited(two_strict_servers):
    a, b = two_strict_servers
    statuses = [
        client.post("/auth/signup", json=SignupBodyFactory.build()).status_code
        for client in (a, b, a, b, a)
    ]
    # Four sign-ups per address are allowed; the other test spends one if it ran first.
    refused_from = statuses.index(429)
    assert refused_from in (3, 4)
    assert set(statuses[:refused_from]) == {201}
    assert set(statuses[refused_from:]) == {429}
    refused = b.post("/auth/signup", json=SignupBodyFactory.build())
    assert refused.json() == TOO_MANY
