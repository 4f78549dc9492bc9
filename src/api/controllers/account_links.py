"""What a one-time link lets its holder do without signing in: choose the account's password
(the link a new administrator is given; later invitations and resets)."""

from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.authentication import PUBLIC
from api.controllers.auth import user_response
from api.openapi import failures
from api.schemas import SetPasswordRequest, Success, UserResponse
from services.accounts import AccountService


@post("/auth/password", opt=PUBLIC, status_code=200, tags=["auth"], responses=failures(400, 413))
async def set_password(
    data: JSONBody[SetPasswordRequest], account_service: NamedDependency[AccountService]
) -> Success[UserResponse]:
    """Sets the account's password with the token of a one-time link (a new administrator's,
    printed by `live-attendance create-admin`). The link works once and for a limited time;
    then the user signs in with `POST /auth/login`."""
    user = await account_service.set_password(data.token, data.password)
    return Success(data=user_response(user))
