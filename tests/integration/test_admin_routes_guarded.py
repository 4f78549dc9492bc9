"""Every administration route, as the OpenAPI document lists them (so a route added later is
covered without this file changing), refuses teachers and students with the admin 403 and
callers without a token with the 401, whatever the path's ids and whatever the body."""

from uuid import uuid4

import httpx
import pytest

FORBIDDEN_ADMIN = {"success": False, "error": "Forbidden, admin access required"}
UNAUTHORIZED = {"success": False, "error": "Unauthorized, token missing or invalid"}


@pytest.fixture(scope="module")
def admin_routes(server) -> list[tuple[str, str]]:
    paths = httpx.get(f"{server.base_url}/schema/openapi.json").json()["paths"]
    routes = [
        (method.upper(), path.replace("{", "").replace("}", ""))
        for path, operations in paths.items()
        if path.startswith("/admin")
        for method in operations
    ]
    assert routes, "the OpenAPI document lists no /admin route"
    return routes


def concrete(path: str) -> str:
    """A path template's ids (e.g. /admin/users/user_id) made into real-looking ones."""
    return "/".join(
        str(uuid4()) if part.endswith("_id") or part.endswith("Id") else part
        for part in path.split("/")
    )


@pytest.mark.parametrize("role", ["student", "teacher"])
def test_no_admin_route_answers_a_teacher_or_a_student(api, make_account, admin_routes, role):
    caller = make_account(role)
    for method, path in admin_routes:
        answer = api.request(method, concrete(path), json={"role": "admin"}, headers=caller.auth)
        assert (answer.status_code, answer.json()) == (403, FORBIDDEN_ADMIN), (method, path)


def test_no_admin_route_answers_without_a_token(api, admin_routes):
    for method, path in admin_routes:
        answer = api.request(method, concrete(path), json={"role": "admin"})
        assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED), (method, path)
