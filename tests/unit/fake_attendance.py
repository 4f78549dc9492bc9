"""Classes and attendance sessions in memory."""

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

from domain.attendance import AttendanceSession, FinishedSession, MarkCount
from domain.classrooms import Classroom
from domain.corrections import Correction
from domain.users import Identity
from tests.unit.fake_store import InMemoryStore, stored


class FakeClasses:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def get(self, class_id: UUID, *, for_update: bool = False) -> Classroom | None:
        classroom = self._store.classes.get(class_id)
        return copy.deepcopy(classroom) if classroom else None

    async def add(self, classroom: Classroom) -> None:
        self._store.classes[classroom.id] = stored(classroom)

    async def save(self, classroom: Classroom) -> None:
        self._store.classes[classroom.id] = stored(classroom)


class FakeAttendance:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def find_active(
        self,
        addressee: Identity,
        class_id: UUID | None = None,
        *,
        with_marks: bool = False,
        student_view: UUID | None = None,
    ) -> AttendanceSession | None:
        candidates = []
        for session in self._store.sessions.values():
            addressed = self._store.classes[session.class_id].is_visible_to(addressee)
            if session.is_active and addressed and class_id in (None, session.class_id):
                candidates.append(session)
        if not candidates:
            return None
        found = copy.deepcopy(max(candidates, key=lambda s: s.started_at))
        found.roster = frozenset(self._store.classes[found.class_id].student_ids)
        if student_view is not None:
            found.roster &= {student_view}
        found.private_marks = self._store.classes[found.class_id].private_marks
        found.extra_statuses = frozenset(self._store.classes[found.class_id].extra_statuses)
        if not with_marks:
            found.marks = {}
            found.checked_in = set()
        elif student_view is not None:
            found.marks = {s: v for s, v in found.marks.items() if s == student_view}
            found.checked_in = found.checked_in & {student_view}
        return found

    async def lock_for_finish(self, session_id: UUID) -> AttendanceSession | None:
        session = self._store.sessions.get(session_id)
        if session is None or not session.is_active:
            return None
        found = copy.deepcopy(session)
        found.roster = frozenset(self._store.classes[found.class_id].student_ids)
        found.private_marks = self._store.classes[found.class_id].private_marks
        found.extra_statuses = frozenset(self._store.classes[found.class_id].extra_statuses)
        return found

    async def add(self, session: AttendanceSession) -> None:
        self._store.sessions[session.id] = stored(session)

    async def save_marks(self, session: AttendanceSession, marked: Sequence[UUID]) -> int | None:
        stored = self._store.sessions.get(session.id)
        if stored is None or not stored.is_active:
            return None
        for student_id in set(marked):
            checked_in = student_id in session.checked_in
            if checked_in and student_id in stored.marks:
                return None  # a check-in only ever adds a mark
            stored.marks[student_id] = session.marks[student_id]
            if checked_in:
                stored.checked_in.add(student_id)
            else:
                stored.checked_in.discard(student_id)
            self._store.marked_at[(session.id, student_id)] = datetime.now(UTC)
        seq = None
        for _ in marked:
            seq = await self.next_broadcast_number(session.class_id)
        return seq

    async def save_check_in(self, session: AttendanceSession) -> bytes | None:
        stored = self._store.sessions[session.id]
        stored.check_in_open = session.check_in_open
        if stored.check_in_secret is None:
            stored.check_in_secret = session.check_in_secret
        return stored.check_in_secret

    async def get_finished(self, class_id: UUID, session_id: UUID) -> FinishedSession | None:
        found = next(
            (f for f in self._store.finished if f.id == session_id and f.class_id == class_id),
            None,
        )
        return copy.deepcopy(found)

    async def save_correction(self, correction: Correction) -> None:
        self._store.corrections.append(correction)
        for index, finished in enumerate(self._store.finished):
            if finished.id == correction.session_id:
                records = [
                    replace(r, status=correction.to_status, corrected=True)
                    if r.student_id == correction.student_id
                    else r
                    for r in finished.records
                ]
                self._store.finished[index] = replace(finished, records=records)

    async def count_for_summary(
        self, addressee: Identity, class_id: UUID | None = None
    ) -> tuple[MarkCount, int] | None:
        session = await self.find_active(addressee, class_id, with_marks=True)
        if session is None:
            return None
        return session.count_marks(), await self.next_broadcast_number(session.class_id)

    async def next_broadcast_number(self, class_id: UUID) -> int:
        self._store.live_seq[class_id] = self._store.live_seq.get(class_id, 0) + 1
        return self._store.live_seq[class_id]

    async def lock_starts(self, class_id: UUID) -> None:
        pass  # one unit of work at a time here

    async def discard_active(self, class_id: UUID) -> None:
        for session_id, session in list(self._store.sessions.items()):
            if session.class_id == class_id and session.is_active:
                del self._store.sessions[session_id]

    async def save_finished(self, finished: FinishedSession) -> None:
        stored = self._store.sessions[finished.id]
        stored.ended_at = finished.ended_at
        stored.marks = {}
        self._store.finished.append(finished)
