"""Invitations: a school brings people in without their signing up. Inviting an email with no
account makes the account at once, with no password (NO_PASSWORD) and enrolled in the class
if there is one, and issues a one-time link (an account link of purpose INVITATION) with which
the invitee chooses their password. An account in use is only enrolled; one still invited gets
a fresh link."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.errors import InvalidLink, InvitationNotAllowed, OnlyStudentsJoinClasses
from domain.users import Identity, Role


@dataclass(frozen=True, slots=True)
class Invitee:
    """Who is invited, as whom, and into which class (students only)."""

    name: str
    email: str
    role: Role
    class_id: UUID | None = None


def check_invitation(inviter: Identity, invitee: Invitee) -> None:
    """Administrators invite anyone, and students into any class; teachers invite students
    into a class (their own: checked where the class is loaded); nobody else invites."""
    if invitee.class_id is not None and invitee.role is not Role.STUDENT:
        raise OnlyStudentsJoinClasses()
    if inviter.role is Role.ADMIN:
        return
    teachers_own = invitee.role is Role.STUDENT and invitee.class_id is not None
    if inviter.role is not Role.TEACHER or not teachers_own:
        raise InvitationNotAllowed()


@dataclass(frozen=True, slots=True)
class Invitation:
    """What is kept of an invitation beside its link (found by the link's digest): into which
    class, by whom, when."""

    digest: bytes
    class_id: UUID | None
    invited_by: UUID
    invited_at: datetime


@dataclass(frozen=True, slots=True)
class PendingInvitation:
    """An invitation whose link was not used (it may have expired), as the people who see it
    are shown it: the invitee's account as it is now, the class's and the inviter's names."""

    user_id: UUID
    name: str
    email: str
    role: Role
    class_id: UUID | None
    class_name: str | None
    invited_by: UUID | None  # None: the inviter's account is gone
    invited_by_name: str | None
    invited_at: datetime
    expires_at: datetime


def usable(found: PendingInvitation | None, now: datetime) -> PendingInvitation:
    """The invitation a link stands for, if the link still works (InvalidLink otherwise)."""
    if found is None or found.expires_at <= now:
        raise InvalidLink()
    return found
