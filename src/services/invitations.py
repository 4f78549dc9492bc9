"""Invitations (domain/invitations.py): administrators invite teachers, students and other
administrators; teachers invite students into their own classes. The invitee chooses their
password with the link (AccountService.set_password)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

from domain.account_links import LinkPurpose, token_digest
from domain.classrooms import Classroom
from domain.errors import (
    AlreadyHasAccount,
    ClassNotFound,
    InvitationNotFound,
    InviteeDeactivated,
    RoleConflict,
)
from domain.invitations import Invitation, Invitee, PendingInvitation, check_invitation, usable
from domain.ports import Clock, EventBus, UnitOfWork, UnitOfWorkFactory
from domain.users import NO_PASSWORD, Identity, Role, User
from services.accounts import IssuedLink, add_link, new_link_token
from services.classes import enroll_student, load_owned_class


@dataclass(frozen=True, slots=True)
class InvitationOutcome:
    user: User  # the invitee's account, made now or found
    class_id: UUID | None  # the class they are enrolled in now, if any
    link: IssuedLink | None  # None: the account is in use, and was only enrolled


class InvitationService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        events: EventBus,
        lifetime: timedelta,
        new_token: Callable[[], str] = new_link_token,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._events = events
        self._lifetime = lifetime  # how long an invitation's link works
        self._new_token = new_token

    async def invite(self, inviter: Identity, invitee: Invitee) -> InvitationOutcome:
        """In one transaction: the account (made if the email has none), its enrolment in the
        class, and a fresh link if the account has no password yet (older invitation links of
        it stop working). An account of another role is a RoleConflict; a deactivated one,
        InviteeDeactivated (the invitation changes nothing of it); one in use, invited into no
        class, AlreadyHasAccount."""
        check_invitation(inviter, invitee)
        async with self._uow() as uow:
            classroom = await self._class_to_join(uow, inviter, invitee.class_id)
            await uow.invitations.hold_email(invitee.email)
            user = await uow.users.add_if_new(
                User(uuid4(), invitee.name, invitee.email, NO_PASSWORD, invitee.role)
            )
            if user.role is not invitee.role:
                raise RoleConflict(invitee.email)
            if not user.is_active:  # an invitation neither reactivates nor enrolls them
                raise InviteeDeactivated(invitee.email)
            if classroom is not None:
                await enroll_student(uow.classes, classroom, user, user.id)
            link = None
            if user.password_hash == NO_PASSWORD:
                link = await self._issue_link(uow, inviter, user, invitee.class_id)
            elif classroom is None:
                raise AlreadyHasAccount(invitee.email)
            await uow.commit()
        if classroom is not None:
            await self._events.publish(*classroom.events)
        return InvitationOutcome(user, invitee.class_id, link)

    async def _class_to_join(
        self, uow: UnitOfWork, inviter: Identity, class_id: UUID | None
    ) -> Classroom | None:
        """The class, locked: any class for an administrator, a teacher's own for a teacher."""
        if class_id is None:
            return None
        if inviter.role is not Role.ADMIN:
            return await load_owned_class(uow.classes, inviter, class_id, for_update=True)
        classroom = await uow.classes.get(class_id, for_update=True)
        if classroom is None:
            raise ClassNotFound(class_id)
        return classroom

    async def _issue_link(
        self, uow: UnitOfWork, inviter: Identity, user: User, class_id: UUID | None
    ) -> IssuedLink:
        now = self._clock.now()
        token = self._new_token()
        link = await add_link(
            uow.account_links, user.id, LinkPurpose.INVITATION, token, now + self._lifetime
        )
        await uow.invitations.add(Invitation(link.digest, class_id, inviter.user_id, now))
        return IssuedLink(token, link.expires_at)

    async def invitation_for(self, token: str) -> PendingInvitation:
        """What an invitation link stands for, without using it (InvalidLink if it does not
        work: used, expired, unknown, or a link for something else)."""
        async with self._uow() as uow:
            found = await uow.invitations.find(token_digest(token))
        return usable(found, self._clock.now())

    async def pending(self, limit: int, offset: int) -> list[PendingInvitation]:
        async with self._uow() as uow:
            return await uow.invitations.pending(limit, offset)

    async def revoke(self, user_id: UUID) -> int:
        """The account's unused invitation links stop working (the account stays, with no
        password: inviting it again gives it a fresh link)."""
        async with self._uow() as uow:
            retired = await uow.account_links.retire(user_id, [LinkPurpose.INVITATION])
            if not retired:
                raise InvitationNotFound(user_id)
            await uow.commit()
        return retired
