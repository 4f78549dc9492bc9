"""The raw-token authentication middleware and the role guards."""

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import HttpMethod, ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from api.errors import (
    ADMIN_ACCESS_REQUIRED,
    STUDENT_ACCESS_REQUIRED,
    TEACHER_ACCESS_REQUIRED,
    UNAUTHORIZED,
)
from api.log_context import bind_user_id
from domain.errors import InvalidToken
from domain.users import IssuedToken, Role

PUBLIC = {"exclude_from_auth": True}
# What the OpenAPI document declares for every route that is not PUBLIC (see api/docs.py).
TOKEN_REQUIRED: list[dict[str, list[str]]] = [{"token": []}]
# For routes about the caller's own account (`GET /auth/me` says 404 when it is gone).
ACCOUNT_MAY_BE_MISSING = {"account_may_be_missing": True}

Authenticate = Callable[..., Awaitable[IssuedToken]]


def token_from_header(value: str) -> str:
    """`Authorization: <jwt>`, as the contract has it; `Bearer <jwt>` is accepted too."""
    value = value.strip()
    if value[:7].lower() == "bearer ":
        return value[7:].strip()
    return value


class TokenAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    def __init__(self, app: ASGIApp, authenticate: Authenticate, **kwargs: Any) -> None:
        super().__init__(
            app, scopes={ScopeType.HTTP}, exclude_http_methods=[HttpMethod.OPTIONS], **kwargs
        )
        self._authenticate = authenticate

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        token = token_from_header(connection.headers.get("authorization", ""))
        if not token:
            raise NotAuthorizedException(UNAUTHORIZED)
        try:
            issued = await self._authenticate(
                token,
                account_must_exist=not connection.route_handler.opt.get("account_may_be_missing"),
            )
        except InvalidToken:
            raise NotAuthorizedException(UNAUTHORIZED) from None
        identity = issued.identity
        bind_user_id(identity.user_id)  # for its lines
        # request.user is who; request.auth the token as read (when it was issued, too).
        return AuthenticationResult(user=identity, auth=issued)


def _require(
    role: Role, message: str
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]:
    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.user.role is not role:
            raise PermissionDeniedException(message)

    guard.__name__ = f"{role.value}_only"
    return guard


teacher_only = _require(Role.TEACHER, TEACHER_ACCESS_REQUIRED)
student_only = _require(Role.STUDENT, STUDENT_ACCESS_REQUIRED)
admin_only = _require(Role.ADMIN, ADMIN_ACCESS_REQUIRED)
