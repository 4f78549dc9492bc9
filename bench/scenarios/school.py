"""A school's busy moments on our extensions (ours only): a check-in storm over HTTP, and a
morning of many classes live at once."""

import asyncio
import time
import uuid

import asyncpg
import fanout
import httpx
import wsload
from dataset import Dataset, token
from harness import TargetServer, percentile, server_cpu_by_process
from httpload import HttpConnections


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
        on_text=lambda payload, now: heard_at.setdefault(fanout.find_student_id(payload), now),
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
    data: Dataset,
    port: int,
    server: TargetServer,
    classes: int = 100,
    size: int = 30,
    seconds: float = 10,
) -> dict:
    """`classes` classes of `size` students live at once, each with its own teacher marking a
    student every 50 ms: marks per second, and the p99 from a mark sent to the last of its
    class's sockets (the students' and the teacher's) receiving it. The server's CPU time is
    read from each of its processes (with --workers 2, the sockets spread over both), from the
    first mark until every mark was heard."""
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

    cpu_before = server_cpu_by_process(server)
    client_cpu, began = time.process_time(), time.perf_counter()
    sent_per_class = await asyncio.gather(*(teach(c) for c in range(classes)))
    marks_sent = sum(sent_per_class)
    waited = time.perf_counter() + 60  # until every mark is heard by its whole class
    while len(latencies) < marks_sent and time.perf_counter() < waited:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    elapsed = time.perf_counter() - began
    client_cpu = time.process_time() - client_cpu
    cpu_after = server_cpu_by_process(server)
    await wsload.close_all(sockets)
    by_process = sorted(
        (round(cpu_after[pid] - cpu_before.get(pid, 0.0), 3) for pid in cpu_after), reverse=True
    )
    server_cpu = sum(by_process)
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
        "server_cores": server.cores,
        "server_cpu_s": round(server_cpu, 3),
        # each process's, busiest first (with workers: the supervisor last, near 0)
        "server_cpu_s_by_process": by_process,
        "server_cpu_ms_per_mark_heard": round(1000 * server_cpu / max(len(latencies), 1), 3),
        "client_cpu_utilisation": round(client_cpu / elapsed, 3),
        "client_bound": client_cpu / elapsed > 0.9,
    }
