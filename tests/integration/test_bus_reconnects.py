"""A process whose LISTEN connection to PostgreSQL is lost (killed, or the database away) gets
it back, counts it, and its sockets hear what was said meanwhile: the marks, and a v2
socket's state again."""

import asyncio
import contextlib
import time

import asyncpg

from infrastructure.database.urls import plain_url
from tests.integration import two_processes
from tests.integration.live import receive_until
from tests.integration.two_processes import bus_reconnects, listener_pids, listeners, query

server_b, live_on = two_processes.server_b, two_processes.live_on  # the fixtures, shared


def test_a_killed_listener_reconnects_and_delivery_resumes(
    database_url, server, server_b, make_account, make_class, start_session, live_on
):
    teacher, student = make_account("teacher"), make_account()
    start_session(teacher, make_class(teacher, student))
    teacher_ws, student_ws = live_on("a", teacher), live_on("b", student)
    mark = {"studentId": str(student.id), "status": "present"}

    before = listener_pids(database_url, server, server_b)
    assert len(before) == 2  # one per process
    reconnects_before = [bus_reconnects(process) for process in (server, server_b)]
    query(
        database_url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        f" WHERE pid IN ({', '.join(map(str, before))})",
    )
    # Back once each process has a new listener and has counted its reconnect (the count
    # comes once its LISTEN is in place, after the connection shows in pg_stat_activity).
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        after = listener_pids(database_url, server, server_b)
        counted = [bus_reconnects(p) for p in (server, server_b)]
        reconnected = all(now > then for now, then in zip(counted, reconnects_before, strict=True))
        if len(after) == 2 and not set(after) & set(before) and reconnected:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the listeners did not come back")

    teacher_ws.send("ATTENDANCE_MARKED", mark)
    expected = {"event": "ATTENDANCE_MARKED", "data": mark}
    assert teacher_ws.receive() == expected
    assert student_ws.receive() == expected
    for process in (server, server_b):
        assert "LISTEN connection was lost; reconnecting" in process.log_path.read_text()
    # The operator sees it too: each process counted one reconnect more.
    assert [bus_reconnects(p) for p in (server, server_b)] == [n + 1 for n in reconnects_before]


def test_marks_made_while_a_process_could_not_listen_reach_its_sockets_after(
    database_url, server, server_b, make_account, make_class, start_session, live_on
):
    teacher = make_account("teacher")
    students = [make_account() for _ in range(3)]
    start_session(teacher, make_class(teacher, *students))
    teacher_ws = live_on("a", teacher)
    on_b = [live_on("b", student) for student in students]
    # Heard by B before the outage, a few seconds before it: the catch-up, which starts a
    # little before the outage, must not send it again.
    before = {"studentId": str(students[0].id), "status": "absent"}
    teacher_ws.send("ATTENDANCE_MARKED", before)
    heard_before = {"event": "ATTENDANCE_MARKED", "data": before}
    assert teacher_ws.receive() == heard_before
    for ws in on_b:
        assert ws.receive() == heard_before
    marks = [{"studentId": str(s.id), "status": "present"} for s in students]

    async def keep_b_deaf_while_marking() -> None:
        # B's listener is killed as fast as it comes back while A commits the marks.
        connection = await asyncpg.connect(plain_url(database_url))
        try:
            kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
            kill += listeners(server_b)
            for n in range(60):
                await connection.execute(kill)
                if n in (10, 20, 30):
                    teacher_ws.send("ATTENDANCE_MARKED", marks[n // 10 - 1])
                await asyncio.sleep(0.02)
        finally:
            await connection.close()

    asyncio.run(keep_b_deaf_while_marking())
    expected = [{"event": "ATTENDANCE_MARKED", "data": mark} for mark in marks]
    assert [teacher_ws.receive() for _ in marks] == expected
    for ws in on_b:  # B sends what it missed once it listens again, each once
        assert [ws.receive() for _ in marks] == expected
    for ws in on_b:  # (its listener may come back after a 1 s pause, and replay again)
        ws.assert_silent(1.5)
    assert "caught up on" in server_b.log_path.read_text()


def test_v2_sockets_get_their_state_again_after_the_listener_comes_back(
    database_url, server, server_b, make_account, make_class, start_session, live_on
):
    teacher, student = make_account("teacher"), make_account()
    classroom = make_class(teacher, student)
    start_session(teacher, classroom)
    on_b = live_on("b", teacher, v2=True)
    on_b.receive_event("SESSION_STATE")
    teacher_on_a = live_on("a", teacher)

    async def mark_while_b_is_deaf() -> None:
        connection = await asyncpg.connect(plain_url(database_url))
        try:
            kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
            kill += listeners(server_b)
            for n in range(30):
                await connection.execute(kill)
                if n == 10:
                    teacher_on_a.send(
                        "ATTENDANCE_MARKED", {"studentId": str(student.id), "status": "present"}
                    )
                await asyncio.sleep(0.02)
        finally:
            await connection.close()

    asyncio.run(mark_while_b_is_deaf())

    def marks_in(message: dict) -> list[tuple[str, str]]:
        (state,) = [c for c in message["data"]["classes"] if c["classId"] == classroom["id"]]
        return [(m["studentId"], m["status"]) for m in state["session"]["marks"]]

    # States sent while the mark was not yet committed may come first; one with it must come.
    heard = receive_until(
        on_b,
        lambda m: m["event"] == "SESSION_STATE" and marks_in(m) == [(str(student.id), "present")],
    )
    with contextlib.suppress(TimeoutError):  # and what follows (its listener may come back)
        while True:
            heard.append(on_b.receive(timeout=1.5))
    # Nothing replayed without a number reaches a v2 socket.
    assert all("seq" in m for m in heard if m["event"] != "SESSION_STATE")
