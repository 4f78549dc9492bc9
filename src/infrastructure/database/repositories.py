"""Repositories: advanced-alchemy repositories underneath, domain entities on top."""

from collections.abc import Sequence
from uuid import UUID

from advanced_alchemy.exceptions import DuplicateKeyError
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.attendance import AttendanceSession, AttendanceStatus, FinishedSession
from domain.classrooms import Classroom
from domain.errors import EmailAlreadyExists
from domain.users import Role, User, UserSummary
from infrastructure.database.models import (
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


class SqlAttendanceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._sessions = _Sessions(session=session, auto_expunge=True)
        self._records = _Attendance(session=session, auto_expunge=True)

    async def get_active(
        self, class_id: UUID, *, for_update: bool = False
    ) -> AttendanceSession | None:
        statement = (
            select(AttendanceSessionModel, ClassModel)
            .join(ClassModel, ClassModel.id == AttendanceSessionModel.class_id)
            .where(
                AttendanceSessionModel.class_id == class_id,
                AttendanceSessionModel.ended_at.is_(None),
            )
        )
        if for_update:
            statement = statement.with_for_update(of=AttendanceSessionModel)
        result = await self._session.execute(statement)
        found = result.first()
        if found is None:
            return None
        session_row, class_row = found
        return AttendanceSession(
            id=session_row.id,
            class_id=session_row.class_id,
            teacher_id=class_row.teacher_id,
            roster=frozenset(class_row.student_ids),
            started_at=session_row.started_at,
        )

    async def add(self, session: AttendanceSession) -> None:
        row = AttendanceSessionModel(
            id=session.id,
            class_id=session.class_id,
            started_at=session.started_at,
            ended_at=session.ended_at,
        )
        await self._sessions.add(row, auto_refresh=False)

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
        await self._records.add_many(
            [
                AttendanceModel(
                    class_id=record.class_id,
                    student_id=record.student_id,
                    status=record.status.value,
                    session_id=record.session_id,
                )
                for record in finished.records
            ],
            auto_expunge=True,
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
