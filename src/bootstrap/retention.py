"""`live-attendance apply-retention`: deletes what is past retention (RETENTION_YEARS), for a
cron job. It prints what it deleted; safe to run on several hosts at once."""

import asyncio

from infrastructure.settings import Settings
from services.retention import RetentionRun


async def apply_retention(settings: Settings) -> RetentionRun:
    # Imported here, as in `serve`: the container pulls in prometheus-client.
    from bootstrap.container import Container

    container = Container(settings=settings)
    database = container.database()
    await database.start()
    try:
        return await container.retention_service().apply()
    finally:
        await database.stop()


def retention_summary(run: RetentionRun) -> str:
    counters = f"{run.expired_counters} expired attempt counter(s) deleted."
    if run.retained is None:
        return f"RETENTION_YEARS is not set: attendance records are kept forever. {counters}"
    done = run.retained
    return (
        f"Deleted {done.sessions} session(s) started before {done.cutoff:%Y-%m-%d %H:%M:%S} UTC,"
        f" with {done.records} record(s), {done.marks} live mark(s) and"
        f" {done.corrections} correction(s). {counters}"
    )


def run_apply_retention(settings: Settings) -> str:
    return retention_summary(asyncio.run(apply_retention(settings)))
