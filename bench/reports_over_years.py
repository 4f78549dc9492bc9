"""Reports over years (issue 27): a class of 5,000 students with 500 finished sessions (2.5
million records, written in SQL: bench/history_fill.py), then over HTTP its whole-history
report (`GET /class/:id/report`: median and slowest of several, the server's CPU per request,
and PostgreSQL's own figures for its statement, by counting the records and from the kept
totals), the same report over the last 30 days (which still counts records), and the
full-history CSV (`GET /class/:id/attendance.csv`: seconds, MB/s, read as a stream and
counted, never held). The server is pinned to core 0 and this client to core 1, where
PostgreSQL runs too (as bench/run.py does).

    python bench/reports_over_years.py
    python bench/reports_over_years.py --students 1000 --sessions 100 --runs 9
    python bench/reports_over_years.py --target-command "env PYTHONPATH=/tmp/before/src \\
        python -m bootstrap.cli serve"          # another tree of the code, for before/after

`reports_over_years(data, port, server)` is the scenario itself, for bench/run.py's list. Prints one
JSON document of figures on stdout (progress goes to stderr)."""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dataset import Dataset
from harness import (
    CLIENT_CORE,
    TargetServer,
    free_port,
    fresh_postgres,
    log,
    our_command,
    running_server,
    server_cpu_seconds,
)
from history_fill import fill_history
from scenarios.reports import month_ago

from infrastructure.database.history_csv import history_csv_page
from infrastructure.database.record_queries import CLASS_REPORT, CLASS_REPORT_WHOLE
from services.records import HISTORY_ROWS_PER_PAGE

TARGET_REPORT_MS = 100  # issue 27


async def _query_figures(database_url: str, class_id: str) -> dict:
    """PostgreSQL's own figures for the whole-history report's statement, by counting every
    record (the code before issue 27) and from the kept totals (after, where they exist), and
    for the last 30 days' (counting): the execution time and the pages read (shared buffers,
    hit or read), as EXPLAIN gives them."""
    connection = await asyncpg.connect(database_url)
    try:
        month = datetime.now(UTC) - timedelta(days=30)
        statements = {"by_counting_records": (CLASS_REPORT, None)}
        if await connection.fetchval("SELECT to_regclass('attendance_totals') IS NOT NULL"):
            statements["from_totals"] = (CLASS_REPORT_WHOLE, None)
        statements["last_30_days_by_counting"] = (CLASS_REPORT, month)
        figures = {}
        for name, (sql, since) in statements.items():
            explained = await connection.fetchval(
                f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", uuid.UUID(class_id), since, None
            )
            plan = json.loads(explained)[0]
            top = plan["Plan"]
            figures[name] = {
                "execution_ms": round(plan["Execution Time"], 1),
                "pages": top["Shared Hit Blocks"] + top["Shared Read Blocks"],
            }
        return figures
    finally:
        await connection.close()


async def _postgres_copy_seconds(database_url: str, class_id: str) -> float:
    """The export's pages as PostgreSQL writes them (the statements the server runs, on one
    connection, here), without HTTP: what the download costs beyond it is the server's."""
    connection = await asyncpg.connect(database_url)
    try:
        started = time.perf_counter()
        after, sessions, header = None, 1, True
        while True:
            page = await history_csv_page(
                connection,
                uuid.UUID(class_id),
                after,
                sessions,
                header=header,
            )
            if page.after is None:
                return time.perf_counter() - started
            after, header = page.after, False
            sessions = max(1, HISTORY_ROWS_PER_PAGE // max(1, page.rows // page.sessions))
    finally:
        await connection.close()


async def _timed_gets(http: httpx.AsyncClient, path: str, headers: dict, runs: int) -> dict:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = await http.get(path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    return {
        "median_ms": round(statistics.median(timings), 1),
        "slowest_ms": round(max(timings), 1),
        "students": len(answer.json()["data"]["students"]),
    }


async def _timed_download(http: httpx.AsyncClient, path: str, headers: dict) -> dict:
    """The whole response, read as it comes; its bytes and lines counted, nothing kept."""
    received = lines = 0
    started = time.perf_counter()
    async with http.stream("GET", path, headers=headers) as answer:
        answer.raise_for_status()
        async for chunk in answer.aiter_raw():
            received += len(chunk)
            lines += chunk.count(b"\n")  # each line ends with CRLF; no cell here holds a LF
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "mb": round(received / 2**20, 1),
        "mb_per_s": round(received / 2**20 / seconds, 1),
        "lines": lines,
    }


async def reports_over_years(
    data: Dataset,
    port: int,
    server: TargetServer,
    students: int = 5_000,
    sessions: int = 500,
    runs: int = 7,
) -> dict:
    class_id = await data.make_class(data.student_ids[:students])
    started = time.perf_counter()
    await fill_history(data.database_url, class_id, data.student_ids[:students], sessions)
    log(f"filled {students} x {sessions} records in {time.perf_counter() - started:.1f} s")
    auth = {"Authorization": data.teacher_token}
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=600) as http:
        cpu_before = server_cpu_seconds(server)
        report = await _timed_gets(http, f"/class/{class_id}/report", auth, runs)
        report["server_cpu_ms"] = round(1000 * (server_cpu_seconds(server) - cpu_before) / runs, 1)
        log(f"report: {report}")
        month = await _timed_gets(
            http, f"/class/{class_id}/report?from={month_ago()}", auth, max(3, runs // 2)
        )
        log(f"report of the last 30 days: {month}")
        downloads = []
        for _ in range(max(1, runs // 3)):
            downloads.append(await _timed_download(http, f"/class/{class_id}/attendance.csv", auth))
            log(f"history CSV: {downloads[-1]}")
    history = min(downloads, key=lambda d: d["seconds"])
    return {
        "students": students,
        "sessions": sessions,
        "report": {**report, "target_ms": TARGET_REPORT_MS},
        "report_statement": await _query_figures(data.database_url, class_id),
        "report_last_30_days": month,
        "history_csv": {
            **history,
            "runs_seconds": [d["seconds"] for d in downloads],
            "postgres_copy_seconds": round(
                await _postgres_copy_seconds(data.database_url, class_id), 2
            ),
        },
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=5_000)
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7, help="report requests (downloads: a third)")
    parser.add_argument("--target-command", help="a server command; {port}, {database_url}")
    args = parser.parse_args()
    os.sched_setaffinity(0, {int(CLIENT_CORE)})
    command = args.target_command.split() if args.target_command else our_command()
    with tempfile.TemporaryDirectory(prefix="bench-years-") as folder:
        workdir = Path(folder)
        port = free_port()
        with (
            fresh_postgres(workdir / "pg") as database_url,
            running_server(command, port, database_url, workdir / "server.log") as server,
        ):
            data = Dataset(f"http://127.0.0.1:{port}", database_url)
            await data.create(args.students)
            figures = await reports_over_years(
                data, port, server, args.students, args.sessions, args.runs
            )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
