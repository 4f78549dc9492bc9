"""Property-based fuzzing of the HTTP API from its own OpenAPI document (schemathesis): no
500s, responses as documented, and every body in the envelope."""

import json
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.errors import DOMAIN_ERRORS
from domain.errors import ResetByEmailUnavailable

# An import's OneRoster zip is a body of bytes, sent as they are (schemathesis has no
# serializer of its own for zips).
schemathesis.serializer.alias("application/zip", "application/octet-stream")


@pytest.fixture(scope="module")
def api_schema(server):
    return schemathesis.openapi.from_url(f"{server.base_url}/schema/openapi.json")


@pytest.fixture(scope="module")
def fuzzing_token(server):
    """A teacher's token: the routes answer with their own checks whatever the input."""
    import httpx

    from tests.factories import SignupBodyFactory

    body = SignupBodyFactory.build(role="teacher")
    httpx.post(f"{server.base_url}/auth/signup", json=body).raise_for_status()
    login = httpx.post(
        f"{server.base_url}/auth/login",
        json={"email": body["email"], "password": body["password"]},
    )
    return login.json()["data"]["token"]


# What a server not configured for a feature answers, deliberately and as documented (503):
# the fuzzed server has no mail server (SMTP_HOST), so no password reset by email.
UNCONFIGURED = {DOMAIN_ERRORS[ResetByEmailUnavailable]}


def is_unconfigured(response) -> bool:
    if response.status_code != 503:
        return False
    return (503, json.loads(response.content).get("error")) in UNCONFIGURED


# Routes whose successful answer is not JSON: the metrics page, the CSV exports.
NOT_JSON_WHEN_SUCCESSFUL = ("/metrics", ".csv")


def assert_in_envelope(response) -> None:
    path = urlsplit(response.request.url).path
    if 300 <= response.status_code < 400:  # single sign-on's redirects carry no body
        return
    if response.status_code < 300 and path.endswith(NOT_JSON_WHEN_SUCCESSFUL):
        content_type = response.headers["content-type"]  # schemathesis keeps a list per name
        assert not str(content_type).startswith(("application/json", "['application/json"))
        return
    body = json.loads(response.content)
    assert isinstance(body, dict) and isinstance(body.get("success"), bool), body
    if body["success"]:
        assert set(body) == {"success", "data"}, body
    else:
        assert set(body) == {"success", "error"} and isinstance(body["error"], str), body


def test_every_route_answers_as_documented(api_schema, fuzzing_token):
    # Each operation is driven with hypothesis directly (schemathesis's pytest plugin does
    # not run on this pytest).
    headers = {"Authorization": fuzzing_token}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            response = case.call(headers=headers)
            checks = [status_code_conformance, response_schema_conformance]
            if not is_unconfigured(response):
                checks.append(not_a_server_error)
            case.validate_response(response, checks=checks, headers=headers)
            assert_in_envelope(response)

        answers_as_documented()
