"""Routes for school administrators (issue 25): accounts. Every one is for admins only."""

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from api.authentication import admin_only
from api.controllers.paths import uuid_or_none
from api.controllers.query import require_plain_numbers
from api.openapi import failures
from api.schemas import SEARCH_TEXT_PATTERN, AdminUserResponse, RoleChangeRequest, Success
from domain.errors import UserNotFound
from domain.users import AccountStatus, Role, User, UserQuery
from services.admin import AdminService

MAX_LIMIT = 200


def admin_user_response(user: User) -> AdminUserResponse:
    return AdminUserResponse(
        id=user.id, name=user.name, email=user.email, role=user.role, status=user.status
    )


def user_id_from_path(raw: str) -> UUID:
    """An id that is not a UUID names nobody."""
    user_id = uuid_or_none(raw)
    if user_id is None:
        raise UserNotFound(raw)
    return user_id


class AdminController(Controller):
    path = "/admin"
    tags = ["admin"]
    guards = [admin_only]

    @get("/users", responses=failures(400, 401, 403))
    async def list_users(
        self,
        request: Request[Any, Any, Any],
        admin_service: NamedDependency[AdminService],
        role: Annotated[Role | None, Parameter(description="Only users of this role")] = None,
        search: Annotated[
            str | None,
            Parameter(
                description="Only users whose name or email starts with this (any letter case)",
                max_length=254,
                pattern=SEARCH_TEXT_PATTERN,
            ),
        ] = None,
        status: Annotated[
            AccountStatus | None,
            Parameter(
                description="Only accounts that are active, deactivated, or invited (no"
                " password chosen yet)"
            ),
        ] = None,
        limit: Annotated[int, Parameter(description="At most this many", ge=1, le=MAX_LIMIT)] = 50,
        offset: Annotated[
            int, Parameter(description="Skip this many first", ge=0, le=2**31 - 1)
        ] = 0,
    ) -> Success[list[AdminUserResponse]]:
        """Every user (any role), ordered by name, a page at a time, with their status."""
        require_plain_numbers(request, "limit", "offset")
        users = await admin_service.list_users(
            UserQuery(role, search or None, limit, offset, status)
        )
        return Success(data=[admin_user_response(user) for user in users])

    @patch("/users/{user_id:str}", responses=failures(400, 401, 403, 404, 409, 413))
    async def change_role(
        self,
        user_id: FromPath[str],
        data: JSONBody[RoleChangeRequest],
        admin_service: NamedDependency[AdminService],
    ) -> Success[AdminUserResponse]:
        """Gives the user another role (`teacher`, `student` or `admin`). Their tokens of the
        old role stop working (401) and their live sockets are closed. The last active admin
        cannot give the role up (409)."""
        user = await admin_service.change_role(user_id_from_path(user_id), data.role)
        return Success(data=admin_user_response(user))

    @post(
        "/users/{user_id:str}/deactivate", status_code=200, responses=failures(401, 403, 404, 409)
    )
    async def deactivate(
        self, user_id: FromPath[str], admin_service: NamedDependency[AdminService]
    ) -> Success[AdminUserResponse]:
        """The account can no longer log in, its tokens are refused (401) and its live sockets
        are closed, on every server process; its records stay. The last active admin cannot
        be deactivated (409). Deactivating a deactivated account changes nothing."""
        user = await admin_service.deactivate(user_id_from_path(user_id))
        return Success(data=admin_user_response(user))

    @post("/users/{user_id:str}/reactivate", status_code=200, responses=failures(401, 403, 404))
    async def reactivate(
        self, user_id: FromPath[str], admin_service: NamedDependency[AdminService]
    ) -> Success[AdminUserResponse]:
        """The account may log in again; its tokens from before stay refused."""
        user = await admin_service.reactivate(user_id_from_path(user_id))
        return Success(data=admin_user_response(user))
