"""A reconnect storm: a class of 5,000 students and its teacher on sockets, with a live session;
every socket drops at once and comes back at once (a school's Wi-Fi back, or the server
restarted), and the teacher marks a student the moment all are back. Timed from the first
reconnect attempt until every socket heard that mark.

A socket that fails to connect tries again as the web client does (after 0.5 s, doubling up
to 10 s), until the storm's deadline. The server's CPU time is read from its processes
from the drop until the mark was heard (the drops' closes are part of the storm); the
client's own CPU says whether it, not the server, was the limit."""

import asyncio
import time
from collections import Counter

import fanout
import psutil
import wsload
from dataset import Dataset, token
from harness import TargetServer, log, server_cpu_seconds

V2 = "live-attendance.v2"
STUDENTS = 5_000
FIRST_RETRY_SECONDS, LAST_RETRY_SECONDS = 0.5, 10.0  # as src/api/web/live.js
CONNECT_TIMEOUT_SECONDS = 10.0
STORM_DEADLINE_SECONDS = 120.0


class MarkTally:
    """Which sockets heard the mark of one student: each socket's listener is made once and
    serves the socket that replaces it."""

    def __init__(self, sockets: int) -> None:
        self.sockets = sockets
        self.heard = bytearray(sockets)
        self.count = 0
        self.last_heard_at = 0.0
        self.errors = 0
        self.expected: bytes | None = None
        self.all_heard: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def expect(self, student_id: str) -> None:
        self.heard = bytearray(self.sockets)
        self.count = 0
        self.expected = student_id.encode()
        self.all_heard = asyncio.get_running_loop().create_future()

    def listener(self, index: int) -> wsload.OnText:
        def on_text(payload: bytes, now: float) -> None:
            if fanout.find_student_id(payload) != self.expected or self.expected is None:
                if payload.startswith(b'{"event":"ERROR"'):
                    self.errors += 1
                return
            if not self.heard[index]:
                self.heard[index] = 1
                self.count += 1
                self.last_heard_at = now
                if self.count == self.sockets and not self.all_heard.done():
                    self.all_heard.set_result(None)

        return on_text


class Storm:
    """The sockets of one class, by index (0 is the teacher's), and how they came back."""

    def __init__(self, port: int, tokens: list[str], subprotocol: str | None) -> None:
        self.port = port
        self.tokens = tokens
        self.subprotocol = subprotocol
        self.tally = MarkTally(len(tokens))
        self.sockets: list[wsload.LiveSocket | None] = [None] * len(tokens)
        self.failures: Counter[str] = Counter()
        self.attempts = 0
        self.back_at = 0.0

    async def connect_all(self) -> None:
        """The first connections, 200 handshakes at a time (the tokens are used once here)."""
        self.sockets[0] = await self._connect(0)
        gate = asyncio.Semaphore(200)

        async def one(index: int) -> None:
            async with gate:
                self.sockets[index] = await self._connect(index)

        await asyncio.gather(*(one(i) for i in range(1, len(self.tokens))))

    def drop_all(self) -> None:
        """Every connection gone at once, without a close handshake."""
        for sock in self.sockets:
            if sock is not None and sock.transport is not None:
                sock.transport.abort()

    async def reconnect_all(self, deadline: float) -> int:
        """Every socket reconnects at once; answers how many never came back."""
        results = await asyncio.gather(
            *(self._come_back(i, deadline) for i in range(len(self.tokens)))
        )
        self.back_at = time.perf_counter()
        return results.count(False)

    async def _come_back(self, index: int, deadline: float) -> bool:
        delay = FIRST_RETRY_SECONDS
        while True:
            self.attempts += 1
            try:
                self.sockets[index] = await self._connect(index)
                return True
            except (OSError, TimeoutError, wsload.WebSocketError) as error:
                self.failures[type(error).__name__] += 1
            if time.perf_counter() + delay > deadline:
                return False
            await asyncio.sleep(delay)
            delay = min(LAST_RETRY_SECONDS, delay * 2)

    async def _connect(self, index: int) -> wsload.LiveSocket:
        return await wsload.connect(
            "127.0.0.1",
            self.port,
            self.tokens[index],
            self.tally.listener(index),
            CONNECT_TIMEOUT_SECONDS,
            self.subprotocol,
        )

    async def close(self) -> None:
        await wsload.close_all([s for s in self.sockets if s is not None and s.is_open])


async def reconnect_storm(
    data: Dataset,
    server: TargetServer,
    *,
    restart: bool = False,
    v2: bool = False,
    students: int = STUDENTS,
) -> dict:
    """The storm on a fresh class of `students` (see the module's doc): with `restart`, the
    server is stopped (SIGTERM) and started again between the drop and the reconnects, and
    the sockets come back once it serves (its start is timed apart)."""
    wsload.raise_fd_limit()
    ids = data.student_ids[:students]
    class_id = await data.make_class(ids)
    await data.start_session(class_id)  # the teacher's latest: a mark without classId goes there
    storm = Storm(
        server.port,
        [data.teacher_token, *(token(s, "student") for s in ids)],
        V2 if v2 else None,
    )
    await storm.connect_all()
    await asyncio.sleep(1)  # every first handshake answered and settled
    figures: dict = {"sockets": len(storm.tokens), "protocol": "v2" if v2 else "v1"}
    cpu_before = server_cpu_seconds(server)
    if restart:  # in threads: the sockets meanwhile hear their close as a client would
        stopping = time.perf_counter()
        await asyncio.to_thread(server.stop)  # our server closes every socket with 1012
        storm.drop_all()
        stopped = time.perf_counter()
        await asyncio.to_thread(server.start)
        figures["server_stop_s"] = round(stopped - stopping, 3)
        figures["server_start_s"] = round(time.perf_counter() - stopped, 3)
        cpu_before = server_cpu_seconds(server)
    else:
        storm.drop_all()
    client_cpu, began = time.process_time(), time.perf_counter()
    never_back = await storm.reconnect_all(began + STORM_DEADLINE_SECONDS)
    back = storm.back_at - began
    storm.tally.expect(ids[0])
    mark_sent = time.perf_counter()
    teacher = storm.sockets[0]
    if teacher is not None and teacher.is_open:
        teacher.send_json(
            {"event": "ATTENDANCE_MARKED", "data": {"studentId": ids[0], "status": "absent"}}
        )
    try:
        await asyncio.wait_for(asyncio.shield(storm.tally.all_heard), 30)
    except TimeoutError:
        log(f"reconnect storm: {storm.tally.count} of {len(storm.tokens)} heard the mark")
    ended = time.perf_counter()
    client_cpu = time.process_time() - client_cpu
    server_cpu = server_cpu_seconds(server) - cpu_before
    reconnected = len(storm.tokens) - never_back
    heard_at = storm.tally.last_heard_at if storm.tally.count else ended
    figures |= {
        "seconds_until_all_back": round(back, 3),
        "seconds_until_all_heard": round(heard_at - began, 3),
        "mark_heard_by": storm.tally.count,
        "mark_heard_ms": round((heard_at - mark_sent) * 1000, 1),
        "reconnects_per_s": round(reconnected / back) if back > 0 else None,
        "connect_attempts": storm.attempts,
        "failed_attempts": dict(storm.failures),
        "never_back": never_back,
        "error_frames": storm.tally.errors,
        "server_cpu_s": round(server_cpu, 3),
        "server_cpu_ms_per_socket": round(1000 * server_cpu / max(reconnected, 1), 3),
        "server_processes": len(psutil.Process(server.pid).children(recursive=True)) + 1,
        "client_cpu_s": round(client_cpu, 3),
        "client_cpu_utilisation": round(client_cpu / (ended - began), 3),
        "client_bound": client_cpu / (ended - began) > 0.9,
    }
    await storm.close()
    return figures
