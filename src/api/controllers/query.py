from typing import Any

from litestar import Request
from litestar.exceptions import ValidationException


def require_plain_numbers(request: Request[Any, Any, Any], *names: str) -> None:
    """Litestar reads "1e3" or "1.0" as an integer; only plain decimal digits are one here
    (400 `Invalid request schema` otherwise)."""
    for name in names:
        if not all(
            raw.isascii() and raw.isdigit() for raw in request.query_params.getall(name, [])
        ):
            raise ValidationException()
