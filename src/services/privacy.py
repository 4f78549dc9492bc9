"""Privacy requests an administrator carries out: export everything the service holds about
one person, and erase a person (their records stay in the class statistics, naming nobody).
An erased account is deactivated too: its tokens are refused and its sockets closed on every
server process at once (the event bus carries TokensRevoked, as for a deactivation)."""

import secrets
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from uuid import UUID

from domain.errors import CannotEraseSelf, LastAdminErasure, NoActiveSession, UserNotFound
from domain.events import LiveMessage
from domain.ports import Clock, EventBus, UnitOfWork, UnitOfWorkFactory
from domain.privacy import ERASED_NAME, Erasure, PersonalData, erased_email
from domain.throttling import AttemptPolicy
from domain.users import Identity, Role
from services.attendance import AttendanceService
from services.broadcasts import numbered


def new_erased_part() -> str:
    return secrets.token_hex(12)


class PrivacyService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        events: EventBus,
        attempts: AttemptPolicy,
        attendance: AttendanceService,
        new_random_part: Callable[[], str] = new_erased_part,
    ) -> None:
        """`attendance` finishes an erased teacher's live sessions as their DONE would."""
        self._uow = uow
        self._clock = clock
        self._events = events
        self._attempts = attempts
        self._attendance = attendance
        self._new_random_part = new_random_part

    async def export(self, user_id: UUID) -> tuple[PersonalData, datetime]:
        """Everything held about the person (an erased one too: what is left), and when."""
        exported_at = self._clock.now()
        async with self._uow() as uow:
            account = await uow.privacy.account(user_id)
            if account is None:
                raise UserNotFound(user_id)
            counters = self._attempts.counters_about(account.email, account.id)
            return await uow.privacy.export(account, counters), exported_at

    async def erase(self, admin: Identity, user_id: UUID) -> Erasure:
        """Erases the person: name and email replaced, password unusable, one-time links and
        login counters gone, notes of corrections about them cleared, the account deactivated
        and its tokens revoked on every server process (its sockets closed). A
        student leaves their classes (their records stay, under the erased name); a
        teacher's classes stay, archived, and a live session of theirs is finished as DONE
        would. Erasing an erased account changes nothing and answers the first erasure. An
        admin cannot erase themselves (CannotEraseSelf) nor the last admin (LastAdminErasure)."""
        if user_id == admin.user_id:
            raise CannotEraseSelf(user_id)
        async with self._uow() as uow:
            # The admins first, in the order every change of an admin takes them: two admins
            # erasing each other at once cannot both succeed, nor deadlock.
            admins = await uow.users.lock_admins()
            account = await uow.privacy.account(user_id, for_update=True)
            if account is None:
                raise UserNotFound(user_id)
            if account.erased_at is not None:
                return Erasure(user_id, account.erased_at)
            if account.id in admins and len(admins) <= 1:
                raise LastAdminErasure()
            erased_at = self._clock.now()
            user = await uow.users.get(user_id, for_update=True)  # not erased: found
            if user is not None:
                user.erase(erased_at)
                await uow.users.save(user)
            await uow.privacy.erase(
                user_id,
                ERASED_NAME,
                erased_email(self._new_random_part()),
                erased_at,
                self._attempts.counters_about(account.email, account.id),
            )
            messages, taught = await _leave_classes(uow, user_id)
            await uow.commit()
        # The revocation first: the person's sockets close before their classes hear them go.
        await self._events.publish(*(user.events if user else []), *messages)
        for class_id in taught:
            with suppress(NoActiveSession):
                await self._attendance.finish(Identity(user_id, Role.TEACHER), class_id)
        return Erasure(user_id, erased_at)


async def _leave_classes(uow: UnitOfWork, user_id: UUID) -> tuple[list[LiveMessage], list[UUID]]:
    """The person is taken off every class's roster (their sockets stop hearing it), and the
    classes they teach are archived (no new sessions; records, reports and the students'
    reading of them kept), whatever their role now (a role may have changed since). Answers
    what the classes hear, numbered, and the classes taught."""
    messages: list[LiveMessage] = []
    taught: list[UUID] = []
    for role in (Role.TEACHER, Role.STUDENT):
        for listed in await uow.views.list_for(Identity(user_id, role), include_archived=True):
            classroom = await uow.classes.get(listed.id, for_update=True)
            if classroom is None:
                continue
            if role is Role.TEACHER:
                taught.append(classroom.id)
                if classroom.change(archived=True):
                    await uow.classes.save(classroom)
                    seq = await uow.attendance.next_broadcast_number(classroom.id)
                    messages += numbered(classroom.events, seq)
            elif classroom.remove(user_id):
                await uow.classes.save(classroom)
                messages += classroom.events
    return messages, taught
