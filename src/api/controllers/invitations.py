"""Invitations: administrators invite anyone (`/admin/invitations`), teachers invite students
into their own classes (`/class/{class_id}/invitations`); whoever holds an invitation link
reads what it is for (`POST /auth/invitation`) and chooses their password with it
(`POST /auth/password`). The answer to an invitation carries the link to hand over: only a
digest of its token is kept, so it is shown this once."""

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from api.authentication import PUBLIC, admin_only, teacher_only
from api.controllers.auth import user_response
from api.controllers.paths import class_id_from_path, uuid_or_none
from api.controllers.query import require_plain_numbers
from api.invitation_schemas import (
    ClassInvitationRequest,
    InvitationDetailsResponse,
    InvitationLinkRequest,
    InvitationRequest,
    InvitationResponse,
    PendingInvitationResponse,
    RevokedResponse,
)
from api.openapi import failures
from api.public_url import public_base_url
from api.schemas import Success, iso_timestamp
from domain.account_links import LinkPurpose, link_address
from domain.errors import InvitationNotFound
from domain.invitations import Invitee, PendingInvitation
from domain.users import Identity, Role
from services.invitations import InvitationOutcome, InvitationService

MAX_LIMIT = 200


def invitation_response(
    request: Request[Any, Any, Any], outcome: InvitationOutcome, public_url: str | None
) -> InvitationResponse:
    link = outcome.link
    return InvitationResponse(
        user=user_response(outcome.user),
        class_id=outcome.class_id,
        link=link_address(public_base_url(request, public_url), LinkPurpose.INVITATION, link.token)
        if link
        else None,
        expires_at=iso_timestamp(link.expires_at) if link else None,
    )


def pending_response(invitation: PendingInvitation) -> PendingInvitationResponse:
    return PendingInvitationResponse(
        user_id=invitation.user_id,
        name=invitation.name,
        email=invitation.email,
        role=invitation.role,
        class_id=invitation.class_id,
        class_name=invitation.class_name,
        invited_by=invitation.invited_by,
        invited_by_name=invitation.invited_by_name,
        invited_at=iso_timestamp(invitation.invited_at),
        expires_at=iso_timestamp(invitation.expires_at),
    )


class AdminInvitationController(Controller):
    path = "/admin/invitations"
    tags = ["admin"]
    guards = [admin_only]

    @post("/", status_code=200, responses=failures(400, 401, 403, 404, 409, 413))
    async def invite(
        self,
        request: Request[Identity, str, Any],
        data: JSONBody[InvitationRequest],
        invitation_service: NamedDependency[InvitationService],
        public_url: NamedDependency[str | None],
    ) -> Success[InvitationResponse]:
        """Invites a teacher, a student (into a class, if `classId` is given) or an admin. An
        email with no account gets one, with no password, and a one-time link to choose it
        (inviting again gives a fresh link, and the older one stops working); a student's
        account in use is only enrolled (`link` null)."""
        class_id = UUID(data.class_id) if data.class_id else None
        invitee = Invitee(data.name, data.email, data.role, class_id)
        outcome = await invitation_service.invite(request.user, invitee)
        return Success(data=invitation_response(request, outcome, public_url))

    @get("/", responses=failures(400, 401, 403))
    async def pending(
        self,
        request: Request[Any, Any, Any],
        invitation_service: NamedDependency[InvitationService],
        limit: Annotated[int, Parameter(description="At most this many", ge=1, le=MAX_LIMIT)] = 50,
        offset: Annotated[
            int, Parameter(description="Skip this many first", ge=0, le=2**31 - 1)
        ] = 0,
    ) -> Success[list[PendingInvitationResponse]]:
        """Invitations not accepted yet (expired ones too), newest first. Never the link."""
        require_plain_numbers(request, "limit", "offset")
        found = await invitation_service.pending(limit, offset)
        return Success(data=[pending_response(invitation) for invitation in found])

    @delete("/{user_id:str}", status_code=200, responses=failures(401, 403, 404))
    async def revoke(
        self, user_id: FromPath[str], invitation_service: NamedDependency[InvitationService]
    ) -> Success[RevokedResponse]:
        """The person's invitation link stops working. Their account stays, with no password
        (inviting them again gives a fresh link)."""
        invitee = uuid_or_none(user_id)
        if invitee is None:  # an id that is not a UUID names nobody
            raise InvitationNotFound(user_id)
        revoked = await invitation_service.revoke(invitee)
        return Success(data=RevokedResponse(user_id=invitee, revoked=revoked))


@post(
    "/class/{class_id:str}/invitations",
    guards=[teacher_only],
    status_code=200,
    tags=["classes"],
    responses=failures(400, 401, 403, 404, 409, 413),
)
async def invite_to_class(
    request: Request[Identity, str, Any],
    class_id: FromPath[str],
    data: JSONBody[ClassInvitationRequest],
    invitation_service: NamedDependency[InvitationService],
    public_url: NamedDependency[str | None],
) -> Success[InvitationResponse]:
    """Invites a student into the teacher's class: as `POST /admin/invitations` with the role
    `student` and this class."""
    invitee = Invitee(data.name, data.email, Role.STUDENT, class_id_from_path(class_id))
    outcome = await invitation_service.invite(request.user, invitee)
    return Success(data=invitation_response(request, outcome, public_url))


@post("/auth/invitation", opt=PUBLIC, status_code=200, tags=["auth"], responses=failures(400, 413))
async def invitation_of_link(
    data: JSONBody[InvitationLinkRequest], invitation_service: NamedDependency[InvitationService]
) -> Success[InvitationDetailsResponse]:
    """What an invitation link is for (who is invited, as what, into which class, by whom),
    without using it; its holder then chooses a password with `POST /auth/password`."""
    invitation = await invitation_service.invitation_for(data.token)
    return Success(
        data=InvitationDetailsResponse(
            name=invitation.name,
            email=invitation.email,
            role=invitation.role,
            class_name=invitation.class_name,
            invited_by_name=invitation.invited_by_name,
            expires_at=iso_timestamp(invitation.expires_at),
        )
    )
