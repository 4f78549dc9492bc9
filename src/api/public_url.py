"""Where the web client is, for the addresses the service hands out (links, check-in pages)."""

from typing import Any

from litestar import Request


def public_base_url(request: Request[Any, Any, Any], public_url: str | None) -> str:
    """`PUBLIC_URL` when it is set, else the address this request came to (`localhost` when
    the caller's browser used it)."""
    return f"{public_url}/" if public_url else str(request.base_url)
