"""Security headers on every HTTP response, errors and unknown routes included."""

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

COMMON_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
# JSON may load or frame nothing; the web client's pages only what they serve themselves, and
# their socket.
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A `before_send` hook: runs for every message the app sends."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in COMMON_HEADERS.items():
            headers[name] = value
        is_page = (headers.get("content-type") or "").startswith("text/html")
        headers["content-security-policy"] = PAGE_POLICY if is_page else JSON_POLICY
