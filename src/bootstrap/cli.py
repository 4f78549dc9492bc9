"""The command line: `live-attendance serve | migrate | makemigration | create-admin |
apply-retention | import-oneroster`.

`serve` resolves the development defaults (embedded PostgreSQL, generated secret), migrates,
and hands the ASGI app to uvicorn with the resolved settings in the environment, so any number
of worker processes load exactly the same configuration."""

import argparse
import atexit
import logging
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from api.log_context import add_bound_ids
from bootstrap.admins import admin_input_problem, run_create_admin
from bootstrap.oneroster_command import CommandFailed, run_import_oneroster
from bootstrap.retention import run_apply_retention
from infrastructure.database.migrations import generate_revision, upgrade_to_head
from infrastructure.embedded_postgres import IncompatibleDataDirectory, start_embedded_postgres
from infrastructure.logs import configure_logging
from infrastructure.secrets import load_or_create_jwt_secret
from infrastructure.settings import Settings, SettingsError, load_settings, settings_table

log = logging.getLogger("live_attendance")

# uvicorn needs the factory by name to start worker processes. The module is imported only
# once the metrics folder is set (see share_metrics_between_workers).
ASGI_APP_FACTORY = "bootstrap.container:create_app_from_environment"


def resolve_runtime_settings(settings: Settings) -> Settings:
    """Fills in what development may leave out: the database and the signing secret."""
    if settings.database_url is None:
        settings = settings.with_database_url(start_embedded_postgres(settings.data_dir))
    if settings.jwt_secret is None:
        settings = settings.with_jwt_secret(load_or_create_jwt_secret(settings.data_dir))
    return settings


def share_metrics_between_workers() -> None:
    """prometheus-client's multiprocess mode: every worker writes its metrics to files in one
    folder and `/metrics` adds them up. The folder must be named before prometheus-client is
    first imported and start empty, so each `serve` makes a new one (unless the operator named
    one; then emptying it before a start is theirs to do) and removes it when it stops."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    folder = tempfile.mkdtemp(prefix="live-attendance-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


def serve(settings: Settings) -> None:
    import uvicorn

    share_metrics_between_workers()
    settings = resolve_runtime_settings(settings)
    upgrade_to_head(settings.resolved_database_url)
    os.environ.update(settings.as_environment())
    log.info(
        "serving on http://%s:%d with %d worker(s)", settings.host, settings.port, settings.workers
    )
    uvicorn.run(
        ASGI_APP_FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        # Named, not imported here: it counts refusals, and prometheus-client must not be
        # imported before share_metrics_between_workers() has named the folder.
        http="infrastructure.http_protocol:GuardedHttpProtocol",
        timeout_keep_alive=settings.http_keepalive_seconds,
        # The client address comes from X-Forwarded-For only when the peer is a trusted proxy.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # Live sockets are ours (infrastructure/ws_direct.py); any other handshake goes to
        # uvicorn's sans-I/O protocol and the ASGI app.
        ws="websockets-sansio",
        # Frames up to 16 times the app's limit still get its "Invalid message format".
        ws_max_size=16 * settings.ws_max_frame_bytes,
        # Frames are tiny JSON: compressing each one per socket costs CPU and ~34 KB of zlib
        # state per connection, and saves next to nothing.
        ws_per_message_deflate=False,
        access_log=False,  # the app writes one access line per request and per socket
        log_config=None,  # each process configures it (pickling it for workers is not possible)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="live-attendance")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="migrate, then serve the HTTP and WebSocket API")
    commands.add_parser("migrate", help="apply every pending migration")
    commands.add_parser("settings-table", help="print the README's table of settings")
    generate = commands.add_parser("makemigration", help="write a migration from model changes")
    generate.add_argument("-m", "--message", required=True)
    admin = commands.add_parser(
        "create-admin", help="make a school administrator; prints their one-time password link"
    )
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", required=True)
    commands.add_parser(
        "apply-retention",
        help="delete attendance records older than RETENTION_YEARS (for a daily cron job)",
    )
    oneroster = commands.add_parser(
        "import-oneroster", help="sync a OneRoster CSV bundle (zip): what it would do, or --apply"
    )
    oneroster.add_argument("bundle", type=Path, help="the zip the SIS exported")
    oneroster.add_argument("--apply", action="store_true", help="apply it (else a preview)")
    oneroster.add_argument(
        "--links-to",
        type=Path,
        metavar="FILE",
        help="write the set-password links of the accounts made to FILE (CSV, owner-only)",
    )
    args = parser.parse_args(argv)

    if args.command == "settings-table":
        print(settings_table(), end="")
        return 0
    # uvicorn re-raises SIGTERM after its graceful shutdown; turning it into SystemExit lets
    # the exit handlers run, and they stop the embedded PostgreSQL.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.resolved_log_format, add_bound_ids)

    try:
        if args.command in (None, "serve"):
            serve(settings)
        elif args.command == "migrate":
            upgrade_to_head(resolve_runtime_settings(settings).resolved_database_url)
        elif args.command == "create-admin":
            problem = admin_input_problem(args.name, args.email)
            if problem:
                print(problem, file=sys.stderr)
                return 2
            settings = resolve_runtime_settings(settings)
            upgrade_to_head(settings.resolved_database_url)
            print(run_create_admin(settings, args.name.strip(), args.email.strip()))
        elif args.command == "apply-retention":
            settings = resolve_runtime_settings(settings)
            upgrade_to_head(settings.resolved_database_url)
            print(run_apply_retention(settings))
        elif args.command == "import-oneroster":
            settings = resolve_runtime_settings(settings)
            upgrade_to_head(settings.resolved_database_url)
            print(run_import_oneroster(settings, args.bundle, args.apply, args.links_to))
        elif args.command == "makemigration":
            url = resolve_runtime_settings(settings).resolved_database_url
            upgrade_to_head(url)
            generate_revision(url, args.message)
    except (IncompatibleDataDirectory, CommandFailed) as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
