"""The Litestar application factory."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.routes import WebSocketRoute

from api.authentication import TOKEN_REQUIRED, TokenAuthenticationMiddleware
from api.controllers.account_links import request_password_reset, set_password
from api.controllers.admin import AdminController
from api.controllers.admin_privacy import AdminPrivacyController
from api.controllers.admin_report import AdminReportController
from api.controllers.attendance import (
    attendance_history,
    my_attendance,
    my_history,
    start_attendance,
)
from api.controllers.auth import AuthController, my_account
from api.controllers.check_in import CheckInController
from api.controllers.classes import ClassController
from api.controllers.health import health, liveness, metrics, readiness
from api.controllers.imports import AdminImportsController, ClassRosterController
from api.controllers.invitations import (
    AdminInvitationController,
    invitation_of_link,
    invite_to_class,
)
from api.controllers.password_links import admin_password_link, student_password_link
from api.controllers.profile import change_my_password, rename_me
from api.controllers.records import RecordsController, my_report
from api.controllers.sign_in import (
    exchange_sign_in_code,
    finish_sign_in,
    sign_in_options,
    start_sign_in,
)
from api.controllers.students import list_students
from api.docs import SCHEMA_PATH, docs_assets, openapi_config
from api.errors import EXCEPTION_HANDLERS
from api.front_door import FrontDoor
from api.limits import DEFAULT_LIMITS, ApiLimits
from api.live.direct import DirectLiveSockets
from api.live.endpoint import LIVE_PATH, live_attendance
from api.live.handler import live_spans
from api.live.registry import SocketRegistry
from api.live.shutdown import close_sockets_on_sigterm
from api.live.sockets import LiveServices
from api.observability import AccessLines, Observed, StructuredAccessLines
from api.openapi import envelope_errors_only
from api.requests import AppRequest
from api.security_headers import add_security_headers
from api.web_client import web_client
from domain.events import LiveMessage, StatesRequested
from domain.ports import EventBus
from services.accounts import AccountService
from services.admin import AdminService
from services.attendance import AttendanceService
from services.auth import AuthService
from services.check_in import CheckInService
from services.classes import ClassService
from services.health import HealthService
from services.invitations import InvitationService
from services.oneroster_import import OneRosterImportService
from services.password_reset import PasswordResetService
from services.privacy import PrivacyService
from services.profile import ProfileService
from services.records import RecordsService
from services.roster_import import RosterImportService
from services.school_report import SchoolReportService
from services.single_sign_on import SingleSignOnService


@dataclass(frozen=True, slots=True)
class ApiServices:
    auth: AuthService
    accounts: AccountService
    profile: ProfileService
    password_reset: PasswordResetService
    admin: AdminService
    invitations: InvitationService
    classes: ClassService
    attendance: AttendanceService
    check_in: CheckInService
    records: RecordsService
    roster_imports: RosterImportService
    oneroster_imports: OneRosterImportService
    health: HealthService
    sign_on: SingleSignOnService
    events: EventBus
    privacy: PrivacyService
    school_report: SchoolReportService


UNTRACED_PATHS = ["^/health", "^/metrics"]


def _provide(value: object) -> Provide:
    return Provide(lambda: value, use_cache=True, sync_to_thread=False)


def create_app(
    services: ApiServices,
    *,
    cors_origin: str,
    public_url: str = "",  # where people reach the service; "": the address each request used
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    limits: ApiLimits = DEFAULT_LIMITS,
    metrics_token: str | None = None,
    tracing: bool = False,
    debug: bool = False,
    access_lines: AccessLines | None = None,
) -> Litestar:
    lines = access_lines or StructuredAccessLines()
    socket_registry = SocketRegistry(live_state=services.attendance.live_state)
    services.events.subscribe(services.auth.hear)  # revocations, before sockets hear them
    services.events.subscribe(socket_registry.deliver)

    async def missed_since(moment: datetime) -> list[LiveMessage]:
        # v1 sockets hear the broadcasts again; v2 sockets are sent their classes' state;
        # revoked tokens' sockets are closed (and every account is read again).
        missed = await services.attendance.broadcasts_since(socket_registry.class_ids(), moment)
        revoked = await services.auth.revocations_since(moment)
        return [*revoked, *missed, StatesRequested()]

    services.events.on_reconnect(missed_since)
    live_services = LiveServices(
        auth=services.auth,
        attendance=services.attendance,
        check_in=services.check_in,
        classes=services.classes,
        registry=socket_registry,
        limits=limits,
        span_of=live_spans(tracing),
        access_lines=lines,
    )
    app = Litestar(
        route_handlers=[
            web_client(),
            docs_assets(),
            live_attendance,  # its token comes in the query string
            AuthController,
            set_password,
            invitation_of_link,
            request_password_reset,
            sign_in_options,
            start_sign_in,
            finish_sign_in,
            exchange_sign_in_code,
            health,
            liveness,
            readiness,
            metrics,
            Router(
                "/",
                security=TOKEN_REQUIRED,
                route_handlers=[
                    my_account,
                    rename_me,
                    change_my_password,
                    ClassController,
                    list_students,
                    start_attendance,
                    my_attendance,
                    my_history,
                    attendance_history,
                    CheckInController,
                    RecordsController,
                    my_report,
                    AdminController,
                    AdminInvitationController,
                    invite_to_class,
                    AdminPrivacyController,
                    AdminReportController,
                    admin_password_link,
                    student_password_link,
                    # Files larger than other bodies.
                    Router(
                        "/",
                        route_handlers=[ClassRosterController, AdminImportsController],
                        request_max_body_size=limits.max_import_bytes,
                    ),
                ],
            ),
        ],
        dependencies={
            "auth_service": _provide(services.auth),
            "account_service": _provide(services.accounts),
            "profile_service": _provide(services.profile),
            "password_reset_service": _provide(services.password_reset),
            "admin_service": _provide(services.admin),
            "invitation_service": _provide(services.invitations),
            "class_service": _provide(services.classes),
            "attendance_service": _provide(services.attendance),
            "check_in_service": _provide(services.check_in),
            "records_service": _provide(services.records),
            "roster_import_service": _provide(services.roster_imports),
            "oneroster_import_service": _provide(services.oneroster_imports),
            "health_service": _provide(services.health),
            "privacy_service": _provide(services.privacy),
            "school_report_service": _provide(services.school_report),
            "sign_on_service": _provide(services.sign_on),
            "live_services": _provide(live_services),
            "metrics_token": _provide(metrics_token),
            "public_url": _provide(public_url or None),
        },
        middleware=[
            DefineMiddleware(
                TokenAuthenticationMiddleware,
                authenticate=services.auth.authenticate,
                exclude=["^/schema"],
            )
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=AppRequest,
        before_send=[add_security_headers],
        openapi_config=openapi_config(),
        request_max_body_size=limits.max_body_bytes,
        logging_config=None,  # the process configures logging (and its redaction) itself
        on_startup=[*on_startup, close_sockets_on_sigterm(socket_registry)],
        on_shutdown=list(on_shutdown),
        # A span per request (the probes and the metrics page aside) when tracing is on.
        plugins=[OpenTelemetryPlugin(OpenTelemetryConfig(exclude=UNTRACED_PATHS))]
        if tracing
        else [],
        debug=debug,
    )
    # Every error the OpenAPI document shows is the envelope the routes really send (built now,
    # once: every route is registered).
    envelope_errors_only(app.openapi_schema)
    # Before routing (so inside the security headers): HEAD, CORS, and some 404s.
    fixed_paths = {route.path for route in app.routes if "{" not in route.path}
    front_door = FrontDoor(
        app.asgi_handler,
        allowed_origin=cors_origin,
        socket_paths=frozenset(r.path for r in app.routes if isinstance(r, WebSocketRoute)),
        schema_prefix=SCHEMA_PATH,
        schema_paths=frozenset(path for path in fixed_paths if path.startswith(SCHEMA_PATH)),
    )
    # Outermost: every answer, the front door's too, carries the request id and is counted.
    app.asgi_handler = Observed(front_door, lines)
    # What a server that calls the app back per message may serve without the ASGI route
    # (ours does: bootstrap offers it to infrastructure/ws_direct.py).
    app.state.direct_sockets = {LIVE_PATH: DirectLiveSockets(live_services)}
    return app
