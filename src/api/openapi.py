"""The failure responses each route documents, so the OpenAPI document says what clients get."""

from litestar.openapi.datastructures import ResponseSpec

from api.errors import HTTP_ERRORS
from api.schemas import Failure

ALWAYS = (500, 503)  # any route, when something breaks or the database is away


def failures(*statuses: int) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=Failure,
            description=HTTP_ERRORS.get(status, "Failure"),
            generate_examples=False,
        )
        for status in (*statuses, *ALWAYS)
    }
