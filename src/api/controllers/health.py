from litestar import Response, get
from litestar.di import NamedDependency

from api.authentication import PUBLIC
from api.errors import HTTP_ERRORS, error_response
from api.openapi import failures
from api.schemas import HealthResponse, Success
from services.health import HealthService


@get("/health", opt=PUBLIC, tags=["health"], responses=failures())
async def health(
    health_service: NamedDependency[HealthService],
) -> Response[Success[HealthResponse]]:
    """200 while the database answers, 503 while it does not."""
    if await health_service.database_is_up():
        return Response(Success(data=HealthResponse(status="ok", database="up")))
    return error_response(503, HTTP_ERRORS[503])
