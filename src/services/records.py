"""The records side for a class's teacher and its students: corrections of finished sessions
with their audit trail, reports and the full history for export."""

import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from uuid import UUID

from domain.corrections import Correction, correct
from domain.errors import SessionNotFound, StudentNotFound, TooManyExports
from domain.events import AttendanceCorrected
from domain.ports import Clock, EventBus, UnitOfWorkFactory
from domain.reports import ReportLine, ReportPeriod, StudentTally
from domain.statuses import AttendanceStatus
from domain.users import Identity
from services.classes import load_owned_class
from services.in_flight import InFlightLimit

# A class's full history is read and streamed in pages of about this many rows (about 180
# bytes of CSV each): what one export holds in memory at a time.
HISTORY_ROWS_PER_PAGE = 10_000
# A page is handed on in chunks of at most this many bytes: a client that stops reading stops
# the export (which keeps its slot) with at most a chunk beyond the connection's buffers.
HISTORY_CHUNK_BYTES = 256 * 1024
# Full-history exports one user may have streaming at once (per server process).
EXPORTS_PER_USER = 2


@dataclass(frozen=True, slots=True)
class ClassReport:
    class_id: UUID
    class_name: str
    period: ReportPeriod
    sessions_held: int
    students: list[ReportLine]


@dataclass(frozen=True, slots=True)
class ClassTally:
    class_id: UUID
    class_name: str
    sessions_held: int
    tally: StudentTally


class RecordsService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        events: EventBus,
        exports_per_user: int = EXPORTS_PER_USER,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._events = events
        self._exports: InFlightLimit[UUID] = InFlightLimit(exports_per_user, TooManyExports)

    async def correct(
        self,
        teacher: Identity,
        class_id: UUID,
        session_id: UUID | None,
        student_id: UUID,
        status: AttendanceStatus,
        note: str | None = None,
    ) -> Correction:
        """Changes one student's status in a finished session of the class, keeping the
        change in the class's audit trail; after the commit the student and the teacher hear
        it live (`AttendanceCorrected`)."""
        async with self._uow() as uow:
            classroom = await load_owned_class(uow.classes, teacher, class_id, for_update=True)
            finished = None
            if session_id is not None:
                finished = await uow.attendance.get_finished(class_id, session_id)
            if finished is None:
                raise SessionNotFound(session_id)
            record = next((r for r in finished.records if r.student_id == student_id), None)
            if record is None:
                raise StudentNotFound(student_id)
            correction = correct(
                record, classroom, status, note=note, by=teacher.user_id, at=self._clock.now()
            )
            await uow.attendance.save_correction(correction)
            await uow.commit()
        await self._events.publish(
            AttendanceCorrected(
                class_id=correction.class_id,
                session_id=correction.session_id,
                student_id=correction.student_id,
                status=correction.to_status,
                teacher_id=classroom.teacher_id,
            )
        )
        return correction

    async def corrections(self, teacher: Identity, class_id: UUID) -> list[Correction]:
        async with self._uow() as uow:
            await load_owned_class(uow.classes, teacher, class_id)
            return await uow.views.corrections(class_id)

    async def class_report(
        self, teacher: Identity, class_id: UUID, period: ReportPeriod
    ) -> ClassReport:
        async with self._uow() as uow:
            classroom = await load_owned_class(uow.classes, teacher, class_id)
            held, students = await uow.views.class_report(class_id, period)
        return ClassReport(class_id, classroom.class_name, period, held, students)

    async def my_report(self, student: Identity, period: ReportPeriod) -> list[ClassTally]:
        async with self._uow() as uow:
            found = await uow.views.student_report(student.user_id, period)
        return [
            ClassTally(classroom.id, classroom.class_name, held, tally)
            for classroom, held, tally in found
        ]

    async def history_csv(self, teacher: Identity, class_id: UUID) -> AsyncIterator[bytes]:
        """Checks the teacher owns the class and may start one more export, then answers its
        history as CSV (Views.history_csv_page), the header first, as a stream. Each page is
        read on a connection of its own, given back before the page is handed on: a client
        that reads slowly holds no connection."""
        async with self._uow() as uow:
            await load_owned_class(uow.classes, teacher, class_id)
        release = self._exports.take(teacher.user_id)
        stream = self._stream_history(class_id, release)
        weakref.finalize(stream, release)  # also when the stream is dropped before it started
        return stream

    async def _stream_history(
        self, class_id: UUID, release: Callable[[], None]
    ) -> AsyncIterator[bytes]:
        try:
            after, sessions, first = None, 1, True
            while True:
                async with self._uow() as uow:
                    page = await uow.views.history_csv_page(class_id, after, sessions, header=first)
                for start in range(0, len(page.csv), HISTORY_CHUNK_BYTES):
                    yield page.csv[start : start + HISTORY_CHUNK_BYTES]
                if page.after is None:
                    return
                after, first = page.after, False
                # As many sessions as make about HISTORY_ROWS_PER_PAGE rows, by the last page's.
                per_session = max(1, page.rows // page.sessions)
                sessions = max(1, HISTORY_ROWS_PER_PAGE // per_session)
        finally:
            release()
