from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from infrastructure.database.repositories import (
    SqlAttendanceRepository,
    SqlClassroomRepository,
    SqlUserRepository,
)


class SqlAlchemyUnitOfWork:
    """One database transaction; its repositories share it. No connection is taken from the
    pool until the first query."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        self.users = SqlUserRepository(self._session)
        self.classes = SqlClassroomRepository(self._session)
        self.attendance = SqlAttendanceRepository(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Whatever was not committed is rolled back by closing the session.
        await self._session.close()

    async def commit(self) -> None:
        await self._session.commit()
