"""What each hand-written piece buys: our server against itself with one piece put back to the
library's way (bench/variants.py), in alternating rounds on one PostgreSQL, on the figures an
operator feels: `GET /auth/me` throughput, p99 and server CPU per request, sockets opened per
second and server CPU per socket, memory per idle socket, and a 200-student fan-out's
deliveries per server CPU-second.

    python bench/pieces.py [--rounds 3] [--seconds 10] [--variants ours asgi-sockets ...]

Prints one JSON document: every round's figures, and per variant the median of its rounds
with its ratio to `ours`. docs/benchmarks.md, "What each piece buys", holds a run of it."""

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as bench
import wsload
from dataset import Dataset
from scenarios.live import fanout_and_finish, idle_memory
from variants import VARIANTS

SOCKETS = 2_000
FANOUT_STUDENTS = 200


async def measure(variant: str, database_url: str, seconds: int, folder: Path) -> dict:
    port = bench.free_port()
    command = [sys.executable, str(Path(__file__).parent / "variants.py"), variant]
    with bench.running_server(command, port, database_url, folder / f"{variant}.log") as process:
        base = f"http://127.0.0.1:{port}"
        data = Dataset(base, database_url)
        await data.create(SOCKETS)
        auth = {"Authorization": data.teacher_token}
        bench.wrk(f"{base}/auth/me", auth, 2)  # warm-up
        before = bench.server_cpu_seconds(process)
        http = bench.wrk(f"{base}/auth/me", auth, seconds)
        http_cpu = bench.server_cpu_seconds(process) - before
        requests = http["requests_per_s"] * seconds

        sockets = await idle_memory(data, port, process, SOCKETS)

        fanout = await fanout_and_finish(data, port, FANOUT_STUDENTS, process)
    return {
        "auth_me_requests_per_s": http["requests_per_s"],
        "auth_me_p99_ms": http["p99_ms"],
        "auth_me_server_cpu_us_per_request": round(1e6 * http_cpu / requests, 1),
        "sockets_opened_per_s": sockets["sockets_opened_per_s"],
        "server_cpu_ms_per_socket_opened": sockets["server_cpu_ms_per_socket_opened"],
        "kb_per_idle_socket": sockets["kb_per_socket"],
        "fanout_200_deliveries_per_server_cpu_s": fanout["deliveries_per_server_cpu_s"],
        "fanout_200_missing_deliveries": fanout["missing_deliveries"],
    }


def medians(runs: list[dict]) -> dict:
    return {name: statistics.median(run[name] for run in runs) for name in runs[0]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {variant: [] for variant in args.variants}
    with tempfile.TemporaryDirectory(prefix="live-attendance-pieces-") as workdir:
        folder = Path(workdir)
        with bench.fresh_postgres(folder / "pg") as database_url:
            for round_number in range(args.rounds):
                for variant in args.variants:
                    bench.log(f"round {round_number + 1}: {variant}")
                    figures = await measure(variant, database_url, args.seconds, folder)
                    bench.log(f"{variant}: {json.dumps(figures)}")
                    runs[variant].append(figures)
    summary = {variant: medians(figures) for variant, figures in runs.items()}
    if "ours" in summary:
        for figures in summary.values():
            figures["against_ours"] = {
                name: round(value / summary["ours"][name], 3)
                for name, value in figures.items()
                if isinstance(value, int | float) and summary["ours"].get(name)
            }
    report = {"rounds": runs, "medians": summary, "cpus": psutil.cpu_count()}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    wsload.run(main())
