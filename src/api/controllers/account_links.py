"""What a one-time link lets its holder do without signing in: choose the account's password
(the link a new administrator is given; later invitations and resets)."""

from typing import Annotated

from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import Meta, Struct

from api.authentication import PUBLIC
from api.controllers.auth import user_response
from api.openapi import failures
from api.schemas import STORABLE_TEXT_PATTERN, Success, UserResponse
from domain.users import MAX_PASSWORD_BYTES
from services.accounts import AccountService


class SetPasswordRequest(Struct):
    token: Annotated[str, Meta(min_length=1, max_length=200)]
    password: Annotated[str, Meta(min_length=6, pattern=STORABLE_TEXT_PATTERN)]

    def __post_init__(self) -> None:
        if len(self.password.encode()) > MAX_PASSWORD_BYTES:
            raise ValueError(f"password is longer than {MAX_PASSWORD_BYTES} bytes")


@post("/auth/password", opt=PUBLIC, status_code=200, tags=["auth"], responses=failures(400, 413))
async def set_password(
    data: JSONBody[SetPasswordRequest], account_service: NamedDependency[AccountService]
) -> Success[UserResponse]:
    """Sets the account's password with the token of a one-time link (a new administrator's,
    printed by `live-attendance create-admin`). The link works once and for a limited time;
    then the user signs in with `POST /auth/login`."""
    user = await account_service.set_password(data.token, data.password)
    return Success(data=user_response(user))
