"""Reports over a long history: a class's report, its CSVs and a student's own (ours only)."""

import statistics
import time
import uuid

import asyncpg
import httpx
from dataset import Dataset, token


async def reports(data: Dataset, port: int, students: int = 5_000, sessions: int = 500) -> dict:
    """A class of `students` with `sessions` finished sessions (one record per student in
    each, statuses spread over all four), written straight into the tables; then the report,
    its CSV, the full history's CSV and a student's own report, each timed over HTTP."""
    class_id = await data.make_class(data.student_ids[:students])
    connection = await asyncpg.connect(data.database_url)
    try:
        await connection.execute(
            "UPDATE classes SET extra_statuses = '{late,excused}' WHERE id = $1",
            uuid.UUID(class_id),
        )
        await connection.execute(
            "INSERT INTO attendance_sessions (id, class_id, started_at, ended_at)"
            " SELECT gen_random_uuid(), $1, now() - (i || ' days')::interval,"
            " now() - (i || ' days')::interval + interval '1 hour'"
            " FROM generate_series(1, $2) AS i",
            uuid.UUID(class_id),
            sessions,
        )
        await connection.execute(
            "INSERT INTO attendance (id, class_id, student_id, status, session_id)"
            " SELECT gen_random_uuid(), s.class_id, e.id,"
            " (ARRAY['present','present','present','absent','late','excused'])"
            "[1 + abs(hashtext(s.id::text || e.id::text)) % 6], s.id"
            " FROM attendance_sessions s, unnest($2::uuid[]) AS e(id) WHERE s.class_id = $1",
            uuid.UUID(class_id),
            [uuid.UUID(s) for s in data.student_ids[:students]],
        )
        await connection.execute("ANALYZE attendance; ANALYZE attendance_sessions")
    finally:
        await connection.close()
    auth = {"Authorization": data.teacher_token}
    student = {"Authorization": token(data.student_ids[0], "student")}
    timings: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300) as http:
        for name, path, headers in (
            ("report_ms", f"/class/{class_id}/report", auth),
            ("report_month_ms", f"/class/{class_id}/report?from={month_ago()}", auth),
            ("report_csv_ms", f"/class/{class_id}/report.csv", auth),
            ("history_csv_ms", f"/class/{class_id}/attendance.csv", auth),
            ("my_report_ms", "/me/report", student),
        ):
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                answer = await http.get(path, headers=headers)
                answer.raise_for_status()
                runs.append((time.perf_counter() - started) * 1000)
            timings[name] = round(statistics.median(runs), 1)
            if name == "history_csv_ms":
                timings["history_csv_mb"] = round(len(answer.content) / 2**20, 1)
    return {"students": students, "sessions": sessions, **timings}


def month_ago() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() - 30 * 86400))
