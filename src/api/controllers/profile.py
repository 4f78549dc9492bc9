"""A signed-in user's own account beyond `GET /auth/me`: changing their name and their
password (any role)."""

from typing import Any

from litestar import Request, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.controllers.auth import client_address, user_response
from api.observability import throttling_counted
from api.openapi import failures
from api.schemas import (
    PasswordChangeRequest,
    RenameRequest,
    Success,
    TokenResponse,
    UserResponse,
)
from domain.users import Identity
from services.profile import ProfileService


@patch("/auth/me", tags=["auth"], responses=failures(400, 401, 404, 413))
async def rename_me(
    request: Request[Identity, str, Any],
    data: JSONBody[RenameRequest],
    profile_service: NamedDependency[ProfileService],
) -> Success[UserResponse]:
    """Changes the caller's name (as at sign-up: 1 to 100 characters)."""
    return Success(data=user_response(await profile_service.rename(request.user, data.name)))


@post("/auth/me/password", status_code=200, tags=["auth"], responses=failures(400, 401, 413, 429))
async def change_my_password(
    request: Request[Identity, str, Any],
    data: JSONBody[PasswordChangeRequest],
    profile_service: NamedDependency[ProfileService],
) -> Success[TokenResponse]:
    """Changes the caller's password, given the current one. Every token of the account
    issued before stops working (and its live sockets are closed), on every server process;
    the answer carries a new token for the caller. A wrong current password counts as a
    failed login to the account's email, against the same limits (429)."""
    with throttling_counted("login"):
        token = await profile_service.change_password(
            request.user, data.current_password, data.new_password, client_address(request)
        )
    return Success(data=TokenResponse(token=token))
