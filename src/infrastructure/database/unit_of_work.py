from types import TracebackType
from typing import Self

from domain.ports import Unavailable
from infrastructure.database.account_links import SqlAccountLinkRepository
from infrastructure.database.connector import Connector
from infrastructure.database.external_identities import SqlExternalIdentityRepository
from infrastructure.database.imports import SqlImportRepository
from infrastructure.database.invitations import SqlInvitationRepository
from infrastructure.database.outages import DATABASE_UNREACHABLE
from infrastructure.database.pool import Database
from infrastructure.database.privacy import SqlPrivacyRepository
from infrastructure.database.repositories import (
    SqlAttendanceRepository,
    SqlClassroomRepository,
)
from infrastructure.database.users import SqlUserRepository
from infrastructure.database.views import SqlViews


class PostgresUnitOfWork:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def __aenter__(self) -> Self:
        self._connector = Connector(self._database)
        self.users = SqlUserRepository(self._connector)
        self.account_links = SqlAccountLinkRepository(self._connector)
        self.invitations = SqlInvitationRepository(self._connector)
        self.imports = SqlImportRepository(self._connector)
        self.external_identities = SqlExternalIdentityRepository(self._connector)
        self.classes = SqlClassroomRepository(self._connector)
        self.attendance = SqlAttendanceRepository(self._connector)
        self.views = SqlViews(self._connector)
        self.privacy = SqlPrivacyRepository(self._connector)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self._connector.close()
        except DATABASE_UNREACHABLE as error:
            if exc is None:
                raise Unavailable() from error
        if isinstance(exc, DATABASE_UNREACHABLE):
            raise Unavailable() from exc

    async def commit(self) -> None:
        await self._connector.commit()
