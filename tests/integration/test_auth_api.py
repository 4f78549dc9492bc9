"""POST /auth/signup, POST /auth/login, GET /auth/me, against the real server."""

import json
import time
from uuid import UUID, uuid4

import jwt
import pytest

from tests.factories import SignupBodyFactory
from tests.integration.server import TEST_JWT_SECRET

INVALID_SCHEMA = {"success": False, "error": "Invalid request schema"}
UNAUTHORIZED = {"success": False, "error": "Unauthorized, token missing or invalid"}


def test_signup_returns_the_new_user_without_its_password(api):
    body = SignupBodyFactory.build(role="teacher")
    response = api.post("/auth/signup", json=body)
    assert response.status_code == 201
    assert response.text.startswith('{"success":true,"data":{')  # the envelope's own order
    payload = response.json()
    assert payload["success"] is True
    data = payload["data"]
    assert set(data) == {"id", "name", "email", "role"}
    assert UUID(data["id"])
    assert (data["name"], data["email"], data["role"]) == (body["name"], body["email"], "teacher")


def test_signup_with_a_taken_email_in_another_case_is_refused(api):
    body = SignupBodyFactory.build()
    assert api.post("/auth/signup", json=body).status_code == 201
    again = SignupBodyFactory.build(email=body["email"].upper())
    response = api.post("/auth/signup", json=again)
    assert response.status_code == 400
    assert response.json() == {"success": False, "error": "Email already exists"}


def test_signup_ignores_unknown_fields(api):
    body = {**SignupBodyFactory.build(), "isAdmin": True, "id": str(uuid4())}
    response = api.post("/auth/signup", json=body)
    assert response.status_code == 201
    assert response.json()["data"]["id"] != body["id"]


def post_json(api, path: str, body: dict):
    """json.dumps escapes what httpx's own encoder refuses (unpaired surrogates)."""
    return api.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    "change",
    [
        {"name": ""},
        {"name": "n" * 101},
        {"name": 5},
        {"email": "not-an-email"},
        {"email": "a@b"},
        {"email": ("x" * 250) + "@example.com"},
        {"password": "12345"},
        {"password": "é" * 37},  # 74 bytes: over bcrypt's limit
        {"password": 123456},
        {"role": "admin"},
        {"role": None},
        {"name": "nul\u0000name"},
        {"name": "\ud800"},  # an unpaired surrogate
        {"password": "secret\u0000password"},
    ],
    ids=repr,
)
def test_signup_rejects_bad_fields(api, change):
    body = {**SignupBodyFactory.build(), **change}
    response = post_json(api, "/auth/signup", body)
    assert response.status_code == 400
    assert response.json() == INVALID_SCHEMA


@pytest.mark.parametrize("missing", ["name", "email", "password", "role"])
def test_signup_rejects_a_missing_field(api, missing):
    body = SignupBodyFactory.build()
    del body[missing]
    response = api.post("/auth/signup", json=body)
    assert (response.status_code, response.json()) == (400, INVALID_SCHEMA)


@pytest.mark.parametrize("raw", [b"", b"{not json", b"[]", b'"text"', b"null", b"42"], ids=repr)
def test_signup_rejects_bodies_that_are_not_an_object(api, raw):
    response = api.post("/auth/signup", content=raw, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (400, INVALID_SCHEMA)


def test_signup_accepts_a_password_of_exactly_72_bytes(api):
    body = SignupBodyFactory.build(password="é" * 36)
    assert api.post("/auth/signup", json=body).status_code == 201
    login = api.post("/auth/login", json={"email": body["email"], "password": body["password"]})
    assert login.status_code == 200


def test_login_returns_a_seven_day_token_with_user_id_and_role(api, make_account):
    account = make_account("teacher")
    claims = jwt.decode(account.token, TEST_JWT_SECRET, algorithms=["HS256"])
    assert claims["userId"] == str(account.id)
    assert claims["role"] == "teacher"
    assert claims["exp"] - claims["iat"] == 7 * 24 * 3600


def test_login_matches_the_email_in_any_case(api, student):
    response = api.post(
        "/auth/login", json={"email": student.email.upper(), "password": student.password}
    )
    assert response.status_code == 200
    assert set(response.json()["data"]) == {"token"}


@pytest.mark.parametrize(
    "case", ["wrong password", "unknown email", "overlong password", "unstorable password"]
)
def test_login_with_a_bad_pair_is_refused_alike(api, student, case):
    body = {
        "wrong password": {"email": student.email, "password": student.password + "x"},
        "unknown email": {"email": f"nobody.{uuid4().hex}@example.com", "password": "secret1"},
        "overlong password": {"email": student.email, "password": "p" * 80},
        "unstorable password": {"email": student.email, "password": "secret\u0000"},
    }[case]
    response = post_json(api, "/auth/login", body)
    assert response.status_code == 400
    assert response.json() == {"success": False, "error": "Invalid email or password"}


@pytest.mark.parametrize("body", [{}, {"email": "x"}, {"email": "a@b.co"}, {"password": "x"}])
def test_login_with_a_bad_schema(api, body):
    response = api.post("/auth/login", json=body)
    assert (response.status_code, response.json()) == (400, INVALID_SCHEMA)


def test_me_returns_the_caller(api, student):
    response = api.get("/auth/me", headers=student.auth)
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "data": {
            "id": str(student.id),
            "name": student.name,
            "email": student.email,
            "role": "student",
        },
    }


def test_me_accepts_a_bearer_token_too(api, student):
    response = api.get("/auth/me", headers={"Authorization": f"Bearer {student.token}"})
    assert response.status_code == 200


def forged(secret: str = TEST_JWT_SECRET, algorithm: str = "HS256", **claims) -> str:
    base = {"userId": str(uuid4()), "role": "student", "exp": int(time.time()) + 3600}
    return jwt.encode({**base, **claims}, secret, algorithm=algorithm)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "garbage"},
        {"Authorization": forged(exp=int(time.time()) - 10)},
        {"Authorization": forged(secret="another-secret-that-is-long-enough-000")},
        {"Authorization": forged(role="principal")},
        {"Authorization": forged(userId="42")},
        {"Authorization": forged(algorithm="HS512", secret=TEST_JWT_SECRET * 2)},
    ],
    ids=[
        "none",
        "empty",
        "empty bearer",
        "garbage",
        "expired",
        "bad signature",
        "bad role",
        "bad user id",
        "other algorithm",
    ],
)
def test_me_without_a_valid_token_is_unauthorized(api, headers):
    response = api.get("/auth/me", headers=headers)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_me_for_a_user_that_does_not_exist(api):
    response = api.get("/auth/me", headers={"Authorization": forged()})
    assert response.status_code == 404
    assert response.json() == {"success": False, "error": "User not found"}
