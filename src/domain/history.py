"""A class's full history, one row per finished session and student (for exports)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

# The export's columns, in order: the session (its id, when it started and ended, in ISO 8601
# UTC), the student (id, name, email), the status as corrected, as the session ended, and
# whether it was corrected (true/false).
HISTORY_COLUMNS = (
    "session_id", "started_at", "ended_at", "student_id", "name", "email", "status",
    "original_status", "corrected",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class HistoryCsvPage:
    """A page of a class's history as CSV lines (UTF-8, CRLF, HISTORY_COLUMNS, formula cells
    neutralised; the header line first on the first page): the `rows` of `sessions` whole
    sessions, oldest first. `after` names the page's last session (when it started, its id)
    for the next page; None when there is no more."""

    csv: bytes
    rows: int
    sessions: int
    after: tuple[datetime, UUID] | None
