"""The fan-out measured with the lean client (bench/wsload.py): a teacher marks every student of
a class back to back, every socket of the class must hear every mark, counted without decoding
JSON."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ws_frames import encode_json, encode_text_frame
from wsload import LiveSocket, close_all, connect, connect_many

MARK_PREFIX = b'{"event":"ATTENDANCE_MARKED","data":{"studentId":"'
STUDENT_ID_KEY = b'"studentId":"'
UUID_LEN = 36


def mark_frame(student_id: str) -> bytes:
    return encode_json(
        {"event": "ATTENDANCE_MARKED", "data": {"studentId": student_id, "status": "present"}}
    )


def find_student_id(payload: bytes) -> bytes | None:
    """The studentId of an ATTENDANCE_MARKED frame, by slicing (no JSON decoding)."""
    if payload.startswith(MARK_PREFIX):
        return payload[len(MARK_PREFIX) : len(MARK_PREFIX) + UUID_LEN]
    if b'"ATTENDANCE_MARKED"' not in payload:
        return None
    at = payload.find(STUDENT_ID_KEY)
    if at < 0:
        return None
    at += len(STUDENT_ID_KEY)
    return payload[at : at + UUID_LEN]


class FanoutTally:
    """Counts deliveries of each mark across every socket; ``on_text`` is the hot path."""

    def __init__(self, student_ids: Sequence[str], sockets: int) -> None:
        self.index = {sid.encode(): i for i, sid in enumerate(student_ids)}
        self.sockets = sockets
        self.counts = [0] * len(student_ids)
        self.last_at = [0.0] * len(student_ids)
        self.deliveries = 0
        self.complete = 0
        self.errors = 0
        self.first_error: str | None = None
        self.other_frames = 0
        self.all_delivered = asyncio.get_running_loop().create_future()

    def on_text(self, payload: bytes, now: float) -> None:
        i = self.index.get(find_student_id(payload))  # type: ignore[arg-type]
        if i is None:
            self._other(payload)
            return
        self.deliveries += 1
        self.last_at[i] = now
        count = self.counts[i] = self.counts[i] + 1
        if count == self.sockets:
            self.complete += 1
            if self.complete == len(self.counts) and not self.all_delivered.done():
                self.all_delivered.set_result(None)

    def _other(self, payload: bytes) -> None:
        if b'"event":"ERROR"' in payload:
            self.errors += 1
            if self.first_error is None:
                self.first_error = payload.decode(errors="replace")
        else:
            self.other_frames += 1


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of an already sorted sequence."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def send_back_to_back(sock: LiveSocket, frames: Sequence[bytes]) -> list[float]:
    """Writes every frame as fast as the transport takes them; returns each send time."""
    sent_at = [0.0] * len(frames)
    clock, write = time.perf_counter, sock.send_frame
    for i, frame in enumerate(frames):
        sent_at[i] = clock()
        write(frame)
        if sock.writing_paused:  # the transport's buffer is over its high-water mark
            await sock.drain()
    return sent_at


async def fanout(
    host: str,
    port: int,
    teacher_token: str,
    student_tokens: Sequence[str],
    student_ids: Sequence[str],
    timeout: float = 120.0,  # noqa: ASYNC109
    concurrency: int = 200,
    server_cpu: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """1 teacher + N students connect; the teacher marks all N students back to back and every
    socket should hear every mark. Returns throughput, per-mark latency and client CPU use,
    and, given a reader of the server's CPU time, what the server spent opening the sockets
    and then delivering (from every socket open until every mark heard)."""
    n = len(student_tokens)
    if len(student_ids) != n:
        raise ValueError("student_tokens and student_ids differ in length")
    server_cpu_at = [server_cpu()] if server_cpu else []
    tally = FanoutTally(student_ids, sockets=n + 1)
    teacher = await connect(host, port, teacher_token, tally.on_text)
    try:
        students = await connect_many(host, port, student_tokens, concurrency, tally.on_text)
    except BaseException:
        await teacher.close()
        raise
    socks = [teacher, *students]
    frames = [encode_text_frame(mark_frame(sid)) for sid in student_ids]
    try:
        if server_cpu:
            server_cpu_at.append(server_cpu())
        cpu_started, started = time.process_time(), time.perf_counter()
        sent_at = await send_back_to_back(teacher, frames)
        sent_done = time.perf_counter()
        await _wait_bounded(tally.all_delivered, started + timeout - time.perf_counter())
        cpu = time.process_time() - cpu_started
        wall = time.perf_counter() - started
        figures = _fanout_figures(tally, socks, sent_at, started, sent_done, cpu, wall)
        if server_cpu:
            opened, delivered = server_cpu_at[1] - server_cpu_at[0], server_cpu() - server_cpu_at[1]
            figures["server_cpu_s_opening_sockets"] = round(opened, 3)
            figures["server_cpu_s"] = round(delivered, 3)
            figures["deliveries_per_server_cpu_s"] = round(tally.deliveries / max(delivered, 0.01))
        return figures
    finally:
        await close_all(socks)


async def _wait_bounded(future: Awaitable[None], seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(future), max(0.0, seconds))


def _fanout_figures(
    tally: FanoutTally,
    socks: Sequence[LiveSocket],
    sent_at: Sequence[float],
    started: float,
    sent_done: float,
    cpu: float,
    wall: float,
) -> dict[str, Any]:
    marks, sockets = len(sent_at), len(socks)
    expected = marks * sockets
    latencies = sorted(
        (tally.last_at[i] - sent_at[i]) * 1000 for i in range(marks) if tally.counts[i] >= sockets
    )
    delivered_at = [t for t, c in zip(tally.last_at, tally.counts, strict=True) if c]
    first_sent = sent_at[0] if sent_at else started
    seconds = (max(delivered_at) - first_sent) if delivered_at else wall
    utilisation = cpu / wall if wall > 0 else 0.0
    close_codes: dict[int, int] = {}
    for s in socks:
        if s.close_code is not None:
            close_codes[s.close_code] = close_codes.get(s.close_code, 0) + 1
    return {
        "marks": marks,
        "sockets": sockets,
        "deliveries": tally.deliveries,
        "expected_deliveries": expected,
        "missing_deliveries": max(0, expected - tally.deliveries),
        "complete_marks": tally.complete,
        "timed_out": tally.complete < marks,
        "seconds": seconds,
        "send_seconds": sent_done - started,
        "deliveries_per_s": tally.deliveries / seconds if seconds > 0 else 0.0,
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_p99": percentile(latencies, 99),
        "latency_ms_max": latencies[-1] if latencies else None,
        "client_cpu_s": cpu,
        "client_cpu_utilisation": utilisation,
        "client_bound": utilisation > 0.9,
        "errors": tally.errors,
        "first_error": tally.first_error,
        "other_frames": tally.other_frames,
        "closed_during_run": close_codes,
    }
