"""Self check-in: the class's teacher opens it for the live session and shows the rotating
code; a student in the room sends the code and is marked present, exactly as a teacher's mark
would be (committed, then broadcast). Attempts are limited per student and session."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.attendance import AttendanceSession
from domain.check_in import CheckInCode
from domain.errors import AlreadyMarkedByTeacher, NoActiveSession, TooManyAttempts
from domain.ports import AttemptCounter, Clock, EventBus, UnitOfWork, UnitOfWorkFactory
from domain.throttling import AttemptPolicy
from domain.users import Identity
from services.broadcasts import numbered, publish_numbered
from services.classes import load_enrolled_class, load_owned_class


@dataclass(frozen=True, slots=True)
class CheckInState:
    class_id: UUID
    session_id: UUID
    open: bool
    code: CheckInCode | None  # None while closed


class CheckInService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        events: EventBus,
        attempts: AttemptCounter,
        policy: AttemptPolicy,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._events = events
        self._attempts = attempts
        self._policy = policy

    async def state(self, teacher: Identity, class_id: UUID) -> CheckInState:
        """Whether check-in is open for the class's live session, and the code to show."""
        async with self._uow() as uow:
            session = await self._owned_live_session(uow, teacher, class_id)
        return self._state_of(session)

    async def open(self, teacher: Identity, class_id: UUID) -> CheckInState:
        return await self._change(teacher, class_id, AttendanceSession.open_check_in)

    async def close(self, teacher: Identity, class_id: UUID) -> CheckInState:
        return await self._change(teacher, class_id, AttendanceSession.close_check_in)

    async def check_in(self, student: Identity, class_id: UUID, code: str) -> None:
        """Marks the student present; checking in again changes nothing. In order: the class
        exists, the student is enrolled, a live session, attempts left, check-in open, the
        code, no mark from the teacher."""
        async with self._uow() as uow:
            await load_enrolled_class(uow.classes, student, class_id)
            session = await uow.attendance.find_active(
                student, class_id, student_view=student.user_id
            )
        if session is None:
            raise NoActiveSession(class_id)
        # Counted outside any unit of work: holding one pooled connection while waiting for
        # another would let a burst of check-ins exhaust the pool.
        if not await self._attempts.take(self._policy.check_in_checks(session.id, student.user_id)):
            raise TooManyAttempts(class_id)
        async with self._uow() as uow:
            # Its own mark is all a student's check-in needs to see.
            session = await uow.attendance.find_active(
                student, class_id, with_marks=True, student_view=student.user_id
            )
            if session is None:  # it ended meanwhile
                raise NoActiveSession(class_id)
            if not session.check_in(student.user_id, code, self._clock.now()):
                return
            seq = await uow.attendance.save_marks(session, [student.user_id])
            if seq is None:  # a mark went in, or the session ended, while we looked
                now = await uow.attendance.find_active(
                    student, class_id, with_marks=True, student_view=student.user_id
                )
                if now is None or now.id != session.id:
                    raise NoActiveSession(class_id)
                if student.user_id in now.checked_in:
                    return  # a check-in of the same student, racing this one, went first
                raise AlreadyMarkedByTeacher(student.user_id)
            await uow.commit()
        await self._events.publish(*numbered(session.events, seq))

    async def _change(
        self, teacher: Identity, class_id: UUID, change: Callable[[AttendanceSession], None]
    ) -> CheckInState:
        async with self._uow() as uow:
            session = await self._owned_live_session(uow, teacher, class_id)
            change(session)
            session.check_in_secret = await uow.attendance.save_check_in(session)
            published = await publish_numbered(uow, session.class_id, session.events)
        await self._events.publish(*published)
        return self._state_of(session)

    @staticmethod
    async def _owned_live_session(
        uow: UnitOfWork, teacher: Identity, class_id: UUID
    ) -> AttendanceSession:
        await load_owned_class(uow.classes, teacher, class_id)
        session = await uow.attendance.find_active(teacher, class_id)
        if session is None:
            raise NoActiveSession(class_id)
        return session

    def _state_of(self, session: AttendanceSession) -> CheckInState:
        now: datetime = self._clock.now()
        return CheckInState(
            class_id=session.class_id,
            session_id=session.id,
            open=session.check_in_open,
            code=session.current_check_in_code(now),
        )
