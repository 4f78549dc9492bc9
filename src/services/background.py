"""Work a request starts and does not wait for: its answer must not depend on it, nor take
longer for it (a password reset's email: whether one is sent must not show in the answer's
time). A failure is logged, never raised to anyone."""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self, limit: int = 200, shutdown_grace_seconds: float = 10) -> None:
        """At most `limit` run at once; more are dropped (and logged): a flood of requests
        cannot pile up unbounded work."""
        self._limit = limit
        self._grace = shutdown_grace_seconds
        self._running: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None], what: str) -> bool:
        """Runs `work` in the background; False (and it never runs) when too many are running."""
        if len(self._running) >= self._limit:
            work.close()
            log.warning("%s dropped: %d background tasks are running already", what, self._limit)
            return False
        task = asyncio.get_running_loop().create_task(self._run(work, what))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return True

    async def _run(self, work: Coroutine[Any, Any, None], what: str) -> None:
        try:
            await work
        except Exception as error:  # nobody waits for it: logged, and that is all
            log.error("%s failed: %s", what, type(error).__name__, exc_info=error)

    @property
    def running(self) -> int:
        return len(self._running)

    async def finish(self) -> None:
        """At shutdown: what is running gets a grace time to finish, then is cancelled."""
        if not self._running:
            return
        _, late = await asyncio.wait(set(self._running), timeout=self._grace)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)
