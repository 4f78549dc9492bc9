"""The ids every log line written while serving a request or a socket carries: its request id,
and its user id once known. Each request and socket is served in a context of its own, so each
has its own ids. The log configuration adds them to every line (`add_bound_ids`); the access
line reads them directly."""

from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any
from uuid import UUID

_request_id: ContextVar[str | None] = ContextVar("live_attendance_request_id", default=None)
_user_id: ContextVar[str | None] = ContextVar("live_attendance_user_id", default=None)


def bind_request_id(request_id: str) -> None:
    _request_id.set(request_id)


def bind_user_id(user_id: UUID) -> None:
    """Every line logged from here on while serving this request or socket carries the id."""
    _user_id.set(str(user_id))


def bound_request_id() -> str | None:
    return _request_id.get()


def bound_user_id() -> str | None:
    return _user_id.get()


def add_bound_ids(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: the bound ids, on a line that does not name its own."""
    request_id = _request_id.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    user_id = _user_id.get()
    if user_id is not None:
        event.setdefault("user_id", user_id)
    return event
