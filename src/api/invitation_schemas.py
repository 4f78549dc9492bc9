"""Request and response bodies of invitations (msgspec): a name and an email are checked as
at sign-up."""

from uuid import UUID

from msgspec import Struct

from api.schemas import Email, LinkToken, PersonName, UserResponse, UuidText
from domain.users import Role


class ClassInvitationRequest(Struct):
    """A teacher's: a student, into the class of the path."""

    name: PersonName
    email: Email


class InvitationRequest(ClassInvitationRequest, kw_only=True, rename="camel"):
    """An administrator's: anyone, and a student into any class."""

    role: Role
    class_id: UuidText | None = None


class InvitationLinkRequest(Struct):
    token: LinkToken


class InvitationResponse(Struct, rename="camel"):
    user: UserResponse  # the invitee's account, made now or found
    class_id: UUID | None  # the class they are enrolled in now, if any
    link: str | None  # to hand over; None: the account is in use, and was only enrolled
    expires_at: str | None  # when the link stops working


class PendingInvitationResponse(Struct, rename="camel"):
    user_id: UUID
    name: str
    email: str
    role: Role
    class_id: UUID | None
    class_name: str | None
    invited_by: UUID | None  # None: the inviter's account is gone
    invited_by_name: str | None
    invited_at: str
    expires_at: str  # it may have passed: then inviting again gives a fresh link


class InvitationDetailsResponse(Struct, rename="camel"):
    """What an invitation link stands for, shown to whoever holds it."""

    name: str
    email: str
    role: Role
    class_name: str | None
    invited_by_name: str | None
    expires_at: str


class RevokedResponse(Struct, rename="camel"):
    user_id: UUID
    revoked: int  # how many unused invitation links of the account stopped working
