"""Reports over a long history: a class's report, its CSVs and a student's own (ours only)."""

import statistics
import time

import httpx
from dataset import Dataset, token
from history_fill import fill_history


async def reports(data: Dataset, port: int, students: int = 5_000, sessions: int = 500) -> dict:
    """A class of `students` with `sessions` finished sessions (one record per student in
    each, statuses spread over all four), written straight into the tables; then the report,
    its CSV, the full history's CSV and a student's own report, each timed over HTTP."""
    class_id = await data.make_class(data.student_ids[:students])
    await fill_history(data.database_url, class_id, data.student_ids[:students], sessions)
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
