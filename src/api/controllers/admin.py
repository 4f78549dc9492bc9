"""Routes for school administrators (issue 25): accounts. Every one is for admins only."""

from typing import Annotated, Any

from litestar import Controller, Request, get, patch
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from api.authentication import admin_only
from api.controllers.auth import user_response
from api.controllers.paths import uuid_or_none
from api.controllers.query import require_plain_numbers
from api.openapi import failures
from api.schemas import SEARCH_TEXT_PATTERN, RoleChangeRequest, Success, UserResponse
from domain.errors import UserNotFound
from domain.users import Role, UserQuery
from services.admin import AdminService

MAX_LIMIT = 200


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
        limit: Annotated[int, Parameter(description="At most this many", ge=1, le=MAX_LIMIT)] = 50,
        offset: Annotated[
            int, Parameter(description="Skip this many first", ge=0, le=2**31 - 1)
        ] = 0,
    ) -> Success[list[UserResponse]]:
        """Every user (any role), ordered by name, a page at a time."""
        require_plain_numbers(request, "limit", "offset")
        users = await admin_service.list_users(UserQuery(role, search or None, limit, offset))
        return Success(data=[user_response(user) for user in users])

    @patch("/users/{user_id:str}", responses=failures(400, 401, 403, 404, 409, 413))
    async def change_role(
        self,
        user_id: FromPath[str],
        data: JSONBody[RoleChangeRequest],
        admin_service: NamedDependency[AdminService],
    ) -> Success[UserResponse]:
        """Gives the user another role (`teacher`, `student` or `admin`). Their tokens of the
        old role stop working (401). The last admin cannot give the role up (409)."""
        target = uuid_or_none(user_id)
        if target is None:  # an id that is not a UUID names nobody
            raise UserNotFound(user_id)
        return Success(data=user_response(await admin_service.change_role(target, data.role)))
