from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.authentication import PUBLIC
from api.openapi import failures
from api.schemas import LoginRequest, SignupRequest, Success, TokenResponse, UserResponse
from domain.users import Identity, User
from services.auth import AuthService


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else ""


def user_response(user: User) -> UserResponse:
    return UserResponse(id=user.id, name=user.name, email=user.email, role=user.role)


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/signup", opt=PUBLIC, status_code=201, responses=failures(400, 413, 429))
    async def sign_up(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SignupRequest],
        auth_service: NamedDependency[AuthService],
    ) -> Success[UserResponse]:
        user = await auth_service.sign_up(
            data.name, data.email, data.password, data.role, client_address(request)
        )
        return Success(data=user_response(user))

    @post("/login", opt=PUBLIC, status_code=200, responses=failures(400, 413, 429))
    async def log_in(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginRequest],
        auth_service: NamedDependency[AuthService],
    ) -> Success[TokenResponse]:
        token = await auth_service.log_in(data.email, data.password, client_address(request))
        return Success(data=TokenResponse(token=token))

    @get("/me", responses=failures(401, 404))
    async def me(
        self, request: Request[Identity, str, Any], auth_service: NamedDependency[AuthService]
    ) -> Success[UserResponse]:
        return Success(data=user_response(await auth_service.current_user(request.user)))
