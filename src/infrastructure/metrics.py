"""The Prometheus metrics the adapters count: what was committed and published, the event
bus's health, the database pool's use.

With PROMETHEUS_MULTIPROC_DIR set (the `serve` command sets it before anything imports
prometheus-client), every worker process writes its values to files there and `/metrics`
adds them up, so the figures are the service's, whichever worker answers the scrape."""

import os
import re
from pathlib import Path

from prometheus_client import Counter, Gauge, multiprocess

from domain.events import AttendanceFinished, AttendanceMarked, ClassBroadcast, LiveMessage

PREFIX = "live_attendance_"

MARKS = Counter(f"{PREFIX}marks", "Marks made by teachers, committed")
CHECK_INS = Counter(f"{PREFIX}check_ins", "Students' self check-ins, committed")
SESSIONS_FINISHED = Counter(f"{PREFIX}sessions_finished", "Sessions finished (DONE), committed")
BUS_RECONNECTS = Counter(
    f"{PREFIX}event_bus_reconnects", "Times the event bus's LISTEN connection was re-established"
)
BUS_DROPPED = Counter(
    f"{PREFIX}event_bus_dropped_notifications",
    "Notifications that did not reach other processes (NOTIFY failed) or could not be read",
)
HTTP_REFUSED = Counter(
    f"{PREFIX}http_refused",
    "Requests the server refused before the app saw them, by status: 400 unreadable, 413, 414 "
    "and 431 too large, 503 over the connection cap (MAX_CONNECTIONS)",
    ["status"],
)
POOL_IN_USE = Gauge(
    f"{PREFIX}db_pool_connections_in_use",
    "Pooled database connections lent out (read every second)",
    multiprocess_mode="livesum",
)
POOL_WAITS = Counter(
    f"{PREFIX}db_pool_waits",
    "Times a unit of work waited over a millisecond for a pooled connection (none was free)",
)


def count_published(message: LiveMessage) -> None:
    """Counts a committed change as the bus publishes it (once, on the process that made it)."""
    if isinstance(message, ClassBroadcast):
        event = message.event
        if isinstance(event, AttendanceMarked):
            (CHECK_INS if event.checked_in else MARKS).inc()
        elif isinstance(event, AttendanceFinished):
            SESSIONS_FINISHED.inc()


def forget_dead_processes() -> None:
    """A worker that died without stopping (killed, out of memory) left its live gauges in the
    shared folder; a worker starting (uvicorn starts one in its place) forgets them."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    pids = {
        int(match[1]) for path in Path(folder).glob("*.db") if (match := _PID.search(path.name))
    }
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, folder)
        except PermissionError:
            pass  # alive, another user's


_PID = re.compile(r"_(\d+)\.db$")


def forget_this_process() -> None:
    """A worker that stops takes its live gauges (sockets, connections in use) with it."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())
