"""The request class of the app."""

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException
from msgspec import ValidationError, convert


class AppRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        """The body, checked strictly against the route's body type (so `1` or `"true"` is no
        boolean: Litestar converts with msgspec's lax rules). Litestar decodes a body to plain
        values before checking it against its type, and msgspec answers JSON nested deeper than
        its recursion limit with RecursionError (not its DecodeError, which Litestar turns into
        a 400)."""
        try:
            value = await super().json()
        except RecursionError:
            raise ClientException("JSON nested too deeply") from None
        body = self.route_handler.parsed_fn_signature.parameters.get("data")
        if body is None:
            return value
        try:
            # Litestar's own conversion then takes the typed value as it is.
            return convert(value, body.annotation, strict=True)
        except ValidationError:
            raise ClientException("Invalid request schema") from None
