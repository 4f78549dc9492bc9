"""Health: `/health` (the assignment-era check: the database answers), `/health/live` (the
process answers) and `/health/ready` (it can serve: database, event bus, migrations); and the
Prometheus metrics page."""

import hmac
from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency

from api.authentication import PUBLIC
from api.errors import HTTP_ERRORS, UNAUTHORIZED, error_response
from api.observability import metrics_page
from api.openapi import failures
from api.schemas import HealthResponse, LiveResponse, ReadinessResponse, Success
from services.health import HealthService


@get("/health", opt=PUBLIC, tags=["health"], responses=failures())
async def health(
    health_service: NamedDependency[HealthService],
) -> Response[Success[HealthResponse]]:
    """200 while the database answers, 503 while it does not."""
    if await health_service.database_is_up():
        return Response(Success(data=HealthResponse(status="ok", database="up")))
    return error_response(503, HTTP_ERRORS[503])


@get("/health/live", opt=PUBLIC, tags=["health"])
async def liveness() -> Success[LiveResponse]:
    """200 whenever the process answers (a liveness probe: restart it when this fails)."""
    return Success(data=LiveResponse(status="ok"))


@get("/health/ready", opt=PUBLIC, tags=["health"], responses=failures())
async def readiness(
    health_service: NamedDependency[HealthService],
) -> Response[Success[ReadinessResponse]]:
    """200 when this process can serve: the database answers, the event bus hears the other
    processes, and the database is migrated to this version. Otherwise 503 naming what is not
    ready (a readiness probe: send no traffic meanwhile)."""
    state = await health_service.readiness()
    if not state.ready:
        missing = [
            what
            for what, ok in (
                ("database unreachable", state.database),
                ("event bus not listening", state.event_bus),
                ("migrations not current", state.migrations),
            )
            if not ok
        ]
        return error_response(503, f"{HTTP_ERRORS[503]}: {', '.join(missing)}")
    body = ReadinessResponse(
        status="ok", database="up", event_bus="listening", migrations="current"
    )
    return Response(Success(data=body))


@get(
    "/metrics",
    opt=PUBLIC,
    tags=["health"],
    media_type="text/plain",
    responses=failures(401),
)
async def metrics(
    request: Request[Any, Any, Any], metrics_token: NamedDependency[str | None]
) -> Response[bytes]:
    """The service's metrics in Prometheus's text format (all worker processes together).
    When `METRICS_TOKEN` is set, only for `Authorization: Bearer <token>`."""
    if metrics_token is not None:
        sent = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(sent, f"Bearer {metrics_token}".encode()):
            return error_response(401, UNAUTHORIZED)
    page, content_type = metrics_page()
    return Response(page, media_type=content_type)
