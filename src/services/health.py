from domain.ports import DatabaseProbe


class HealthService:
    def __init__(self, database: DatabaseProbe) -> None:
        self._database = database

    async def database_is_up(self) -> bool:
        return await self._database.is_reachable()
