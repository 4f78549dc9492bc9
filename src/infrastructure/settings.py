"""Configuration from the environment and an optional .env file, validated once at start-up.

Every problem is collected, so a bad start names all of them in one message."""

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

ENVIRONMENTS = ("development", "production", "test")
MIN_SECRET_LENGTH = 32


class SettingsError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "Invalid configuration:\n" + "\n".join(f"  - {problem}" for problem in problems)
        )


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None
    jwt_secret: str | None
    node_env: str
    cors_origin: str
    host: str
    port: int
    workers: int
    bcrypt_rounds: int
    db_pool_size: int
    login_failures_per_email_and_address: int
    login_failures_per_address: int
    login_failures_per_email: int
    signups_per_address: int
    attempt_window_seconds: int
    max_body_bytes: int
    ws_max_frame_bytes: int
    ws_messages_per_second: int
    ws_message_burst: int
    ws_flood_grace_seconds: int
    ws_sockets_per_user: int
    forwarded_allow_ips: str
    http_request_timeout_seconds: int
    http_keepalive_seconds: int
    max_connections: int
    expose_student_emails: bool
    data_dir: Path

    def with_database_url(self, url: str) -> "Settings":
        return replace(self, database_url=url)

    def with_jwt_secret(self, secret: str) -> "Settings":
        return replace(self, jwt_secret=secret)

    def as_environment(self) -> dict[str, str]:
        """The settings as environment variables, for worker processes to load again."""
        values = {
            "NODE_ENV": self.node_env,
            "CORS_ORIGIN": self.cors_origin,
            "HOST": self.host,
            "PORT": str(self.port),
            "WORKERS": str(self.workers),
            "BCRYPT_ROUNDS": str(self.bcrypt_rounds),
            "DB_POOL_SIZE": str(self.db_pool_size),
            "LOGIN_FAILURES_PER_EMAIL_AND_ADDRESS": str(self.login_failures_per_email_and_address),
            "LOGIN_FAILURES_PER_ADDRESS": str(self.login_failures_per_address),
            "LOGIN_FAILURES_PER_EMAIL": str(self.login_failures_per_email),
            "SIGNUPS_PER_ADDRESS": str(self.signups_per_address),
            "ATTEMPT_WINDOW_SECONDS": str(self.attempt_window_seconds),
            "MAX_BODY_BYTES": str(self.max_body_bytes),
            "WS_MAX_FRAME_BYTES": str(self.ws_max_frame_bytes),
            "WS_MESSAGES_PER_SECOND": str(self.ws_messages_per_second),
            "WS_MESSAGE_BURST": str(self.ws_message_burst),
            "WS_FLOOD_GRACE_SECONDS": str(self.ws_flood_grace_seconds),
            "WS_SOCKETS_PER_USER": str(self.ws_sockets_per_user),
            "FORWARDED_ALLOW_IPS": self.forwarded_allow_ips,
            "HTTP_REQUEST_TIMEOUT_SECONDS": str(self.http_request_timeout_seconds),
            "HTTP_KEEPALIVE_SECONDS": str(self.http_keepalive_seconds),
            "MAX_CONNECTIONS": str(self.max_connections),
            "EXPOSE_STUDENT_EMAILS": "true" if self.expose_student_emails else "false",
            "DATA_DIR": str(self.data_dir),
        }
        if self.database_url:
            values["DATABASE_URL"] = self.database_url
        if self.jwt_secret:
            values["JWT_SECRET"] = self.jwt_secret
        return values


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Reads the settings; the process environment wins over the .env file."""
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    problems: list[str] = []

    def text(name: str, default: str | None = None) -> str | None:
        value = values.get(name, "").strip()
        return value or default

    def integer(name: str, default: int, low: int, high: int) -> int:
        raw = text(name)
        if raw is None:
            return default
        try:
            number = int(raw)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            problems.append(f"{name} must be a whole number from {low} to {high} (got {raw!r})")
            return default
        return number

    def boolean(name: str, default: bool) -> bool:
        raw = text(name)
        if raw is None:
            return default
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        problems.append(f"{name} must be true or false (got {raw!r})")
        return default

    def proxies() -> str:
        """FORWARDED_ALLOW_IPS: `*`, or comma-separated addresses and networks; none by default."""
        raw = text("FORWARDED_ALLOW_IPS", "") or ""
        entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
        for entry in entries:
            try:
                if entry != "*":
                    ipaddress.ip_network(entry, strict=False)
            except ValueError:
                problems.append(f"FORWARDED_ALLOW_IPS: {entry!r} is not an address or network")
        return ",".join(entries)

    node_env = text("NODE_ENV", "development") or "development"
    if node_env not in ENVIRONMENTS:
        problems.append(f"NODE_ENV must be one of {', '.join(ENVIRONMENTS)} (got {node_env!r})")
    production = node_env == "production"

    database_url = text("DATABASE_URL")
    if database_url is None:
        if production:
            problems.append("DATABASE_URL is required in production")
    elif urlsplit(database_url).scheme not in ("postgres", "postgresql", "postgresql+asyncpg"):
        problems.append("DATABASE_URL must be a postgresql:// URL")

    jwt_secret = text("JWT_SECRET")
    if jwt_secret is None:
        if production:
            problems.append("JWT_SECRET is required in production")
    elif len(jwt_secret) < MIN_SECRET_LENGTH:
        problems.append(f"JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters long")

    cors_origin = text("CORS_ORIGIN")
    if cors_origin is None:
        if production:
            problems.append("CORS_ORIGIN is required in production")
        cors_origin = "http://localhost:5173"
    else:
        parts = urlsplit(cors_origin)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"CORS_ORIGIN must be an http(s) URL (got {cors_origin!r})")

    settings = Settings(
        database_url=database_url,
        jwt_secret=jwt_secret,
        node_env=node_env,
        cors_origin=cors_origin.rstrip("/"),
        host=text("HOST", "0.0.0.0") or "0.0.0.0",
        port=integer("PORT", 3000, 1, 65535),
        workers=integer("WORKERS", 1, 1, 64),
        bcrypt_rounds=integer("BCRYPT_ROUNDS", 10, 4, 16),
        db_pool_size=integer("DB_POOL_SIZE", 10, 1, 200),
        login_failures_per_email_and_address=integer(
            "LOGIN_FAILURES_PER_EMAIL_AND_ADDRESS", 5, 1, 1_000_000
        ),
        login_failures_per_address=integer("LOGIN_FAILURES_PER_ADDRESS", 50, 1, 1_000_000),
        login_failures_per_email=integer("LOGIN_FAILURES_PER_EMAIL", 100, 1, 1_000_000),
        signups_per_address=integer("SIGNUPS_PER_ADDRESS", 300, 1, 1_000_000),
        attempt_window_seconds=integer("ATTEMPT_WINDOW_SECONDS", 900, 1, 86_400),
        max_body_bytes=integer("MAX_BODY_BYTES", 64 * 1024, 1024, 16 * 2**20),
        ws_max_frame_bytes=integer("WS_MAX_FRAME_BYTES", 64 * 1024, 1024, 2**20),
        ws_messages_per_second=integer("WS_MESSAGES_PER_SECOND", 50, 1, 100_000),
        ws_message_burst=integer("WS_MESSAGE_BURST", 500, 1, 1_000_000),
        ws_flood_grace_seconds=integer("WS_FLOOD_GRACE_SECONDS", 2, 0, 3600),
        ws_sockets_per_user=integer("WS_SOCKETS_PER_USER", 10, 1, 100_000),
        forwarded_allow_ips=proxies(),
        http_request_timeout_seconds=integer("HTTP_REQUEST_TIMEOUT_SECONDS", 10, 1, 3600),
        http_keepalive_seconds=integer("HTTP_KEEPALIVE_SECONDS", 5, 1, 3600),
        max_connections=integer("MAX_CONNECTIONS", 10_000, 10, 1_000_000),
        expose_student_emails=boolean("EXPOSE_STUDENT_EMAILS", True),
        data_dir=Path(text("DATA_DIR", ".data") or ".data").resolve(),
    )
    if problems:
        raise SettingsError(problems)
    return settings
