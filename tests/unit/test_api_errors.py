"""The API's envelope for failures no route expects, without a database: the app is built on
fake services whose unit of work blows up."""

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from bootstrap.container import Container
from infrastructure.settings import load_settings
from tests.unit.fakes import FakeTokens, InMemoryAttemptCounter, PlainHasher, RecordingEventBus


class BrokenUnitOfWork:
    async def __aenter__(self):
        raise RuntimeError('relation "users" does not exist at character 42')

    async def __aexit__(self, *exc_info):
        return None


class DownDatabase:
    async def is_reachable(self) -> bool:
        return False


class NoDatabase(DownDatabase):
    """Neither started nor stopped: the app's start-up hooks come from the container too."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class QuietEventBus(RecordingEventBus):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@pytest.fixture
def client():
    """The app as the container builds it, with fakes in place of every adapter."""
    settings = load_settings(
        {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "JWT_SECRET": "s" * 32},
        env_file=None,
    )
    container = Container(settings=settings)
    container.unit_of_work.override(providers.Factory(BrokenUnitOfWork))
    container.database.override(providers.Singleton(NoDatabase))
    container.event_bus.override(providers.Singleton(QuietEventBus))
    container.hasher.override(providers.Singleton(PlainHasher))
    container.tokens.override(providers.Singleton(FakeTokens))
    container.attempt_counter.override(providers.Singleton(InMemoryAttemptCounter))
    with TestClient(container.app()) as test_client:
        yield test_client
    container.reset_singletons()


def test_an_unexpected_failure_is_a_500_that_says_nothing_inside(client, caplog):
    response = client.post(
        "/auth/signup",
        json={"name": "A", "email": "a@example.com", "password": "secret1", "role": "student"},
    )
    assert response.status_code == 500
    assert response.json() == {"success": False, "error": "Internal server error"}
    assert "relation" not in response.text
    assert any("RuntimeError" in record.getMessage() for record in caplog.records)


def test_health_reports_a_database_that_does_not_answer(client):
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"success": False, "error": "Service unavailable"}
