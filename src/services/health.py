from dataclasses import dataclass

from domain.ports import BusProbe, DatabaseProbe


@dataclass(frozen=True, slots=True)
class Readiness:
    database: bool  # reachable
    event_bus: bool  # listening to the other processes
    migrations: bool  # the schema is at this code's latest revision

    @property
    def ready(self) -> bool:
        return self.database and self.event_bus and self.migrations


class HealthService:
    def __init__(self, database: DatabaseProbe, bus: BusProbe) -> None:
        self._database = database
        self._bus = bus

    async def database_is_up(self) -> bool:
        return await self._database.is_reachable()

    async def readiness(self) -> Readiness:
        """Whether this process can serve: what a load balancer asks before sending traffic."""
        reachable = await self._database.is_reachable()
        return Readiness(
            database=reachable,
            event_bus=self._bus.is_listening(),
            migrations=reachable and await self._database.schema_is_current(),
        )
