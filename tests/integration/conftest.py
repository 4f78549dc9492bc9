from collections.abc import Callable, Iterator
from dataclasses import dataclass
from uuid import UUID

import httpx
import pytest

from tests.factories import SignupBodyFactory
from tests.integration.postgres import throwaway_database
from tests.integration.server import CORS_ORIGIN, TEST_JWT_SECRET, ServerProcess


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    with throwaway_database(tmp_path_factory.mktemp("postgres")) as url:
        yield url


@pytest.fixture(scope="session")
def server_env(database_url) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "JWT_SECRET": TEST_JWT_SECRET,
        "NODE_ENV": "test",
        "CORS_ORIGIN": CORS_ORIGIN,
        "BCRYPT_ROUNDS": "4",
        # Every test comes from 127.0.0.1: only test_throttling.py exercises these limits.
        "LOGIN_FAILURES_PER_ADDRESS": "1000000",
        "SIGNUPS_PER_ADDRESS": "1000000",
    }


@pytest.fixture(scope="session")
def server(server_env, tmp_path_factory) -> Iterator[ServerProcess]:
    process = ServerProcess(server_env, tmp_path_factory.mktemp("server") / "server.log").start()
    yield process
    process.stop()


@pytest.fixture
def api(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        yield client


@dataclass(frozen=True)
class Account:
    id: UUID
    name: str
    email: str
    password: str
    role: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": self.token}


@pytest.fixture
def make_account(api) -> Callable[..., Account]:
    """Signs up and logs in a new user of the given role."""

    def make(role: str = "student") -> Account:
        body = SignupBodyFactory.build(role=role)
        created = api.post("/auth/signup", json=body)
        assert created.status_code == 201, created.text
        login = api.post("/auth/login", json={"email": body["email"], "password": body["password"]})
        assert login.status_code == 200, login.text
        return Account(
            id=UUID(created.json()["data"]["id"]),
            name=body["name"],
            email=body["email"],
            password=body["password"],
            role=role,
            token=login.json()["data"]["token"],
        )

    return make


@pytest.fixture
def teacher(make_account) -> Account:
    return make_account("teacher")


@pytest.fixture
def student(make_account) -> Account:
    return make_account("student")


@pytest.fixture
def make_class(api) -> Callable[..., dict]:
    """Creates a class for the teacher with the given students enrolled."""

    def make(owner: Account, *students: Account, name: str = "Maths 101") -> dict:
        created = api.post("/class", json={"className": name}, headers=owner.auth)
        assert created.status_code == 201, created.text
        classroom = created.json()["data"]
        for enrolled in students:
            added = api.post(
                f"/class/{classroom['id']}/add-student",
                json={"studentId": str(enrolled.id)},
                headers=owner.auth,
            )
            assert added.status_code == 200, added.text
            classroom = added.json()["data"]
        return classroom

    return make


@pytest.fixture
def live(server):
    """Opens live sockets for accounts; closes them after the test."""
    from tests.integration.live import LiveClient

    opened: list[LiveClient] = []

    def open_socket(
        account: Account | None = None, token: str | None = None, v2: bool = False
    ) -> LiveClient:
        client = LiveClient(server.ws_url, account.token if account else token, v2=v2)
        opened.append(client)
        return client

    yield open_socket
    for client in opened:
        client.close()


@pytest.fixture
def start_session(api):
    def start(owner: Account, classroom: dict) -> dict:
        response = api.post(
            "/attendance/start", json={"classId": classroom["id"]}, headers=owner.auth
        )
        assert response.status_code == 200, response.text
        return response.json()["data"]

    return start
