"""Password reset links to hand over, for schools without a mail server: an administrator's
for any account, a teacher's for a student of their own class. The answer carries the link."""

from typing import Any

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from api.authentication import admin_only, teacher_only
from api.controllers.paths import class_id_from_path, uuid_or_none
from api.openapi import failures
from api.public_url import public_base_url
from api.schemas import PasswordLinkResponse, Success, iso_timestamp
from domain.account_links import LinkPurpose, link_address
from domain.errors import UserNotFound
from domain.users import Identity
from services.accounts import AccountService, IssuedLink


def link_response(
    request: Request[Any, Any, Any], public_url: str | None, link: IssuedLink
) -> PasswordLinkResponse:
    base = public_base_url(request, public_url)
    return PasswordLinkResponse(
        link=link_address(base, LinkPurpose.RESET_PASSWORD, link.token),
        expires_at=iso_timestamp(link.expires_at),
    )


@post(
    "/admin/users/{user_id:str}/password-link",
    guards=[admin_only],
    status_code=201,
    tags=["admin"],
    responses=failures(401, 403, 404),
)
async def admin_password_link(
    request: Request[Identity, str, Any],
    user_id: FromPath[str],
    account_service: NamedDependency[AccountService],
    public_url: NamedDependency[str | None],
) -> Success[PasswordLinkResponse]:
    """A one-time link with which the user chooses a new password, to hand to them. It works
    once, for `PASSWORD_RESET_LINK_MINUTES`; the user's older reset links stop working."""
    target = uuid_or_none(user_id)
    if target is None:  # an id that is not a UUID names nobody
        raise UserNotFound(user_id)
    return Success(
        data=link_response(request, public_url, await account_service.reset_link(target))
    )


@post(
    "/class/{class_id:str}/students/{student_id:str}/password-link",
    guards=[teacher_only],
    status_code=201,
    tags=["classes"],
    responses=failures(401, 403, 404),
)
async def student_password_link(
    request: Request[Identity, str, Any],
    class_id: FromPath[str],
    student_id: FromPath[str],
    account_service: NamedDependency[AccountService],
    public_url: NamedDependency[str | None],
) -> Success[PasswordLinkResponse]:
    """A one-time link with which a student of the class chooses a new password, to hand to
    them. It works once, for `PASSWORD_RESET_LINK_MINUTES`; their older reset links stop
    working."""
    link = await account_service.reset_link_for_student(
        request.user, class_id_from_path(class_id), uuid_or_none(student_id)
    )
    return Success(data=link_response(request, public_url, link))
