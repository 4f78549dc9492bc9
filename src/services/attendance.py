from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from domain.attendance import AttendanceSession, AttendanceStatus
from domain.errors import ClassNotFound, NotEnrolledInClass
from domain.ports import Clock, UnitOfWorkFactory
from domain.users import Identity
from services.classes import load_owned_class


@dataclass(frozen=True, slots=True)
class StartedSession:
    class_id: UUID
    started_at: datetime


class AttendanceService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def start(self, teacher: Identity, class_id: UUID) -> StartedSession:
        """Opens a fresh session for the class, replacing an unfinished one."""
        async with self._uow() as uow:
            classroom = await load_owned_class(uow.classes, teacher, class_id, for_update=True)
            await uow.attendance.discard_active(class_id)
            session = AttendanceSession.open(uuid4(), classroom, self._clock.now())
            await uow.attendance.add(session)
            await uow.commit()
        return StartedSession(class_id=session.class_id, started_at=session.started_at)

    async def my_persisted_status(
        self, student: Identity, class_id: UUID
    ) -> AttendanceStatus | None:
        """The student's status from the class's most recent finished session, if any."""
        async with self._uow() as uow:
            classroom = await uow.classes.get(class_id)
            if classroom is None:
                raise ClassNotFound(class_id)
            if not classroom.has_student(student.user_id):
                raise NotEnrolledInClass(class_id)
            return await uow.attendance.latest_status(class_id, student.user_id)
