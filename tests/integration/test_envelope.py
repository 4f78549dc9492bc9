"""Responses that are not a route's own: unknown routes, wrong methods, big bodies, health,
OpenAPI, CORS. All in the envelope."""

from tests.integration.server import CORS_ORIGIN


def test_unknown_route_is_a_404_in_the_envelope(api):
    response = api.get("/no/such/route")
    assert response.status_code == 404
    assert response.text == '{"success":false,"error":"Not found"}'
    assert response.json() == {"success": False, "error": "Not found"}


def test_wrong_method_is_a_405_in_the_envelope(api):
    response = api.delete("/auth/me")
    assert response.status_code == 405
    assert response.json() == {"success": False, "error": "Method not allowed"}
    response = api.get("/auth/signup")
    assert response.status_code == 405


def test_a_body_over_64_kib_is_a_413_in_the_envelope(api):
    body = b'{"name": "' + b"n" * (64 * 1024) + b'"}'
    response = api.post("/auth/signup", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"success": False, "error": "Payload too large"}


def test_health_says_the_database_answers(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"status": "ok", "database": "up"}}


def test_openapi_document_lists_every_route(api):
    response = api.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert {
        "/auth/signup",
        "/auth/login",
        "/auth/me",
        "/class",
        "/class/{class_id}/add-student",
        "/class/{class_id}",
        "/students",
        "/class/{class_id}/my-attendance",
        "/attendance/start",
        "/health",
    } <= paths


def test_cors_allows_the_configured_origin_only(api):
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = api.options("/auth/login", headers={**preflight, "Origin": CORS_ORIGIN})
    assert allowed.headers.get("access-control-allow-origin") == CORS_ORIGIN
    refused = api.options("/auth/login", headers={**preflight, "Origin": "http://evil.example"})
    assert refused.headers.get("access-control-allow-origin") != "http://evil.example"
    simple = api.get("/health", headers={"Origin": CORS_ORIGIN})
    assert simple.headers.get("access-control-allow-origin") == CORS_ORIGIN


def test_every_response_carries_the_security_headers(api, teacher):
    for response in (
        api.get("/auth/me", headers=teacher.auth),
        api.get("/no/such/route"),
        api.post("/auth/login", json={}),
        api.delete("/auth/me"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in response.headers["content-security-policy"]
