"""Repositories: advanced-alchemy repositories underneath, domain entities on top."""

from collections.abc import Sequence
from uuid import UUID, uuid4

from advanced_alchemy.exceptions import DuplicateKeyError
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.attendance import (
    AttendanceRecord,
    AttendanceSession,
    AttendanceStatus,
    FinishedSession,
)
from domain.classrooms import Classroom
from domain.errors import EmailAlreadyExists
from domain.users import Identity, Role, User, UserSummary
from infrastructure.database.models import (
    AttendanceMarkModel,
    AttendanceModel,
    AttendanceSessionModel,
    ClassModel,
    UserModel,
)


class _Users(SQLAlchemyAsyncRepository[UserModel]):
    model_type = UserModel


class _Classes(SQLAlchemyAsyncRepository[ClassModel]):
    model_type = ClassModel


class _Sessions(SQLAlchemyAsyncRepository[AttendanceSessionModel]):
    model_type = AttendanceSessionModel


class _Attendance(SQLAlchemyAsyncRepository[AttendanceModel]):
    model_type = AttendanceModel


def _membership(member: Identity) -> ColumnElement[bool]:
    """Classes the teacher owns, or the student is enrolled in."""
    if member.role is Role.TEACHER:
        return ClassModel.teacher_id == member.user_id
    return ClassModel.student_ids.contains([member.user_id])


def _user(row: UserModel) -> User:
    return User(
        id=row.id, name=row.name, email=row.email, password_hash=row.password, role=Role(row.role)
    )


def _classroom(row: ClassModel) -> Classroom:
    return Classroom(
        id=row.id,
        class_name=row.class_name,
        teacher_id=row.teacher_id,
        student_ids=list(row.student_ids),
    )


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _Users(session=session, auto_expunge=True)

    async def get(self, user_id: UUID) -> User | None:
        row = await self._rows.get_one_or_none(UserModel.id == user_id)
        return _user(row) if row else None

    async def get_by_email(self, email: str) -> User | None:
        row = await self._rows.get_one_or_none(func.lower(UserModel.email) == email.lower())
        return _user(row) if row else None

    async def add(self, user: User) -> None:
        row = UserModel(
            id=user.id,
            name=user.name,
            email=user.email,
            password=user.password_hash,
            role=user.role.value,
        )
        try:
            await self._rows.add(row, auto_refresh=False)
        except DuplicateKeyError as error:
            raise EmailAlreadyExists(user.email) from error

    async def list_students(self) -> list[UserSummary]:
        result = await self._session.execute(
            select(UserModel.id, UserModel.name, UserModel.email)
            .where(UserModel.role == Role.STUDENT.value)
            .order_by(UserModel.name, UserModel.id)
        )
        return [UserSummary(id=id_, name=name, email=email) for id_, name, email in result]

    async def summaries(self, user_ids: Sequence[UUID]) -> list[UserSummary]:
        if not user_ids:
            return []
        result = await self._session.execute(
            select(UserModel.id, UserModel.name, UserModel.email).where(UserModel.id.in_(user_ids))
        )
        found = {id_: UserSummary(id=id_, name=name, email=email) for id_, name, email in result}
        return [found[user_id] for user_id in user_ids if user_id in found]


class SqlClassroomRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _Classes(session=session, auto_expunge=True)

    async def get(self, class_id: UUID, *, for_update: bool = False) -> Classroom | None:
        row = await self._rows.get_one_or_none(
            ClassModel.id == class_id, with_for_update=for_update or None
        )
        return _classroom(row) if row else None

    async def add(self, classroom: Classroom) -> None:
        row = ClassModel(
            id=classroom.id,
            class_name=classroom.class_name,
            teacher_id=classroom.teacher_id,
            student_ids=list(classroom.student_ids),
        )
        await self._rows.add(row, auto_refresh=False)

    async def save(self, classroom: Classroom) -> None:
        await self._session.execute(
            update(ClassModel)
            .where(ClassModel.id == classroom.id)
            .values(class_name=classroom.class_name, student_ids=list(classroom.student_ids))
        )

    async def list_for(self, member: Identity) -> list[Classroom]:
        rows = await self._rows.list(
            _membership(member), order_by=[ClassModel.class_name.asc(), ClassModel.id.asc()]
        )
        return [_classroom(row) for row in rows]


class SqlAttendanceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._sessions = _Sessions(session=session, auto_expunge=True)
        self._records = _Attendance(session=session, auto_expunge=True)

    async def find_active(
        self,
        addressee: Identity,
        class_id: UUID | None = None,
        *,
        with_marks: bool = False,
        hold: bool = False,
    ) -> AttendanceSession | None:
        statement = _ACTIVE_SESSIONS.where(_membership(addressee))
        if class_id is not None:
            statement = statement.where(AttendanceSessionModel.class_id == class_id)
        statement = statement.order_by(AttendanceSessionModel.started_at.desc()).limit(1)
        if hold:
            # Finishing takes FOR UPDATE, so a held session cannot finish under a mark.
            statement = statement.with_for_update(of=AttendanceSessionModel, key_share=True)
        row = (await self._session.execute(statement)).first()
        if row is None:
            return None
        return await self._session_from(row, with_marks)

    async def lock_for_finish(self, session_id: UUID) -> AttendanceSession | None:
        statement = _ACTIVE_SESSIONS.where(AttendanceSessionModel.id == session_id)
        row = (
            await self._session.execute(statement.with_for_update(of=AttendanceSessionModel))
        ).first()
        if row is None:
            return None
        return await self._session_from(row, with_marks=True)

    async def add(self, session: AttendanceSession) -> None:
        row = AttendanceSessionModel(
            id=session.id,
            class_id=session.class_id,
            started_at=session.started_at,
            ended_at=session.ended_at,
        )
        await self._sessions.add(row, auto_refresh=False)

    async def save_mark(self, session: AttendanceSession, student_id: UUID) -> None:
        status = session.marks[student_id].value
        statement = insert(AttendanceMarkModel).values(
            id=uuid4(), session_id=session.id, student_id=student_id, status=status
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                constraint="uq_attendance_marks_session_student", set_={"status": status}
            )
        )

    async def discard_active(self, class_id: UUID) -> None:
        await self._session.execute(
            delete(AttendanceSessionModel).where(
                AttendanceSessionModel.class_id == class_id,
                AttendanceSessionModel.ended_at.is_(None),
            )
        )

    async def save_finished(self, finished: FinishedSession) -> None:
        await self._session.execute(
            update(AttendanceSessionModel)
            .where(AttendanceSessionModel.id == finished.id)
            .values(ended_at=finished.ended_at)
        )
        await self._session.execute(
            delete(AttendanceMarkModel).where(AttendanceMarkModel.session_id == finished.id)
        )
        if finished.records:
            await self._session.execute(
                insert(AttendanceModel),
                [
                    {
                        "id": uuid4(),
                        "class_id": record.class_id,
                        "student_id": record.student_id,
                        "status": record.status.value,
                        "session_id": record.session_id,
                    }
                    for record in finished.records
                ],
            )

    async def latest_status(self, class_id: UUID, student_id: UUID) -> AttendanceStatus | None:
        status = await self._session.scalar(
            select(AttendanceModel.status)
            .join(AttendanceSessionModel, AttendanceSessionModel.id == AttendanceModel.session_id)
            .where(
                AttendanceModel.class_id == class_id,
                AttendanceModel.student_id == student_id,
                AttendanceSessionModel.ended_at.is_not(None),
            )
            .order_by(AttendanceSessionModel.ended_at.desc())
            .limit(1)
        )
        return AttendanceStatus(status) if status is not None else None

    async def finished_sessions(self, class_id: UUID) -> list[FinishedSession]:
        sessions = (
            await self._session.execute(
                select(
                    AttendanceSessionModel.id,
                    AttendanceSessionModel.started_at,
                    AttendanceSessionModel.ended_at,
                )
                .where(
                    AttendanceSessionModel.class_id == class_id,
                    AttendanceSessionModel.ended_at.is_not(None),
                )
                .order_by(AttendanceSessionModel.ended_at.desc())
            )
        ).all()
        records: dict[UUID, list[AttendanceRecord]] = {row.id: [] for row in sessions}
        if records:
            rows = await self._session.execute(
                select(
                    AttendanceModel.session_id, AttendanceModel.student_id, AttendanceModel.status
                )
                .where(AttendanceModel.session_id.in_(list(records)))
                .order_by(AttendanceModel.student_id)
            )
            for session_id, student_id, status in rows:
                records[session_id].append(
                    AttendanceRecord(session_id, class_id, student_id, AttendanceStatus(status))
                )
        return [
            FinishedSession(row.id, class_id, row.started_at, row.ended_at, records[row.id])
            for row in sessions
        ]

    async def _session_from(self, row, with_marks: bool) -> AttendanceSession:
        session_id, class_id, started_at, teacher_id, student_ids = row
        marks: dict[UUID, AttendanceStatus] = {}
        if with_marks:
            found = await self._session.execute(
                select(AttendanceMarkModel.student_id, AttendanceMarkModel.status).where(
                    AttendanceMarkModel.session_id == session_id
                )
            )
            marks = {student_id: AttendanceStatus(status) for student_id, status in found}
        return AttendanceSession(
            id=session_id,
            class_id=class_id,
            teacher_id=teacher_id,
            roster=frozenset(student_ids),
            started_at=started_at,
            marks=marks,
        )


_ACTIVE_SESSIONS = (
    select(
        AttendanceSessionModel.id,
        AttendanceSessionModel.class_id,
        AttendanceSessionModel.started_at,
        ClassModel.teacher_id,
        ClassModel.student_ids,
    )
    .join(ClassModel, ClassModel.id == AttendanceSessionModel.class_id)
    .where(AttendanceSessionModel.ended_at.is_(None))
)
