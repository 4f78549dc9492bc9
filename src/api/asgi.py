"""The ASGI entry point each server process loads: the container builds the services, the api
wraps them. (The one api module allowed to see the composition root.)"""

from litestar import Litestar

from api.app import ApiServices, create_app
from api.limits import ApiLimits
from infrastructure.container import container_from_environment


def create_app_from_environment() -> Litestar:
    container = container_from_environment()
    settings = container.settings()
    services = ApiServices(
        auth=container.auth_service(),
        classes=container.class_service(),
        attendance=container.attendance_service(),
        health=container.health_service(),
        events=container.event_bus(),
    )
    database, event_bus = container.database(), container.event_bus()
    return create_app(
        services,
        cors_origin=settings.cors_origin,
        on_startup=[database.start, event_bus.start],
        on_shutdown=[event_bus.stop, database.stop],
        limits=ApiLimits(
            max_body_bytes=settings.max_body_bytes,
            max_frame_bytes=settings.ws_max_frame_bytes,
            messages_per_second=settings.ws_messages_per_second,
            message_burst=settings.ws_message_burst,
            flood_grace_seconds=settings.ws_flood_grace_seconds,
            sockets_per_user=settings.ws_sockets_per_user,
        ),
    )
