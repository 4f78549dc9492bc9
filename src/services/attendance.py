from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from domain.attendance import AttendanceRecord, AttendanceSession, FinishedSession
from domain.errors import ClassArchived, DomainError, NoActiveSession
from domain.events import ClassBroadcast
from domain.live_state import ClassLiveState
from domain.ports import AttendanceRepository, Clock, EventBus, UnitOfWorkFactory
from domain.statuses import AttendanceStatus, AttendanceSummary
from domain.users import Identity
from services.broadcasts import numbered, publish_numbered
from services.classes import load_enrolled_class, load_owned_class


@dataclass(frozen=True, slots=True)
class StartedSession:
    class_id: UUID
    started_at: datetime


async def _active_session(
    sessions: AttendanceRepository, user: Identity, class_id: UUID | None, **options: Any
) -> AttendanceSession:
    session = await sessions.find_active(user, class_id, **options)
    if session is None:
        raise NoActiveSession(class_id)
    return session


class AttendanceService:
    """Live sessions: open, mark, summarise, finish; and the persisted history.

    Every change is committed before anyone hears of it."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, events: EventBus) -> None:
        self._uow = uow
        self._clock = clock
        self._events = events

    async def start(self, teacher: Identity, class_id: UUID) -> StartedSession:
        """Opens a fresh session for the class, replacing an unfinished one."""
        async with self._uow() as uow:
            classroom = await load_owned_class(uow.classes, teacher, class_id)
            if classroom.archived:
                raise ClassArchived(class_id)
            await uow.attendance.lock_starts(class_id)
            await uow.attendance.discard_active(class_id)
            session = AttendanceSession.open(uuid4(), classroom, self._clock.now())
            await uow.attendance.add(session)
            published = await publish_numbered(uow, session.class_id, session.events)
        await self._events.publish(*published)
        return StartedSession(class_id=session.class_id, started_at=session.started_at)

    async def require_active_session(self, user: Identity, class_id: UUID | None = None) -> None:
        """Raises NoActiveSession unless the user's events address a session."""
        async with self._uow() as uow:
            await _active_session(uow.attendance, user, class_id)

    async def mark(
        self,
        teacher: Identity,
        student_id: UUID,
        status: AttendanceStatus,
        class_id: UUID | None = None,
    ) -> None:
        (refused,) = await self.mark_all(teacher, [(student_id, status)], class_id)
        if refused is not None:
            raise refused

    async def mark_all(
        self,
        teacher: Identity,
        marks: Sequence[tuple[UUID, AttendanceStatus]],
        class_id: UUID | None = None,
    ) -> list[DomainError | None]:
        """Marks students in the order given, committed together (marks that queue up cost
        one transaction, not one each) and then heard in that order. Answers, for each mark,
        None or why it was refused (the others still count); raises when none can count."""
        refusals: list[DomainError | None] = []
        async with self._uow() as uow:
            session = await _active_session(uow.attendance, teacher, class_id)
            marked = []
            for student_id, status in marks:
                try:
                    session.mark(student_id, status)
                except DomainError as refusal:
                    refusals.append(refusal)
                else:
                    refusals.append(None)
                    marked.append(student_id)
            if not marked:
                return refusals
            last_seq = await uow.attendance.save_marks(session, marked)
            if last_seq is None:
                raise NoActiveSession(class_id)  # finished by a DONE while we looked
            await uow.commit()
        await self._events.publish(*numbered(session.events, last_seq))
        return refusals

    async def share_summary(self, teacher: Identity, class_id: UUID | None = None) -> None:
        """Tells the class how many are marked present and absent so far."""
        async with self._uow() as uow:
            counted = await uow.attendance.count_for_summary(teacher, class_id)
            await uow.commit()
        if counted is None:
            raise NoActiveSession(class_id)
        count, seq = counted
        await self._events.publish(count.shared(seq))

    async def my_live_status(
        self, student: Identity, class_id: UUID | None = None
    ) -> AttendanceStatus | None:
        """The student's mark in the live session, None while unmarked."""
        async with self._uow() as uow:
            session = await _active_session(
                uow.attendance, student, class_id, with_marks=True, student_view=student.user_id
            )
        return session.status_of(student.user_id)

    async def finish(self, teacher: Identity, class_id: UUID | None = None) -> AttendanceSummary:
        """Persists one record per enrolled student and closes the session, exactly once."""
        async with self._uow() as uow:
            addressed = await _active_session(uow.attendance, teacher, class_id)
            session = await uow.attendance.lock_for_finish(addressed.id)
            if session is None:  # finished by a racing DONE while we looked
                raise NoActiveSession(class_id)
            finished = session.finish(self._clock.now())
            await uow.attendance.save_finished(finished)
            published = await publish_numbered(uow, session.class_id, session.events)
        await self._events.publish(*published)
        return finished.summary

    async def my_persisted_status(
        self, student: Identity, class_id: UUID
    ) -> AttendanceStatus | None:
        """The student's status from the class's most recent finished session, if any."""
        async with self._uow() as uow:
            await load_enrolled_class(uow.classes, student, class_id)
            return await uow.views.latest_status(class_id, student.user_id)

    async def my_history(
        self, student: Identity, class_id: UUID
    ) -> list[tuple[FinishedSession, AttendanceRecord]]:
        """The student's record (as corrected) in each finished session of the class, newest
        first."""
        async with self._uow() as uow:
            await load_enrolled_class(uow.classes, student, class_id)
            return await uow.views.student_history(class_id, student.user_id)

    async def history(self, teacher: Identity, class_id: UUID) -> list[FinishedSession]:
        """The class's finished sessions, newest first."""
        async with self._uow() as uow:
            await load_owned_class(uow.classes, teacher, class_id)
            return await uow.views.finished_sessions(class_id)

    async def live_state(self, member: Identity) -> list[ClassLiveState]:
        """What a live client shows for each of the member's classes, as it stands now."""
        async with self._uow() as uow:
            return await uow.views.live_state(member)

    async def broadcasts_since(
        self, class_ids: list[UUID], since: datetime
    ) -> list[ClassBroadcast]:
        """For sockets that could not hear the classes' broadcasts for a while."""
        if not class_ids:
            return []
        async with self._uow() as uow:
            return await uow.views.broadcasts_since(class_ids, since)
