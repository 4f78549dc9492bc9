"""What a one-time link lets its holder do without signing in: choose the account's password
(the link a new administrator is given, a password reset link; later invitations); and asking
for a reset link by email ("forgot your password?")."""

from typing import Any

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.authentication import PUBLIC
from api.controllers.auth import client_address, user_response
from api.observability import throttling_counted
from api.openapi import failures
from api.schemas import (
    PasswordResetAccepted,
    PasswordResetRequest,
    SetPasswordRequest,
    Success,
    UserResponse,
)
from services.accounts import AccountService
from services.password_reset import PasswordResetService

# The one answer to every accepted request, whether the email has an account or not.
RESET_ON_ITS_WAY = (
    "If an account has this email, a link to choose a new password is on its way to it."
    " It works once, for a short time."
)


@post("/auth/password", opt=PUBLIC, status_code=200, tags=["auth"], responses=failures(400, 413))
async def set_password(
    data: JSONBody[SetPasswordRequest], account_service: NamedDependency[AccountService]
) -> Success[UserResponse]:
    """Sets the account's password with the token of a one-time link: a new administrator's
    (printed by `live-attendance create-admin`) or a password reset link. The link works once
    and for a limited time; then the user signs in with `POST /auth/login`."""
    user = await account_service.set_password(data.token, data.password)
    return Success(data=user_response(user))


@post(
    "/auth/password-reset",
    opt=PUBLIC,
    status_code=202,
    tags=["auth"],
    responses=failures(400, 413, 429),
)
async def request_password_reset(
    request: Request[Any, Any, Any],
    data: JSONBody[PasswordResetRequest],
    password_reset_service: NamedDependency[PasswordResetService],
) -> Success[PasswordResetAccepted]:
    """ "Forgot your password?": emails a one-time link to choose a new password, if the email
    has an account. The answer is the same either way (202), and as fast. 503 when no mail
    server is configured (an administrator or a teacher can make such a link to hand over);
    429 past the requests one address may make."""
    with throttling_counted("password_reset"):
        await password_reset_service.request_reset(data.email, client_address(request))
    return Success(data=PasswordResetAccepted(message=RESET_ON_ITS_WAY))
