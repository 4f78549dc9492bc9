"""With nothing configured, the service runs on its embedded PostgreSQL, and the data it keeps
under the data directory survives a restart."""

import os

import httpx
import pytest

from tests.factories import SignupBodyFactory
from tests.integration.server import ServerProcess


@pytest.fixture
def bare_environment(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "JWT_SECRET", "NODE_ENV", "CORS_ORIGIN", "TEST_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return {"DATA_DIR": str(tmp_path / "data"), "BCRYPT_ROUNDS": "4"}


def test_signup_survives_a_restart_on_the_embedded_database(bare_environment, tmp_path):
    body = SignupBodyFactory.build(role="teacher")
    first = ServerProcess(bare_environment, tmp_path / "first.log").start()
    try:
        assert httpx.post(f"{first.base_url}/auth/signup", json=body).status_code == 201
        token = httpx.post(
            f"{first.base_url}/auth/login",
            json={"email": body["email"], "password": body["password"]},
        ).json()["data"]["token"]
    finally:
        first.stop()

    second = ServerProcess(bare_environment, tmp_path / "second.log").start()
    try:
        # The same account, and the generated secret kept too: the old token still works.
        me = httpx.get(f"{second.base_url}/auth/me", headers={"Authorization": token})
        assert me.status_code == 200
        assert me.json()["data"]["email"] == body["email"]
    finally:
        second.stop()
    assert os.path.isfile(os.path.join(bare_environment["DATA_DIR"], "jwt-secret"))
