"""Security headers on every HTTP response, errors and unknown routes included."""

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

JSON_API_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    # The API answers JSON only: nothing in a response may load or frame anything.
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
}


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A `before_send` hook: runs for every message the app sends."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in JSON_API_HEADERS.items():
            headers[name] = value
