from typing import Annotated, Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from api.authentication import teacher_only
from api.controllers.query import require_plain_numbers
from api.openapi import failures
from api.schemas import SEARCH_TEXT_PATTERN, StudentResponse, Success
from services.classes import ClassService


@get("/students", guards=[teacher_only], tags=["classes"], responses=failures(400, 401, 403))
async def list_students(
    request: Request[Any, Any, Any],
    class_service: NamedDependency[ClassService],
    search: Annotated[
        str | None,
        Parameter(
            description=(
                "Only students whose name or email starts with this (any letter case); with"
                " EXPOSE_STUDENT_EMAILS off, whose name starts with it or whose email is it,"
                " the email shown only for the latter"
            ),
            max_length=254,
            pattern=SEARCH_TEXT_PATTERN,
        ),
    ] = None,
    limit: Annotated[
        int | None,
        Parameter(
            description="At most this many (with EXPOSE_STUDENT_EMAILS off, at most 20 anyway)",
            ge=1,
            le=1000,
        ),
    ] = None,
) -> Success[list[StudentResponse]]:
    """Every student, by name; with EXPOSE_STUDENT_EMAILS off, only those a search finds, at
    most 20, with emails only where the search was the whole email."""
    require_plain_numbers(request, "limit")
    students = await class_service.list_students(search, limit)
    return Success(data=[StudentResponse(s.id, s.name, s.email) for s in students])
