"""Live sockets: a fan-out with the summary and DONE after it, DONE alone, round trips during a
login storm, and memory per idle socket."""

import asyncio
import time

import fanout
import httpx
import psutil
import wsload
from dataset import PASSWORD, Dataset, token
from harness import percentile, server_cpu_seconds, server_memory


async def fanout_and_finish(data: Dataset, port: int, students: int, process) -> dict:
    ids = data.student_ids[:students]
    class_id = await data.make_class(ids)
    await data.start_session(class_id)
    # What delivering costs the server, whatever the number of processes (with --workers 2 a
    # class's sockets are split over two): its CPU time from every socket open until every
    # mark heard (opening the sockets is reported apart).
    result = await fanout.fanout(
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
