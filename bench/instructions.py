"""What the server spends per request, per socket opened and per delivery, counted in machine
instructions (valgrind's callgrind) rather than timed: on a shared machine the same code's
load figures vary by 15 % between rounds, so a 5 % cost cannot be seen in them; an
instruction count varies by far less. Used to measure what logs and metrics cost
(docs/benchmarks.md).

    python bench/instructions.py --src /tmp/before/src --src src

For each source tree, one server process runs under callgrind (started and driven like
bench/run.py, on a fresh embedded PostgreSQL). After a warm-up its counters are zeroed and
dumped around each measured stretch: `GET /auth/me` answered REQUESTS times over one keep-alive
connection, the opening of one class's sockets (its teacher's and STUDENTS students'), and
their fan-out (the teacher marking each student, every socket hearing every mark). An idle
stretch measures what the process does on its own per second (timers); that, times each
stretch's duration, is taken off. Needs valgrind."""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fanout
import harness as bench
from dataset import Dataset, token
from httpload import HttpConnections

REQUESTS = 2_000
WARM_UP_REQUESTS = 300
STUDENTS = 50
IDLE_SECONDS = 10.0


class Callgrind:
    """Zeroes and dumps the counters of the callgrind run whose output goes to `folder`."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self.last_dump = folder

    def zero(self) -> None:
        self._control("--zero")

    def _control(self, action: str) -> None:
        # vgdb names its pipes after $HOST, which the server's environment sets (to 127.0.0.1).
        done = subprocess.run(
            ["callgrind_control", action],
            capture_output=True,
            text=True,
            env={**os.environ, "HOST": "127.0.0.1"},
        )
        if done.returncode or "No active callgrind runs" in done.stdout:
            raise RuntimeError(f"callgrind_control {action}: {done.stdout}{done.stderr}")

    def dump(self) -> int:
        """The instructions executed since the last zero (the dump stays in the folder)."""
        before = set(self._folder.glob("callgrind.out*"))
        self._control("--dump")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            new = [path for path in self._folder.glob("callgrind.out*") if path not in before]
            for path in new:
                text = path.read_text(errors="replace")
                found = re.search(r"^summary:\s+(\d+)", text, re.MULTILINE) or re.search(
                    r"^totals:\s+(\d+)", text, re.MULTILINE
                )
                if found:
                    self.last_dump = path
                    return int(found.group(1))
            time.sleep(0.2)
        listing = sorted(path.name for path in self._folder.iterdir())
        raise RuntimeError(f"callgrind wrote no dump in {self._folder}: {listing}")


async def auth_me(port: int, token: str, requests: int) -> None:
    connections = HttpConnections("127.0.0.1", port, size=1)
    try:
        for _ in range(requests):
            status, _ = await connections.get("/auth/me", {"Authorization": token})
            if status != 200:
                raise RuntimeError(f"GET /auth/me answered {status}")
    finally:
        await connections.close()


async def measure(src: Path, folder: Path, keep: Path | None) -> dict:
    port = bench.free_port()
    command = [
        "env", f"PYTHONPATH={src}",
        "valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/callgrind.out.%p",
        sys.executable, "-m", "bootstrap.cli", "serve",
    ]  # fmt: skip
    callgrind = Callgrind(folder)
    figures: dict = {"src": str(src)}
    # Under callgrind the server starts some fifty times slower than natively.
    with (
        bench.fresh_postgres(folder / "pg") as database_url,
        bench.running_server(command, port, database_url, folder / "server.log", start_seconds=900),
    ):
        data = Dataset(f"http://127.0.0.1:{port}", database_url)
        await data.create(STUDENTS)
        class_id = await data.make_class(data.student_ids)
        await data.start_session(class_id)
        await auth_me(port, data.teacher_token, WARM_UP_REQUESTS)

        callgrind.zero()
        await asyncio.sleep(IDLE_SECONDS)
        idle_per_second = callgrind.dump() / IDLE_SECONDS

        callgrind.zero()
        started = time.monotonic()
        await auth_me(port, data.teacher_token, REQUESTS)
        spent = callgrind.dump() - idle_per_second * (time.monotonic() - started)
        figures["auth_me_instructions_per_request"] = round(spent / REQUESTS)
        if keep is not None:  # for callgrind_annotate: which functions the cost is in
            shutil.copy(callgrind.last_dump, keep / f"auth_me.{src.parent.name}.callgrind")

        stretch: dict[str, float] = {}

        def zero_then_dump() -> float:
            # fanout.fanout reads this at its start, once the sockets are open, and once
            # every mark was heard: the first two bound the opening, the last two the
            # delivering.
            if "opening" not in stretch:
                callgrind.zero()
                stretch["opening"] = time.monotonic()
                return 0.0
            if "delivering" not in stretch:
                seconds = time.monotonic() - stretch["opening"]
                stretch["opened"] = callgrind.dump() - idle_per_second * seconds
                callgrind.zero()
                stretch["delivering"] = time.monotonic()
                return 0.0
            seconds = time.monotonic() - stretch["delivering"]
            stretch["instructions"] = callgrind.dump() - idle_per_second * seconds
            return 0.0

        result = await fanout.fanout(
            "127.0.0.1",
            port,
            data.teacher_token,
            [token(s, "student") for s in data.student_ids],
            data.student_ids,
            timeout=600,
            server_cpu=zero_then_dump,
        )
        if result["missing_deliveries"]:
            raise RuntimeError(f"{result['missing_deliveries']} deliveries missing")
        # The teacher's socket and every student's.
        figures["instructions_per_socket_opened"] = round(stretch["opened"] / (STUDENTS + 1))
        figures["fanout_deliveries"] = result["deliveries"]
        figures["fanout_instructions_per_delivery"] = round(
            stretch["instructions"] / result["deliveries"]
        )
        figures["idle_instructions_per_second"] = round(idle_per_second)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", action="append", type=Path, required=True)
    parser.add_argument("--keep", type=Path, help="a folder to keep each /auth/me dump in")
    args = parser.parse_args()
    results = []
    for src in args.src:
        with tempfile.TemporaryDirectory(prefix="instructions-") as folder:
            os.chmod(folder, 0o755)
            bench.log(f"measuring {src} under callgrind")
            results.append(asyncio.run(measure(src.resolve(), Path(folder), args.keep)))
            bench.log(json.dumps(results[-1]))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
