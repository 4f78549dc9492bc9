"""Security headers on every HTTP response, errors and unknown routes included."""

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from api.docs import SCHEMA_PATH

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
# The OpenAPI page (Swagger UI) starts itself from an inline script holding the document, and
# draws its icons from data: URLs; it still loads and calls nothing but this server.
DOCS_PAGE_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def _page_policy(path: str) -> str:
    return DOCS_PAGE_POLICY if path.startswith(SCHEMA_PATH) else PAGE_POLICY


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A `before_send` hook: runs for every message the app sends."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in COMMON_HEADERS.items():
            headers[name] = value
        is_page = (headers.get("content-type") or "").startswith("text/html")
        headers["content-security-policy"] = _page_policy(scope["path"]) if is_page else JSON_POLICY
