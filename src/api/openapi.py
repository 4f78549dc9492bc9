"""The failure responses each route documents, so the OpenAPI document says what clients get."""

from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPI, OpenAPIResponse, Reference

from api.errors import HTTP_ERRORS
from api.schemas import Failure

ALWAYS = (500, 503)  # any route, when something breaks or the database is away
ENVELOPE = f"#/components/schemas/{Failure.__name__}"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def failures(*statuses: int) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=Failure,
            description=HTTP_ERRORS.get(status, "Failure"),
            generate_examples=False,
        )
        for status in (*statuses, *ALWAYS)
    }


def _is_envelope(response: OpenAPIResponse | Reference) -> bool:
    content = response.content if isinstance(response, OpenAPIResponse) else None
    return bool(content) and all(
        isinstance(media.schema, Reference) and media.schema.ref == ENVELOPE
        for media in (content or {}).values()
    )


def envelope_errors_only(document: OpenAPI) -> None:
    """Takes out of the document every error answer that is not our envelope. Litestar declares
    a 400 of its own shape (`{status_code, detail, extra}`) on every route with a parameter; a
    route that can answer 400 declares it with failures() (which takes its place), so what is
    left of Litestar's is a 400 the route never sends."""
    for path_item in (document.paths or {}).values():
        for method in METHODS:
            operation = getattr(path_item, method, None)
            if operation is None or not operation.responses:
                continue
            for status in list(operation.responses):
                if status[0] in "45" and not _is_envelope(operation.responses[status]):
                    del operation.responses[status]
