"""docs/api.md against the running service: the same routes as its OpenAPI document, the same
statuses, the token required exactly where the document says so (and the service agrees), and
every live event and error text of the protocol described."""

import re
import uuid
from pathlib import Path

import httpx
import pytest

from api.errors import DOMAIN_ERRORS
from api.live import protocol
from domain import errors

REFERENCE = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
ROUTE_HEADING = re.compile(r"^### (GET|POST|PUT|PATCH|DELETE) (/\S*)$", re.MULTILINE)
ANY_ROUTE = (500, 503)  # documented once, under "Conventions"


def documented_routes() -> dict[tuple[str, str], str]:
    """(method, path) -> the route's section of the page."""
    headings = list(ROUTE_HEADING.finditer(REFERENCE))
    sections = {}
    for heading, following in zip(headings, [*headings[1:], None], strict=True):
        end = following.start() if following else REFERENCE.index("\n## ", heading.end())
        sections[(heading[1], heading[2])] = REFERENCE[heading.end() : end]
    return sections


def documented_error_statuses(section: str) -> set[int]:
    errors = section.split("**Errors**", 1)[1]
    return {int(status) for status in re.findall(r"\b([45]\d\d)\s+`", errors)}


@pytest.fixture(scope="module")
def document(server) -> dict:
    return httpx.get(f"{server.base_url}/schema/openapi.json").json()


@pytest.fixture(scope="module")
def operations(document) -> dict[tuple[str, str], dict]:
    return {
        (method.upper(), path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def test_the_reference_documents_exactly_the_openapi_routes(operations):
    assert set(documented_routes()) == set(operations)


def test_each_route_documents_the_statuses_the_openapi_document_declares(operations):
    for route, section in documented_routes().items():
        operation = operations[route]
        declared = {int(status) for status in operation["responses"] if status[0] in "45"}
        documented = documented_error_statuses(section)
        assert documented <= declared, route
        # Every status but those any route may answer: a 400 included (Litestar's own 400 on
        # every route with a parameter is not in the document).
        assert declared - set(ANY_ROUTE) <= documented, route


def test_every_error_the_document_shows_is_the_envelope(document):
    envelope = document["components"]["schemas"]["Failure"]
    assert envelope["properties"] == {
        "success": {"type": "boolean", "default": False},
        "error": {"type": "string"},
    }
    assert "error" in envelope["required"]
    errors = 0
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                if status[0] in "23":  # answers, and redirects (single sign-on's)
                    continue
                schemas = [media["schema"] for media in response.get("content", {}).values()]
                assert schemas == [{"$ref": "#/components/schemas/Failure"}], (method, path, status)
                errors += 1
    assert errors > 100  # every route declares some, 500 and 503 at least


def test_the_token_is_required_exactly_where_documented_and_declared(operations, api):
    for (method, path), section in documented_routes().items():
        declared = bool(operations[(method, path)].get("security"))
        documented_public = "**Who**: anyone" in section
        assert declared != documented_public, (method, path)
        answer = api.request(method, path.replace("{class_id}", str(uuid.uuid4())), json={})
        assert (answer.status_code == 401) == declared, (method, path, answer.status_code)


LIVE_DOMAIN_ERRORS = (
    errors.ClassNotFound,
    errors.NotClassTeacher,
    errors.NotEnrolledInClass,
    errors.NoActiveSession,
    errors.StudentNotFound,
    errors.TooManyAttempts,
    errors.CheckInClosed,
    errors.WrongCheckInCode,
    errors.AlreadyMarkedByTeacher,
)


def live_section() -> str:
    return REFERENCE[REFERENCE.index("## The live protocol") :]


def test_every_live_event_and_error_text_is_documented():
    section = live_section()
    events = set(protocol.CLIENT_EVENTS) | {
        heard.name for frames in protocol.CLASS_FRAMES.values() for heard in frames
    }
    events |= {
        protocol.SESSION_STATE,
        protocol.CLASS_JOINED,
        protocol.CLASS_LEFT,
        protocol.CHECKED_IN,
        protocol.ATTENDANCE_CORRECTED,
    }
    for event in events:
        assert f"`{event}`" in section, event
    error_texts = [
        value
        for name, value in vars(protocol).items()
        if name.isupper() and isinstance(value, str) and " " in value
    ]
    # The domain errors live events can meet, in the api's words.
    error_texts += [DOMAIN_ERRORS[error][1] for error in LIVE_DOMAIN_ERRORS]
    assert "Too many messages" in error_texts and "Wrong or expired code" in error_texts
    for text in error_texts:
        assert f"`{text}`" in section, text
