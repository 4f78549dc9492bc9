"""The API's envelope for failures no route expects, without a database: the app is built on
fake services whose unit of work blows up."""

import pytest
from litestar.testing import TestClient

from api.app import ApiServices, create_app
from domain.throttling import AttemptPolicy
from services.attendance import AttendanceService
from services.auth import AuthService
from services.classes import ClassService
from services.health import HealthService
from tests.unit.fakes import (
    FakeTokens,
    InMemoryAttemptCounter,
    PlainHasher,
    RecordingEventBus,
    SteppingClock,
)


class BrokenUnitOfWork:
    async def __aenter__(self):
        raise RuntimeError('relation "users" does not exist at character 42')

    async def __aexit__(self, *exc_info):
        return None


class DownDatabase:
    async def is_reachable(self) -> bool:
        return False


@pytest.fixture
def client():
    services = ApiServices(
        auth=AuthService(
            BrokenUnitOfWork,
            PlainHasher(),
            FakeTokens(),
            InMemoryAttemptCounter(),
            AttemptPolicy.with_limits(
                per_email_and_address=5,
                per_address=50,
                per_email=100,
                signups_per_address=300,
                window_seconds=900,
            ),
        ),
        classes=ClassService(BrokenUnitOfWork, RecordingEventBus()),
        attendance=AttendanceService(BrokenUnitOfWork, SteppingClock(), RecordingEventBus()),
        health=HealthService(DownDatabase()),
        events=RecordingEventBus(),
    )
    with TestClient(create_app(services, cors_origin="http://localhost:5173")) as test_client:
        yield test_client


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
