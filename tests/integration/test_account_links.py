"""`POST /auth/password`: a one-time link's token sets the account's password, once, against
the real server and database; racing uses of one link, one wins."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from domain.account_links import LinkPurpose
from infrastructure.clock import SystemClock
from infrastructure.database.pool import Database
from infrastructure.database.unit_of_work import PostgresUnitOfWork
from infrastructure.database.urls import plain_url
from infrastructure.security import BcryptHasher
from services.accounts import AccountService
from tests.unit.fakes import RecordingEventBus

# Issuing links tells no server process anything (a password set here would not be heard).
UNHEARD = RecordingEventBus()

pytestmark = pytest.mark.anyio
USED = {"success": False, "error": "This link is invalid, used or expired"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def accounts(server, database_url) -> AsyncIterator[AccountService]:
    async with Database(plain_url(database_url), size=2) as database:
        yield AccountService(
            lambda: PostgresUnitOfWork(database), BcryptHasher(4), SystemClock(), UNHEARD
        )


async def test_a_link_sets_the_password_once(accounts, server, make_account):
    user = make_account("teacher")
    link = await accounts.issue_link(user.id, LinkPurpose.SET_PASSWORD, timedelta(hours=1))
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as api:
        chosen = await api.post(
            "/auth/password", json={"token": link.token, "password": "new-pw-1"}
        )
        assert chosen.status_code == 200, chosen.text
        assert chosen.json()["data"] == {
            "id": str(user.id), "name": user.name, "email": user.email, "role": "teacher"
        }  # fmt: skip
        new_login = {"email": user.email, "password": "new-pw-1"}
        assert (await api.post("/auth/login", json=new_login)).status_code == 200
        old_login = {"email": user.email, "password": user.password}
        assert (await api.post("/auth/login", json=old_login)).status_code == 400
        again = await api.post("/auth/password", json={"token": link.token, "password": "other-2"})
        assert (again.status_code, again.json()) == (400, USED)
        guessed = await api.post("/auth/password", json={"token": "x" * 43, "password": "other-2"})
        assert (guessed.status_code, guessed.json()) == (400, USED)


async def test_bad_bodies_are_refused_before_the_link_is_used(accounts, server, make_account):
    user = make_account("student")
    link = await accounts.issue_link(user.id, LinkPurpose.SET_PASSWORD, timedelta(hours=1))
    schema = {"success": False, "error": "Invalid request schema"}
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as api:
        for body in (
            {"token": link.token, "password": "short"},
            {"token": link.token, "password": "é" * 37},  # 74 bytes
            {"token": link.token},
            {"password": "long-enough"},
            {"token": 5, "password": "long-enough"},
        ):
            refused = await api.post("/auth/password", json=body)
            assert (refused.status_code, refused.json()) == (400, schema), body
        still = await api.post("/auth/password", json={"token": link.token, "password": "fine-pw"})
        assert still.status_code == 200


async def test_racing_uses_of_one_link_one_wins(accounts, server, make_account):
    user = make_account("teacher")
    link = await accounts.issue_link(user.id, LinkPurpose.SET_PASSWORD, timedelta(hours=1))
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as api:
        answers = await asyncio.gather(
            *(
                api.post("/auth/password", json={"token": link.token, "password": f"pw-{n:04}"})
                for n in range(20)
            )
        )
    assert Counter(answer.status_code for answer in answers) == {200: 1, 400: 19}
