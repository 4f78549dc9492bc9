from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.authentication import ACCOUNT_MAY_BE_MISSING, PUBLIC
from api.observability import throttling_counted
from api.openapi import failures
from api.schemas import LoginRequest, SignupRequest, Success, TokenResponse, UserResponse
from domain.users import Identity, Role, User
from services.auth import AuthService

# Names this browser as one that logged in to the email before (see AttemptPolicy).
DEVICE_COOKIE = "la_device"
DEVICE_COOKIE_SECONDS = 90 * 24 * 3600


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else ""


def device_cookie(request: Request[Any, Any, Any], device_token: str) -> Cookie:
    """Names this browser as one that proved it holds the email's account (see AttemptPolicy)."""
    return Cookie(
        key=DEVICE_COOKIE,
        value=device_token,
        path="/auth/login",
        max_age=DEVICE_COOKIE_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def user_response(user: User) -> UserResponse:
    return UserResponse(id=user.id, name=user.name, email=user.email, role=user.role)


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/signup", opt=PUBLIC, status_code=201, responses=failures(400, 403, 413, 429))
    async def sign_up(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SignupRequest],
        auth_service: NamedDependency[AuthService],
    ) -> Response[Success[UserResponse]]:
        """Also sets the cookie a login sets: the browser that made the account is a known
        device of it (a sign-up proves ownership as well as a login)."""
        with throttling_counted("signup"):
            user = await auth_service.sign_up(
                data.name, data.email, data.password, Role(data.role), client_address(request)
            )
        return Response(
            Success(data=user_response(user)),
            status_code=201,
            cookies=[device_cookie(request, auth_service.device_token(user.email))],
        )

    @post("/login", opt=PUBLIC, status_code=200, responses=failures(400, 403, 413, 429))
    async def log_in(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginRequest],
        auth_service: NamedDependency[AuthService],
    ) -> Response[Success[TokenResponse]]:
        """Also sets a cookie naming this device for the email: later logins from it are not
        held back by failures that other addresses caused."""
        with throttling_counted("login"):
            result = await auth_service.log_in(
                data.email,
                data.password,
                client_address(request),
                device_token=request.cookies.get(DEVICE_COOKIE),
            )
        return Response(
            Success(data=TokenResponse(token=result.token)),
            cookies=[device_cookie(request, result.device_token)],
        )


@get("/auth/me", opt=ACCOUNT_MAY_BE_MISSING, tags=["auth"], responses=failures(401, 404))
async def my_account(
    request: Request[Identity, str, Any], auth_service: NamedDependency[AuthService]
) -> Success[UserResponse]:
    """A token of a role the account no longer has is 401, like any revoked token."""
    return Success(data=user_response(await auth_service.current_user(request.user)))
