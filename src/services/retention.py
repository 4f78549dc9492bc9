"""Retention: attendance records older than the school keeps them (RETENTION_YEARS) are
deleted, sessions with everything that hangs on them, so reports and exports stay consistent."""

from dataclasses import dataclass

from domain.ports import Clock, UnitOfWorkFactory
from domain.privacy import Retained, retention_cutoff

# Sessions deleted per transaction: a first run over years of records holds no lock for long.
SESSIONS_PER_BATCH = 500


@dataclass(frozen=True, slots=True)
class RetentionRun:
    retained: Retained | None  # None: no retention set, every record is kept
    expired_counters: int


class RetentionService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, years: int | None) -> None:
        self._uow = uow
        self._clock = clock
        self._years = years

    async def apply(self) -> RetentionRun:
        """Deletes the sessions that started before the cut-off (now less the retention's
        years), batch by batch, and the attempt counters whose window has ended. Several runs
        at once (several hosts' cron) share the work: a batch skips the sessions another is
        deleting."""
        now = self._clock.now()
        async with self._uow() as uow:
            expired = await uow.privacy.delete_expired_counters(now)
        if self._years is None:
            return RetentionRun(None, expired)
        cutoff = retention_cutoff(now, self._years)
        total = Retained(cutoff, 0, 0, 0, 0)
        while True:
            async with self._uow() as uow:
                batch = await uow.privacy.delete_started_before(cutoff, SESSIONS_PER_BATCH)
                await uow.commit()
            total = Retained(
                cutoff,
                total.sessions + batch.sessions,
                total.records + batch.records,
                total.marks + batch.marks,
                total.corrections + batch.corrections,
            )
            if batch.sessions < SESSIONS_PER_BATCH:
                return RetentionRun(total, expired)
