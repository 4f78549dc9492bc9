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
  (ours only: the reference keeps one live session at a time); the server's CPU per process
- reconnect_storm: 5,000 students and their teacher on sockets drop at once and reconnect at
  once, then the teacher marks: time until every socket heard it, server CPU per socket
- reconnect_storm_v2: the same with the web client's protocol (a SESSION_STATE per socket;
  ours only)
- reconnect_storm_restart: the same after restarting the server (ours only: the reference
  keeps its live session in memory, so a restart ends it)

Any server that serves the same API can be measured: it gets PORT, DATABASE_URL, JWT_SECRET,
CORS_ORIGIN and NODE_ENV in its environment (and as {port}/{database_url} in the command).
Test data is written straight into the spec's tables (users, classes), so every target must keep
those; tokens are minted with the shared JWT_SECRET.

The pieces: harness.py (PostgreSQL, the server, wrk), dataset.py (users, classes, tokens),
scenarios/ (one module per group of scenarios), wsload.py (the WebSocket client); this module
is the command line and the comparison.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wsload
from dataset import Dataset
from harness import (
    SERVER_CORE,
    anchor_command,
    free_port,
    fresh_postgres,
    log,
    our_command,
    running_server,
    wrk,
)
from scenarios.live import done_with, fanout_and_finish, idle_memory, login_storm
from scenarios.reconnect import reconnect_storm
from scenarios.reports import reports
from scenarios.school import check_in_storm, school_morning

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
    "reconnect_storm",
    "reconnect_storm_v2",  # ours only: the reference speaks the assignment's protocol only
    "reconnect_storm_restart",  # ours only: a restart ends the reference's live session
)


async def run_scenarios(target_command, args, workdir: Path, label: str) -> dict:
    port = free_port()
    figures: dict = {}
    with fresh_postgres(workdir / f"pg-{label}") as database_url:
        log_path = workdir / f"{label}.log"
        with running_server(
            target_command,
            port,
            database_url,
            log_path,
            workers=args.workers,
            cores=args.server_cores,
        ) as proc:
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
                    figures[name] = await school_morning(data, port, proc)
                elif name == "reconnect_storm":
                    figures[name] = await reconnect_storm(data, proc)
                elif name == "reconnect_storm_v2" and label.startswith("ours"):
                    figures[name] = await reconnect_storm(data, proc, v2=True)
                elif name == "reconnect_storm_restart" and label.startswith("ours"):
                    figures[name] = await reconnect_storm(data, proc, restart=True)
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
    "seconds_until_all_heard": -1,
    "reconnects_per_s": 1,
    "server_cpu_ms_per_socket": -1,
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
    parser.add_argument(
        "--server-cores",
        default=SERVER_CORE,
        help="the server's cores, as taskset takes them (\"0,1\": the load's core too)",
    )
    args = parser.parse_args()

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
        report["machine"] = {"cpus": os.cpu_count(), "server_core": args.server_cores}
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    wsload.run(main())
