"""The request class of the app."""

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException


class AppRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        """Litestar decodes a body to plain values before checking it against its type, and
        msgspec answers JSON nested deeper than its recursion limit with RecursionError (not
        its DecodeError, which Litestar turns into a 400)."""
        try:
            return await super().json()
        except RecursionError:
            raise ClientException("JSON nested too deeply") from None
