"""Years of a class's history, written straight into the tables in SQL: finished sessions a
day apart, one record per student in each, statuses spread over all four (a half present).
Records go in session by session, as DONE writes them, so a session's records lie together
on disk as they do in a real database. Shared by bench/run.py's `reports` scenario and
bench/reports_over_years.py."""

import uuid

import asyncpg

SESSIONS = """
    INSERT INTO attendance_sessions (id, class_id, started_at, ended_at)
    SELECT gen_random_uuid(), $1, now() - (i || ' days')::interval,
           now() - (i || ' days')::interval + interval '1 hour'
    FROM generate_series(1, $2) AS i"""

RECORDS = """
    INSERT INTO attendance (id, class_id, student_id, status, session_id)
    SELECT gen_random_uuid(), s.class_id, e.id,
           (ARRAY['present','present','present','absent','late','excused'])
             [1 + abs(hashtext(s.id::text || e.id::text)) % 6], s.id
    FROM attendance_sessions s, unnest($2::uuid[]) AS e(id)
    WHERE s.class_id = $1
    ORDER BY s.started_at, s.id"""


async def fill_history(
    database_url: str, class_id: str, students: list[str], sessions: int
) -> None:
    """`sessions` finished sessions of the class (late and excused turned on), each with a
    record for every one of `students`."""
    class_uuid = uuid.UUID(class_id)
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "UPDATE classes SET extra_statuses = '{late,excused}' WHERE id = $1", class_uuid
        )
        await connection.execute(SESSIONS, class_uuid, sessions)
        await connection.execute(RECORDS, class_uuid, [uuid.UUID(s) for s in students])
        await connection.execute("ANALYZE attendance; ANALYZE attendance_sessions")
        # A minute's fill stands for years of DONE, between which autovacuum would have
        # cleared the totals' old row versions (each session rewrote every student's row).
        await connection.execute("VACUUM (ANALYZE) attendance_totals")
    finally:
        await connection.close()
