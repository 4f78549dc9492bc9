"""The read models (reports, lists, the live state) computed from the fake database."""

import copy
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from api.csv_export import csv_text
from api.schemas import iso_timestamp
from domain.attendance import FinishedSession
from domain.classrooms import Classroom
from domain.corrections import Correction
from domain.events import AttendanceFinished, AttendanceMarked, ClassBroadcast
from domain.history import HISTORY_COLUMNS, HistoryCsvPage
from domain.live_state import ClassLiveState, LiveMark, LiveSessionState
from domain.reports import ReportPeriod, StudentTally
from domain.statuses import AttendanceStatus
from domain.users import Identity, Role, UserSummary
from tests.unit.fake_store import InMemoryStore


class FakeViews:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def list_students(
        self, search: str | None = None, limit: int | None = None, *, whole_email: bool = False
    ) -> list[UserSummary]:
        prefix = (search or "").lower()

        def email_matches(email: str) -> bool:
            return email.lower() == prefix if whole_email else email.lower().startswith(prefix)

        found = sorted(
            (
                UserSummary(u.id, u.name, u.email)
                for u in self._store.users.values()
                if u.role is Role.STUDENT
                and u.is_active
                and (u.name.lower().startswith(prefix) or email_matches(u.email))
            ),
            key=lambda s: (not (whole_email and s.email.lower() == prefix), s.name, str(s.id)),
        )
        return found[:limit] if limit is not None else found

    async def list_for(self, member: Identity, include_archived: bool = False) -> list[Classroom]:
        return sorted(
            (
                copy.deepcopy(c)
                for c in self._store.classes.values()
                if c.is_visible_to(member) and (include_archived or not c.archived)
            ),
            key=lambda c: (c.class_name, str(c.id)),
        )

    async def get_with_students(self, class_id: UUID):
        classroom = copy.deepcopy(self._store.classes.get(class_id))
        if classroom is None:
            return None
        users = self._store.users
        students = [
            UserSummary(users[i].id, users[i].name, users[i].email)
            for i in classroom.student_ids
            if i in users
        ]
        return classroom, students

    async def ids_for(self, members: Sequence[Identity]):
        ids = {}
        for member in members:
            user = self._store.users.get(member.user_id)
            if user is not None and user.role is member.role:
                classes = await self.list_for(member, True)
                ids[member] = (user.standing, [classroom.id for classroom in classes])
        return ids

    async def latest_status(self, class_id: UUID, student_id: UUID) -> AttendanceStatus | None:
        for finished in await self.finished_sessions(class_id):
            for record in finished.records:
                if record.student_id == student_id:
                    return record.status
        return None

    async def student_history(self, class_id: UUID, student_id: UUID):
        return [
            (finished, record)
            for finished in await self.finished_sessions(class_id)
            for record in finished.records
            if record.student_id == student_id
        ]

    async def corrections(self, class_id: UUID) -> list[Correction]:
        return sorted(
            (c for c in self._store.corrections if c.class_id == class_id),
            key=lambda c: c.corrected_at,
            reverse=True,
        )

    def _tallies(self, class_id: UUID, period: ReportPeriod):
        held = [
            f
            for f in self._store.finished
            if f.class_id == class_id
            and (period.since is None or f.started_at >= period.since)
            and (period.until is None or f.started_at < period.until)
        ]
        by_student: dict[UUID, list[AttendanceStatus]] = {}
        for finished in held:
            for record in finished.records:
                by_student.setdefault(record.student_id, []).append(record.status)

        def tally(student_id: UUID) -> StudentTally:
            statuses = by_student.get(student_id, [])
            return StudentTally(
                class_id,
                student_id,
                len(statuses),
                *(statuses.count(s) for s in AttendanceStatus),
            )

        return len(held), tally

    async def class_report(self, class_id: UUID, period: ReportPeriod):
        held, tally = self._tallies(class_id, period)
        _, students = await self.get_with_students(class_id)
        return held, [(s, tally(s.id)) for s in sorted(students, key=lambda s: (s.name, str(s.id)))]

    async def student_report(self, student_id: UUID, period: ReportPeriod):
        found = []
        for classroom in await self.list_for(Identity(student_id, Role.STUDENT), True):
            held, tally = self._tallies(classroom.id, period)
            found.append((classroom, held, tally(student_id)))
        return found

    async def history_csv_page(
        self, class_id: UUID, after, sessions: int, *, header: bool = False
    ) -> HistoryCsvPage:
        """As the CSV writer in Python writes it (the database writes it with COPY)."""
        found = sorted(
            (f for f in self._store.finished if f.class_id == class_id),
            key=lambda f: (f.started_at, str(f.id)),
        )
        if after is not None:
            found = [f for f in found if (f.started_at, str(f.id)) > (after[0], str(after[1]))]
        page = found[:sessions]
        rows = [row for finished in page for row in self._history_of(finished)]
        text = csv_text(HISTORY_COLUMNS, rows)[1:]  # without the byte-order mark
        if not header:
            text = text.split("\r\n", 1)[1]
        more = len(found) > sessions
        return HistoryCsvPage(
            text.encode(),
            len(rows),
            len(page),
            (page[-1].started_at, page[-1].id) if more else None,
        )

    def _history_of(self, finished: FinishedSession):
        users = self._store.users
        for record in sorted(
            finished.records, key=lambda r: (users[r.student_id].name, str(r.student_id))
        ):
            original = next(
                (
                    c.from_status
                    for c in sorted(self._store.corrections, key=lambda c: c.corrected_at)
                    if c.session_id == finished.id and c.student_id == record.student_id
                ),
                record.status,
            )
            user = users[record.student_id]
            yield (
                str(finished.id),
                iso_timestamp(finished.started_at),
                iso_timestamp(finished.ended_at),
                str(record.student_id),
                user.name,
                user.email,
                record.status.value,
                original.value,
                "true" if record.corrected else "false",
            )

    async def finished_sessions(self, class_id: UUID) -> list[FinishedSession]:
        return sorted(
            (f for f in self._store.finished if f.class_id == class_id),
            key=lambda f: f.ended_at,
            reverse=True,
        )

    async def live_state(self, member: Identity) -> list[ClassLiveState]:
        states = []
        for classroom in await self.list_for(member, include_archived=True):
            session = next(
                (
                    s
                    for s in self._store.sessions.values()
                    if s.class_id == classroom.id and s.is_active
                ),
                None,
            )
            live = None
            if session is not None:
                marks = [
                    LiveMark(student_id, status, student_id in session.checked_in)
                    for student_id, status in session.marks.items()
                    if member.role is Role.TEACHER or student_id == member.user_id
                ]
                live = LiveSessionState(
                    session.id, session.started_at, session.check_in_open, marks
                )
            seq = self._store.live_seq.get(classroom.id, 0)
            states.append(
                ClassLiveState(
                    classroom.id,
                    seq,
                    classroom.private_marks,
                    live,
                    classroom.statuses,
                    classroom.archived,
                    classroom.class_name,
                )
            )
        return states

    async def broadcasts_since(self, class_ids, since: datetime) -> list[ClassBroadcast]:
        happened = [
            (at, ClassBroadcast(s.class_id, AttendanceMarked(student_id, s.marks[student_id])))
            for (session_id, student_id), at in self._store.marked_at.items()
            if (s := self._store.sessions.get(session_id)) is not None
            and s.is_active
            and s.class_id in class_ids
            and at >= since
        ] + [
            (f.ended_at, ClassBroadcast(f.class_id, AttendanceFinished(f.summary, f.id)))
            for f in self._store.finished
            if f.class_id in class_ids and f.ended_at >= since
        ]
        return [broadcast for _, broadcast in sorted(happened, key=lambda pair: pair[0])]
