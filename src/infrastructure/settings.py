"""Configuration from the environment and an optional .env file, validated once at start-up.

Each setting is declared once, in SETTINGS: its variable, its kind, its default and its meaning.
Loading, validation, the environment handed to worker processes and the README's table all come
from that one declaration. Every problem is collected, so a bad start names all of them."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from dotenv import dotenv_values

from domain.users import PasswordLogin, SignupPolicy
from infrastructure import setting_kinds as kinds
from infrastructure.logs import LOG_FORMATS, LOG_LEVELS
from infrastructure.mail import SmtpSecurity
from infrastructure.oidc_config import OidcProviderSettings, parse_providers, show_providers

ENVIRONMENTS = ("development", "production", "test")
SIGNUP_POLICIES = tuple(policy.value for policy in SignupPolicy)
SMTP_SECURITIES = tuple(security.value for security in SmtpSecurity)
PASSWORD_LOGINS = tuple(policy.value for policy in PasswordLogin)
OIDC_PROVIDERS = kinds.Kind(parse_providers, show_providers, repeat_in_errors=False)


class SettingsError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "Invalid configuration:\n" + "\n".join(f"  - {problem}" for problem in problems)
        )


@dataclass(frozen=True, slots=True)
class Setting:
    variable: str
    kind: kinds.Kind
    default: object
    meaning: str
    shown_default: str | None = None  # for the README, where the default is not a value
    required_in_production: bool = False

    @property
    def field(self) -> str:
        return self.variable.lower()


def _count(low: int, high: int) -> kinds.Kind:
    return kinds.whole_number(low, high)


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", kinds.postgres_url, None, "`postgresql://user:password@host:5432/db`; migrations are applied at start-up", "embedded PostgreSQL", required_in_production=True),
    Setting("JWT_SECRET", kinds.secret, None, "HS256 signing secret, 32+ characters", "generated, kept in `.data/jwt-secret`", required_in_production=True),
    Setting("NODE_ENV", kinds.choice(ENVIRONMENTS), "development", "`development`, `production` or `test`; production requires every setting marked required"),
    Setting("CORS_ORIGIN", kinds.origin, "http://localhost:5173", "the one origin browsers may call the API from (the web client at `/` needs none: it is same-origin)", required_in_production=True),
    Setting("PUBLIC_URL", kinds.public_url, "", "the address people reach the service at (e.g. `https://attendance.school.example`): the links the service makes (the check-in page and its QR code, password links) use it; without it they use the address the browser used, which phones cannot reach when it is `localhost` (emailed links: `http://localhost:PORT`; required in production with `SMTP_HOST`)", "none: the browser's address"),
    Setting("HOST", kinds.text, "0.0.0.0", "the address to listen on"),
    Setting("PORT", _count(1, 65535), 3000, "the port to listen on"),
    Setting("WORKERS", _count(1, 64), 1, "server processes on the port"),
    Setting("BCRYPT_ROUNDS", _count(4, 16), 10, "bcrypt cost (tests use 4)"),
    Setting("DB_POOL_SIZE", _count(1, 200), 10, "database connections per process"),
    Setting("DATA_DIR", kinds.directory, ".data", "where the embedded database and the generated secret live", "`./.data`"),
    Setting("MAX_BODY_BYTES", _count(1024, 16 * 2**20), 64 * 1024, "larger HTTP bodies get 413 `Payload too large`"),
    Setting("IMPORT_MAX_BYTES", _count(64 * 1024, 256 * 2**20), 8 * 2**20, "the largest file an import takes (a roster CSV, a OneRoster zip; 8 MiB by default), larger ones get 413 `Payload too large`; a zip may unpack to 8 times this, no more"),
    Setting("IMPORT_LINK_DAYS", _count(1, 90), 14, "how long the one-time links that imported people choose their password with work"),
    Setting("WS_MAX_FRAME_BYTES", _count(1024, 2**20), 64 * 1024, "larger frames get `ERROR` `Invalid message format`, the socket stays open (frames over 16 times this are cut off with 1009)"),
    Setting("WS_MESSAGES_PER_SECOND", _count(1, 100_000), 50, "a socket's frames over this rate get `ERROR` `Too many messages`"),
    Setting("WS_MESSAGE_BURST", _count(1, 1_000_000), 500, "frames a socket may send at once before the rate applies"),
    Setting("WS_FLOOD_GRACE_SECONDS", _count(0, 3600), 2, "a socket still flooding after this long is closed with 1008"),
    Setting("WS_SOCKETS_PER_USER", _count(1, 100_000), 10, "per process: one more socket gets `ERROR` `Too many connections` and 1008"),
    Setting("LOGIN_FAILURES_PER_EMAIL_AND_ADDRESS", _count(1, 1_000_000), 5, "logins for that email from that address get 429 `Too many attempts, try again later` until the window ends; a success clears them (see \"Login limits\")"),
    Setting("LOGIN_FAILURES_PER_ADDRESS", _count(1, 1_000_000), 50, "past this many, logins from that address by browsers new to the email are not refused but paced (see `LOGIN_PACE_SECONDS`)"),
    Setting("LOGIN_PACE_SECONDS", _count(1, 60), 2, "from an address past its failures, such logins are let through one per this many seconds, each waiting at most 10 s for its turn (further: 429)"),
    Setting("LOGIN_FAILURES_PER_EMAIL", _count(1, 1_000_000), 100, "logins for that email from any address get 429 until the window ends, except from a browser that signed up or logged in to it before"),
    Setting("SIGNUP", kinds.choice(SIGNUP_POLICIES), "open", "who may sign up by themselves: `open` (teachers and students, the assignment's), `students` (a teacher's sign-up gets 403 `Teachers join by invitation`) or `invitation` (every sign-up gets 403 `Sign-up is by invitation only`); administrators never sign up"),
    Setting("SIGNUPS_PER_ADDRESS", _count(1, 1_000_000), 300, "sign-ups from one address get 429 past this many in the window (generous: a whole class may sign up from one school network)"),
    Setting("PASSWORD_RESETS_PER_ADDRESS", _count(1, 1_000_000), 50, "requests for a password reset email (`POST /auth/password-reset`) from one address get 429 past this many in the window"),
    Setting("PASSWORD_RESETS_PER_EMAIL", _count(1, 1000), 3, "reset emails one email address is sent in the window; requests past this many send nothing, and are answered as the others (the answer never tells whether an email has an account)"),
    Setting("ATTEMPT_WINDOW_SECONDS", _count(1, 86_400), 900, "the window of the counters above (kept in PostgreSQL, so they hold across processes)"),
    Setting("CHECK_IN_ATTEMPTS_PER_SESSION", _count(1, 1000), 10, "a student's self check-ins (right or wrong) per live session; more get 429 `Too many attempts, try again later`"),
    Setting("FORWARDED_ALLOW_IPS", kinds.proxies, "", "the proxies whose `X-Forwarded-For` names the client (comma-separated addresses or networks, `*` for any): `127.0.0.1` behind a proxy on the same machine", "none"),
    Setting("HTTP_REQUEST_TIMEOUT_SECONDS", _count(1, 3600), 10, "a request (headers and body) not all arrived this long after its first byte: the connection is closed; headers over 64 KiB get 431"),
    Setting("HTTP_KEEPALIVE_SECONDS", _count(1, 3600), 5, "an idle kept-alive connection is closed after this long"),
    Setting("WRITE_TIMEOUT_SECONDS", _count(1, 3600), 30, "a client that leaves what was sent to it (a response or a socket's frames) unread for this long, its connection's buffer full all the while, is cut off"),
    Setting("EXPORTS_PER_USER", _count(1, 100), 2, "per process: the CSV history exports one user may have streaming at once; one more gets 429"),
    Setting("MAX_CONNECTIONS", _count(10, 1_000_000), 10_000, "per process, HTTP and WebSocket together: one more gets 503 `Service unavailable`"),
    Setting("LOG_LEVEL", kinds.choice(LOG_LEVELS), "INFO", "`DEBUG`, `INFO` (one access line per request and per socket), `WARNING` or `ERROR`"),
    Setting("LOG_FORMAT", kinds.choice(("auto", *LOG_FORMATS)), "auto", "`json`: one JSON object per line; `console`: readable lines; `auto`: `json` in production, else `console`"),
    Setting("METRICS_TOKEN", kinds.secret, None, "when set, `GET /metrics` answers only a scraper that sends `Authorization: Bearer <token>` (32+ characters)", "none: `/metrics` is open"),
    Setting("OTEL_EXPORTER_OTLP_ENDPOINT", kinds.text, "", "OpenTelemetry traces are sent to this OTLP/HTTP collector (e.g. `http://localhost:4318`); none are made when empty", "none: no traces"),
    Setting("SMTP_HOST", kinds.text, "", "the mail server (SMTP) that password reset emails go out through; without it nothing is emailed, and \"forgot your password\" says to ask the school's administrator (see \"Running it for a school\")", "none: no email"),
    Setting("SMTP_PORT", _count(1, 65535), 587, "the mail server's port: 587 for `starttls`, 465 for `tls`, often 25 for `none`"),
    Setting("SMTP_SECURITY", kinds.choice(SMTP_SECURITIES), "starttls", "`starttls` (encrypted after connecting, required: a server that does not offer it gets no mail), `tls` (encrypted from the start) or `none` (plain text: only for a relay on the same machine or a trusted network); certificates are checked"),
    Setting("SMTP_USERNAME", kinds.text, "", "the account to sign in to the mail server with, if it wants one", "none"),
    Setting("SMTP_PASSWORD", kinds.password, "", "that account's password", "none"),
    Setting("SMTP_FROM", kinds.mail_from, "", "who the emails come from: `attendance@school.example` or `Live Attendance <attendance@school.example>`. Required with `SMTP_HOST`", "none"),
    Setting("PASSWORD_RESET_LINK_MINUTES", _count(1, 60), 30, "how long a password reset link works (emailed or handed over), at most an hour; each works once"),
    Setting("EXPOSE_STUDENT_EMAILS", kinds.boolean, True, "`false`: students see no classmate's email, and `GET /students` answers searches only, at most 20, showing no email the search did not spell out whole (see \"Who sees whose email\")"),
    Setting("INVITATION_DAYS", _count(1, 90), 7, "an invitation's link works this many days, once; inviting the person again gives a fresh link"),
    Setting("RETENTION_YEARS", _count(1, 100), None, "attendance records (sessions, marks, corrections, check-ins) that started more than this many years ago are deleted by `live-attendance apply-retention` (run it from cron; see \"Privacy\")", "none: kept forever"),
    Setting("OIDC_PROVIDERS", OIDC_PROVIDERS, (), "the OpenID Connect providers people may sign in with (single sign-on), a JSON list of `{\"key\", \"name\", \"issuer\", \"client_id\", \"client_secret\"}` objects with optional `allowed_domains`, `email_verified_claim`, `issuer_aliases` and `scopes` (see \"Single sign-on\"); in production it needs `PUBLIC_URL`", "none"),
    Setting("OIDC_AUTO_CREATE_DOMAINS", kinds.domains, (), "comma-separated email domains (`school.example`) whose people get a student's account at their first sign-in with a provider, if they have none; other people need an account first (an invitation, an import)", "none"),
    Setting("PASSWORD_LOGIN", kinds.choice(PASSWORD_LOGINS), "everyone", "`everyone`, or `admins`: only administrators log in with a password (everyone else gets 403 `Password login is for administrators; sign in with your school account`, and sign-up is closed)"),
    Setting("OIDC_CLOCK_SKEW_SECONDS", _count(0, 300), 60, "how far a provider's clock may be from ours when its ID tokens' times are checked"),
    Setting("OIDC_JWKS_REFETCH_SECONDS", _count(0, 3600), 30, "an ID token signed by a key the provider's published keys lack makes them be fetched again (keys rotate), at most once per this many seconds"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None
    jwt_secret: str | None
    node_env: str
    cors_origin: str
    public_url: str
    host: str
    port: int
    workers: int
    bcrypt_rounds: int
    db_pool_size: int
    data_dir: Path
    max_body_bytes: int
    import_max_bytes: int
    import_link_days: int
    ws_max_frame_bytes: int
    ws_messages_per_second: int
    ws_message_burst: int
    ws_flood_grace_seconds: int
    ws_sockets_per_user: int
    login_failures_per_email_and_address: int
    login_failures_per_address: int
    login_pace_seconds: int
    login_failures_per_email: int
    signup: str
    signups_per_address: int
    check_in_attempts_per_session: int
    password_resets_per_address: int
    password_resets_per_email: int
    attempt_window_seconds: int
    forwarded_allow_ips: str
    http_request_timeout_seconds: int
    http_keepalive_seconds: int
    write_timeout_seconds: int
    exports_per_user: int
    max_connections: int
    log_level: str
    log_format: str
    metrics_token: str | None
    otel_exporter_otlp_endpoint: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str
    smtp_password: str
    smtp_from: str
    password_reset_link_minutes: int
    expose_student_emails: bool
    invitation_days: int
    retention_years: int | None
    oidc_providers: tuple[OidcProviderSettings, ...]
    oidc_auto_create_domains: tuple[str, ...]
    password_login: str
    oidc_clock_skew_seconds: int
    oidc_jwks_refetch_seconds: int

    @property
    def resolved_log_format(self) -> str:
        if self.log_format == "auto":
            return "json" if self.node_env == "production" else "console"
        return self.log_format

    @property
    def resolved_database_url(self) -> str:
        """The database URL, once the `serve` command filled it in (or it was given)."""
        if self.database_url is None:
            raise SettingsError(["DATABASE_URL is not set"])
        return self.database_url

    def with_database_url(self, url: str) -> "Settings":
        return replace(self, database_url=url)

    def with_jwt_secret(self, secret: str) -> "Settings":
        return replace(self, jwt_secret=secret)

    def as_environment(self) -> dict[str, str]:
        """The settings as environment variables, for worker processes to load again."""
        values = {s.variable: s.kind.show(getattr(self, s.field)) for s in SETTINGS}
        return {variable: value for variable, value in values.items() if value is not None}


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Reads the settings; the process environment wins over the .env file."""
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    problems: list[str] = []
    production = values.get("NODE_ENV", "").strip() == "production"
    parsed: dict[str, object] = {}
    for setting in SETTINGS:
        raw = values.get(setting.variable, "").strip()
        if not raw:
            if production and setting.required_in_production:
                problems.append(f"{setting.variable} is required in production")
            parsed[setting.field] = _default(setting)
            continue
        try:
            parsed[setting.field] = setting.kind.parse(raw)
        except ValueError as error:
            shown = f" (got {raw!r})" if setting.kind.repeat_in_errors else ""
            problems.append(f"{setting.variable} {error}{shown}")
    problems += _mail_problems(parsed, production)
    if production and parsed.get("oidc_providers") and not parsed.get("public_url"):
        problems.append("OIDC_PROVIDERS needs PUBLIC_URL in production (the redirect URI)")
    if problems:
        raise SettingsError(problems)
    return Settings(**parsed)  # type: ignore[arg-type]


def _mail_problems(parsed: Mapping[str, object], production: bool) -> list[str]:
    """Settings that only make sense together: a mail server needs a sender, and in
    production the address the emailed links begin with."""
    if not parsed.get("smtp_host"):
        return []
    problems = []
    if not parsed.get("smtp_from"):
        problems.append("SMTP_FROM is required when SMTP_HOST is set")
    if production and not parsed.get("public_url"):
        problems.append("PUBLIC_URL is required in production when SMTP_HOST is set")
    return problems


def _default(setting: Setting) -> object:
    """Defaults written as text are read like the text a user gives (a folder is resolved)."""
    if isinstance(setting.default, str) and setting.default:
        return setting.kind.parse(setting.default)
    return setting.default


def settings_table() -> str:
    """The README's table of settings, from the declaration."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        default = setting.shown_default or f"`{setting.kind.show(setting.default)}`"
        required = " Required in production." if setting.required_in_production else ""
        lines.append(f"| `{setting.variable}` | {default} | {setting.meaning}.{required} |")
    return "\n".join(lines) + "\n"
