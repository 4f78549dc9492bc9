"""A class's full history as CSV, written by PostgreSQL (`COPY (SELECT ...) TO STDOUT`) a
page of whole sessions at a time: byte for byte what the CSV writer in Python wrote
(api/csv_export.py; tests/integration/test_history_export.py compares the two). The header is
the columns' names (domain.history.HISTORY_COLUMNS); times are ISO 8601 in UTC with
milliseconds, as JavaScript's toISOString() prints them (api.schemas.iso_timestamp); booleans
are true/false; cells are neutralised against formulas in SQL (formula_cells.py); an empty
text is an empty cell (COPY would quote it: it writes NULL unquoted); lines end with CRLF."""

from datetime import datetime
from functools import cache
from uuid import UUID

from domain.history import HistoryCsvPage
from infrastructure.database.formula_cells import safe_cell_sql
from infrastructure.database.pool import Connection
from infrastructure.database.rows import CURRENT_STATUS

# A class's finished sessions after a (started_at, id), oldest first: a page of its history.
SESSIONS_AFTER = """
    SELECT s.id, s.started_at
    FROM attendance_sessions s
    WHERE s.class_id = $1 AND s.ended_at IS NOT NULL
      AND ($2::timestamptz IS NULL OR (s.started_at, s.id) > ($2, $3::uuid))
    ORDER BY s.started_at, s.id
    LIMIT $4"""


def _iso_8601(moment: str) -> str:
    # MS truncates to the millisecond, as iso_timestamp does.
    return f"""to_char({moment} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


def _cell(text: str) -> str:
    return f"NULLIF({safe_cell_sql(text)}, '')"


@cache
def _history_lines() -> str:
    """One line per student of the sessions named (`{sessions}`, a uuid[] literal), oldest
    session first, by name within a session. The sessions' times are formatted once per
    session, not per line. Built on first use (the formula pattern takes a moment)."""
    return f"""
    WITH page AS MATERIALIZED (
        SELECT s.id, s.started_at, {_iso_8601("s.started_at")} AS started,
               {_iso_8601("s.ended_at")} AS ended
        FROM attendance_sessions s WHERE s.id = ANY({{sessions}}))
    SELECT p.id AS session_id, p.started AS started_at, p.ended AS ended_at, a.student_id,
           {_cell("u.name")} AS name, {_cell("u.email")} AS email,
           {CURRENT_STATUS} AS status, a.status AS original_status,
           CASE WHEN a.corrected_status IS NULL THEN 'false' ELSE 'true' END AS corrected
    FROM page p
    JOIN attendance a ON a.session_id = p.id
    JOIN users u ON u.id = a.student_id
    ORDER BY p.started_at, p.id, u.name, u.id"""


def _uuid_array(ids: list[UUID]) -> str:
    """A uuid[] literal: COPY takes no parameters, and a UUID's text is hex digits and dashes."""
    return "'{" + ",".join(str(UUID(str(i))) for i in ids) + "}'::uuid[]"


class CrlfLines:
    """COPY ends each line with LF; the CSV writer (RFC 4180) with CRLF. A LF inside a quoted
    cell is kept as it is, as the CSV writer keeps it: the quotes seen so far say where a
    chunk begins (COPY doubles a quote inside a cell, which toggles twice)."""

    def __init__(self) -> None:
        self._in_quotes = False

    def __call__(self, chunk: bytes) -> bytes:
        if not self._in_quotes and b'"' not in chunk:
            return chunk.replace(b"\n", b"\r\n")
        parts = chunk.split(b'"')
        for outside in range(1 if self._in_quotes else 0, len(parts), 2):
            parts[outside] = parts[outside].replace(b"\n", b"\r\n")
        if len(parts) % 2 == 0:  # an odd number of quotes
            self._in_quotes = not self._in_quotes
        return b'"'.join(parts)


async def history_csv_page(
    connection: Connection,
    class_id: UUID,
    after: tuple[datetime, UUID] | None,
    sessions: int,
    *,
    header: bool,
) -> HistoryCsvPage:
    started, session_id = after if after is not None else (None, None)
    found = await connection.fetch(SESSIONS_AFTER, class_id, started, session_id, sessions + 1)
    page = found[:sessions]
    chunks: list[bytes] = []
    rows = 0
    if page or header:
        to_crlf = CrlfLines()

        async def keep(chunk: bytes) -> None:
            chunks.append(to_crlf(chunk))

        status = await connection.copy_from_query(
            _history_lines().format(sessions=_uuid_array([session["id"] for session in page])),
            output=keep,
            format="csv",
            header=header,
        )
        rows = int(status.rsplit(" ", 1)[-1])  # "COPY <rows>"
    return HistoryCsvPage(
        b"".join(chunks),
        rows,
        len(page),
        (page[-1]["started_at"], page[-1]["id"]) if len(found) > sessions else None,
    )
