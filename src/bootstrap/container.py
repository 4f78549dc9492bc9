"""The container: every object of the service is made here, and nowhere else."""

import gc
from datetime import timedelta

from dependency_injector import containers, providers

from api.app import ApiServices, create_app
from api.limits import ApiLimits
from api.log_context import add_bound_ids
from api.observability import AccessLines
from bootstrap.admins import link_base
from domain.account_ports import Mailer
from domain.throttling import AttemptPolicy
from domain.users import PasswordLogin, SignupPolicy
from infrastructure.clock import SystemClock
from infrastructure.database.attempts import PostgresAttemptCounter
from infrastructure.database.pool import Database
from infrastructure.database.unit_of_work import PostgresUnitOfWork
from infrastructure.database.urls import plain_url
from infrastructure.imports.readers import ImportFileReader
from infrastructure.logs import configure_logging, json_access_lines
from infrastructure.mail import NoMailer, SmtpMailer, SmtpSecurity
from infrastructure.messaging.postgres_bus import PostgresEventBus
from infrastructure.metrics import forget_dead_processes, forget_this_process
from infrastructure.oidc_client import OidcIdentityProviders
from infrastructure.oidc_pending import JwtPendingSignInSeal
from infrastructure.security import BcryptHasher, JwtTokenCodec
from infrastructure.settings import Settings, SettingsError, load_settings
from infrastructure.tracing import start_tracing
from infrastructure.ws_direct import ASGIApp, serving_sockets_directly
from services.accounts import AccountService
from services.admin import AdminService
from services.attendance import AttendanceService
from services.auth import AuthService
from services.background import BackgroundTasks
from services.check_in import CheckInService
from services.classes import ClassService
from services.health import HealthService
from services.invitations import InvitationService
from services.known_accounts import KnownAccounts
from services.oneroster_import import OneRosterImportService
from services.password_reset import PasswordResetService
from services.privacy import PrivacyService
from services.profile import ProfileService
from services.records import RecordsService
from services.retention import RetentionService
from services.roster_import import RosterImportService
from services.school_report import SchoolReportService
from services.single_sign_on import SingleSignOnService


async def spare_the_heap() -> None:
    """Once started, what exists (modules, the app, its routes) lives as long as the process:
    the garbage collector stops scanning it, which shortens every full collection (measured
    in docs/benchmarks.md; collecting the young less often was measured too, and did not pay)."""
    gc.collect()
    gc.freeze()


def make_mailer(settings: Settings) -> Mailer:
    """Through the SMTP server of the settings; none configured (no SMTP_HOST), a mailer that
    says so."""
    if not settings.smtp_host:
        return NoMailer()
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        security=SmtpSecurity(settings.smtp_security),
        username=settings.smtp_username,
        password=settings.smtp_password,
    )


async def start_counting() -> None:
    forget_dead_processes()


async def stop_counting() -> None:
    forget_this_process()


# A OneRoster zip may unpack to this many times IMPORT_MAX_BYTES (CSV compresses 5 to 10 times).
UNPACKED_PER_IMPORT_BYTE = 8


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    database = providers.Singleton(
        Database,
        dsn=providers.Callable(plain_url, settings.provided.database_url),
        size=settings.provided.db_pool_size,
    )
    unit_of_work = providers.Factory(PostgresUnitOfWork, database)

    hasher = providers.Singleton(BcryptHasher, rounds=settings.provided.bcrypt_rounds)
    tokens = providers.Singleton(JwtTokenCodec, secret=settings.provided.jwt_secret)
    clock = providers.Singleton(SystemClock)
    event_bus = providers.Singleton(
        PostgresEventBus, dsn=providers.Callable(plain_url, settings.provided.database_url)
    )

    attempt_counter = providers.Singleton(PostgresAttemptCounter, database)
    attempt_policy = providers.Singleton(
        AttemptPolicy.with_limits,
        per_email_and_address=settings.provided.login_failures_per_email_and_address,
        per_address=settings.provided.login_failures_per_address,
        per_email=settings.provided.login_failures_per_email,
        signups_per_address=settings.provided.signups_per_address,
        window_seconds=settings.provided.attempt_window_seconds,
        check_ins_per_session=settings.provided.check_in_attempts_per_session,
        busy_address_pace_seconds=settings.provided.login_pace_seconds,
        password_resets_per_address=settings.provided.password_resets_per_address,
        password_resets_per_email=settings.provided.password_resets_per_email,
    )
    known_accounts = providers.Singleton(KnownAccounts)
    auth_service = providers.Singleton(
        AuthService,
        uow=unit_of_work.provider,
        hasher=hasher,
        tokens=tokens,
        attempts=attempt_counter,
        policy=attempt_policy,
        known_accounts=known_accounts,
        signup=providers.Callable(SignupPolicy, settings.provided.signup),
        clock=clock,
        password_login=providers.Callable(PasswordLogin, settings.provided.password_login),
    )
    admin_service = providers.Singleton(
        AdminService, uow=unit_of_work.provider, events=event_bus, clock=clock
    )
    class_service = providers.Singleton(
        ClassService,
        uow=unit_of_work.provider,
        events=event_bus,
        expose_student_emails=settings.provided.expose_student_emails,
    )
    attendance_service = providers.Singleton(
        AttendanceService, uow=unit_of_work.provider, clock=clock, events=event_bus
    )
    check_in_service = providers.Singleton(
        CheckInService,
        uow=unit_of_work.provider,
        clock=clock,
        events=event_bus,
        attempts=attempt_counter,
        policy=attempt_policy,
    )
    account_service = providers.Singleton(
        AccountService,
        uow=unit_of_work.provider,
        hasher=hasher,
        clock=clock,
        events=event_bus,
        reset_link_lifetime=providers.Callable(
            lambda minutes: timedelta(minutes=minutes),
            settings.provided.password_reset_link_minutes,
        ),
    )
    profile_service = providers.Singleton(
        ProfileService, uow=unit_of_work.provider, auth=auth_service, accounts=account_service
    )
    mailer = providers.Singleton(make_mailer, settings)
    background_tasks = providers.Singleton(BackgroundTasks)
    password_reset_service = providers.Singleton(
        PasswordResetService,
        accounts=account_service,
        uow=unit_of_work.provider,
        mailer=mailer,
        attempts=attempt_counter,
        policy=attempt_policy,
        link_base=providers.Callable(link_base, settings),
        background=background_tasks,
    )
    invitation_service = providers.Singleton(
        InvitationService,
        uow=unit_of_work.provider,
        clock=clock,
        events=event_bus,
        lifetime=providers.Callable(
            lambda days: timedelta(days=days), settings.provided.invitation_days
        ),
    )
    records_service = providers.Singleton(
        RecordsService,
        uow=unit_of_work.provider,
        clock=clock,
        events=event_bus,
        exports_per_user=settings.provided.exports_per_user,
    )
    import_files = providers.Singleton(
        ImportFileReader,
        max_uncompressed_bytes=providers.Callable(
            lambda limit: UNPACKED_PER_IMPORT_BYTE * limit, settings.provided.import_max_bytes
        ),
    )
    import_link_lifetime = providers.Callable(
        lambda days: timedelta(days=days), settings.provided.import_link_days
    )
    roster_import_service = providers.Singleton(
        RosterImportService,
        uow=unit_of_work.provider,
        files=import_files,
        events=event_bus,
        clock=clock,
        link_lifetime=import_link_lifetime,
    )
    oneroster_import_service = providers.Singleton(
        OneRosterImportService,
        uow=unit_of_work.provider,
        files=import_files,
        events=event_bus,
        clock=clock,
        link_lifetime=import_link_lifetime,
    )
    health_service = providers.Singleton(HealthService, database, event_bus)
    privacy_service = providers.Singleton(
        PrivacyService,
        uow=unit_of_work.provider,
        clock=clock,
        events=event_bus,
        attempts=attempt_policy,
        attendance=attendance_service,
    )
    school_report_service = providers.Singleton(SchoolReportService, uow=unit_of_work.provider)
    retention_service = providers.Singleton(
        RetentionService,
        uow=unit_of_work.provider,
        clock=clock,
        years=settings.provided.retention_years,
    )
    identity_providers = providers.Singleton(
        OidcIdentityProviders,
        settings.provided.oidc_providers,
        clock_skew_seconds=settings.provided.oidc_clock_skew_seconds,
        jwks_refetch_seconds=settings.provided.oidc_jwks_refetch_seconds,
    )
    sign_on_service = providers.Singleton(
        SingleSignOnService,
        uow=unit_of_work.provider,
        providers=identity_providers,
        seal=providers.Singleton(JwtPendingSignInSeal, secret=settings.provided.jwt_secret),
        tokens=tokens,
        clock=clock,
        auto_create_domains=providers.Callable(
            frozenset, settings.provided.oidc_auto_create_domains
        ),
    )

    api_services = providers.Singleton(
        ApiServices,
        auth=auth_service,
        accounts=account_service,
        profile=profile_service,
        password_reset=password_reset_service,
        admin=admin_service,
        invitations=invitation_service,
        classes=class_service,
        attendance=attendance_service,
        check_in=check_in_service,
        records=records_service,
        roster_imports=roster_import_service,
        oneroster_imports=oneroster_import_service,
        health=health_service,
        sign_on=sign_on_service,
        events=event_bus,
        privacy=privacy_service,
        school_report=school_report_service,
    )
    api_limits = providers.Singleton(
        ApiLimits,
        max_body_bytes=settings.provided.max_body_bytes,
        max_import_bytes=settings.provided.import_max_bytes,
        max_frame_bytes=settings.provided.ws_max_frame_bytes,
        messages_per_second=settings.provided.ws_messages_per_second,
        message_burst=settings.provided.ws_message_burst,
        flood_grace_seconds=settings.provided.ws_flood_grace_seconds,
        sockets_per_user=settings.provided.ws_sockets_per_user,
    )
    app = providers.Singleton(
        create_app,
        api_services,
        cors_origin=settings.provided.cors_origin,
        public_url=settings.provided.public_url,
        on_startup=providers.List(
            database.provided.start,
            event_bus.provided.start,
            providers.Object(start_counting),
            providers.Object(spare_the_heap),
        ),
        on_shutdown=providers.List(
            background_tasks.provided.finish,  # the emails being sent, while the database is up
            event_bus.provided.stop,
            database.provided.stop,
            providers.Object(stop_counting),
        ),
        limits=api_limits,
        metrics_token=settings.provided.metrics_token,
        tracing=providers.Callable(bool, settings.provided.otel_exporter_otlp_endpoint),
    )


def container_from_environment() -> Container:
    """For a server process: everything comes from the environment, already resolved by the
    `serve` command (or given by whoever runs the ASGI app directly)."""
    settings = load_settings()
    missing = [
        name
        for name, value in (
            ("DATABASE_URL", settings.database_url),
            ("JWT_SECRET", settings.jwt_secret),
        )
        if not value
    ]
    if missing:
        raise SettingsError(
            [
                f"{name} is not set; start the service with `live-attendance serve`"
                for name in missing
            ]
        )
    return Container(settings=settings)


def create_app_from_environment() -> ASGIApp:
    """The ASGI application of one server process (uvicorn's factory), offering our server
    the live path it serves without an ASGI task per socket."""
    app_container = container_from_environment()
    settings = app_container.settings()
    configure_logging(settings.log_level, settings.resolved_log_format, add_bound_ids)
    if settings.otel_exporter_otlp_endpoint:
        start_tracing()  # flushed by the provider itself when the process exits
    access_lines: AccessLines | None = json_access_lines()  # the api's interface, checked
    if access_lines is not None:
        app_container.app.add_kwargs(access_lines=access_lines)
    app = app_container.app()
    return serving_sockets_directly(app, app.state.direct_sockets)
