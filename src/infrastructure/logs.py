"""Logging for every process: one format, and no secrets. Tokens (uvicorn logs the `/ws?token=`
URL of every socket), JWTs and bcrypt hashes are redacted before any handler sees them."""

import logging
import re

_SECRETS = re.compile(
    r"(?<=token=)[^\s&\"']+"  # a token in a URL
    r"|eyJ[\w-]+\.[\w-]+\.[\w-]+"  # any JWT
    r"|\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}"  # a bcrypt hash
)
REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRETS.sub(REDACTED, message)
        if redacted != message:
            record.msg, record.args = redacted, None
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
        "pgserver": {"level": "WARNING"},
    },
}
