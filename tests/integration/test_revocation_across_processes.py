"""A revocation made through one server process takes effect on another at once (the event
bus carries it), not after the minute a process remembers an account for: its tokens are
refused there and its sockets there are closed."""

import asyncio
import time

import asyncpg
import httpx
import pytest

from infrastructure.database.urls import plain_url
from tests.integration import test_admin_api, two_processes
from tests.integration.live import LiveClient
from tests.integration.test_account_lifecycle import closed_with

server_b = two_processes.server_b  # the fixtures, shared
make_admin = test_admin_api.make_admin

# Far under the minute a process remembers an account for; the bus takes milliseconds.
AT_ONCE_SECONDS = 5


@pytest.fixture
def api_b(server_b):
    with httpx.Client(base_url=server_b.base_url, timeout=10) as client:
        yield client


def refused_within(api: httpx.Client, token: str) -> float:
    """How long until the process refuses the token (401); fails past AT_ONCE_SECONDS."""
    started = time.monotonic()
    while time.monotonic() - started < AT_ONCE_SECONDS:
        if api.get("/auth/me", headers={"Authorization": token}).status_code == 401:
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"still accepted after {AT_ONCE_SECONDS} s")


def test_a_token_issued_before_a_password_change_is_refused_on_the_other_process(
    api, api_b, server_b, make_account
):
    account = make_account()
    assert api_b.get("/auth/me", headers=account.auth).status_code == 200  # B remembers it
    with LiveClient(server_b.ws_url, account.token, v2=True) as on_b:
        on_b.receive_event("SESSION_STATE")
        changed = api.post(
            "/auth/me/password",
            json={"currentPassword": account.password, "newPassword": "brand-new-1"},
            headers=account.auth,
        )
        fresh = changed.json()["data"]["token"]
        assert closed_with(on_b) == (4401, "Signed out: password changed")
    refused_within(api_b, account.token)
    assert api_b.get("/auth/me", headers={"Authorization": fresh}).status_code == 200
    with LiveClient(server_b.ws_url, fresh, v2=True) as again:
        again.receive_event("SESSION_STATE")
        again.assert_silent()


def test_a_deactivation_closes_the_users_sockets_and_refuses_its_token_on_the_other_process(
    api, api_b, server_b, make_admin, make_account
):
    admin, pupil = make_admin(), make_account()
    assert api_b.get("/auth/me", headers=pupil.auth).status_code == 200
    with LiveClient(server_b.ws_url, pupil.token) as on_b:
        assert api.post(f"/admin/users/{pupil.id}/deactivate", headers=admin.auth).is_success
        assert closed_with(on_b) == (4401, "Signed out: account deactivated")
    refused_within(api_b, pupil.token)
    login = api_b.post("/auth/login", json={"email": pupil.email, "password": pupil.password})
    assert login.status_code == 403


def test_an_erasure_closes_the_persons_sockets_and_refuses_their_token_on_the_other_process(
    api, api_b, server_b, make_admin, make_account
):
    """Before, the other process refused an erased account's token within a minute, and its
    sockets stayed open until they reconnected."""
    admin, pupil = make_admin(), make_account()
    assert api_b.get("/students", headers=pupil.auth).status_code == 403  # B remembers it
    with LiveClient(server_b.ws_url, pupil.token) as on_b:
        assert api.post(f"/admin/users/{pupil.id}/erase", headers=admin.auth).is_success
        assert closed_with(on_b) == (4401, "Signed out: account erased")
    started = time.monotonic()
    while api_b.get("/students", headers=pupil.auth).status_code != 401:
        assert time.monotonic() - started < AT_ONCE_SECONDS, "still accepted"
        time.sleep(0.02)
    assert api_b.get("/auth/me", headers=pupil.auth).status_code == 404  # nobody's


def test_a_role_change_reaches_the_other_process_at_once(
    api, api_b, server_b, make_admin, make_account
):
    """Before, another process took up to a minute to refuse the old role's token."""
    admin, teacher = make_admin(), make_account("teacher")
    assert api_b.get("/students", headers=teacher.auth).status_code == 200
    with LiveClient(server_b.ws_url, teacher.token) as on_b:
        changed = api.patch(
            f"/admin/users/{teacher.id}", json={"role": "student"}, headers=admin.auth
        )
        assert changed.status_code == 200
        assert closed_with(on_b) == (4401, "Signed out: role changed")
    refused_within(api_b, teacher.token)
    assert api_b.get("/students", headers=teacher.auth).status_code == 401


def test_a_revocation_made_while_a_process_could_not_listen_reaches_it_after(
    api, api_b, server_b, database_url, make_admin, make_account
):
    """NOTIFY is not kept: the process that missed it finds the revocation in the database
    once it listens again, closes the sockets and forgets the account."""
    admin, pupil = make_admin(), make_account()
    assert api_b.get("/auth/me", headers=pupil.auth).status_code == 200
    with LiveClient(server_b.ws_url, pupil.token) as on_b:

        async def keep_b_deaf_while_deactivating() -> None:
            connection = await asyncpg.connect(plain_url(database_url))
            try:
                kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                kill += two_processes.listeners(server_b)
                for n in range(40):
                    await connection.execute(kill)
                    if n == 10:
                        deactivated = api.post(
                            f"/admin/users/{pupil.id}/deactivate", headers=admin.auth
                        )
                        assert deactivated.is_success
                    await asyncio.sleep(0.02)
            finally:
                await connection.close()

        asyncio.run(keep_b_deaf_while_deactivating())
        assert closed_with(on_b, timeout=10) == (4401, "Signed out: account deactivated")
    refused_within(api_b, pupil.token)
