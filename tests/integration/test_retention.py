"""Retention against the real database: sessions that started before the cut-off go, with their
records, live marks and corrections; reports and exports agree afterwards; the command line."""

import asyncio
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from domain.privacy import retention_cutoff
from infrastructure.database.pool import Database
from infrastructure.database.unit_of_work import PostgresUnitOfWork
from infrastructure.database.urls import plain_url
from services.retention import RetentionRun, RetentionService
from tests.integration import test_admin_api
from tests.integration.test_privacy_requests import (
    export_of,
    finished_session_id,
    mark_and_finish,
    run_sql,
)

make_admin = test_admin_api.make_admin  # its fixture, shared
YEARS = 3


class FixedClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def apply_retention(database_url: str, now: datetime, runs: int = 1) -> list[RetentionRun]:
    """`runs` applications at once, as several hosts' cron jobs would."""

    async def run() -> list[RetentionRun]:
        async with Database(plain_url(database_url), size=runs + 1) as database:
            services = [
                RetentionService(lambda: PostgresUnitOfWork(database), FixedClock(now), YEARS)
                for _ in range(runs)
            ]
            return list(await asyncio.gather(*(service.apply() for service in services)))

    return asyncio.run(run())


def move_session(database_url: str, session_id: str, started_at: datetime) -> None:
    run_sql(
        database_url,
        "UPDATE attendance_sessions SET started_at = $2::timestamptz,"
        " ended_at = CASE WHEN ended_at IS NULL THEN NULL"
        "  ELSE $2::timestamptz + interval '1 hour' END"
        " WHERE id = $1::uuid",
        session_id,
        started_at,
    )


def test_sessions_started_before_the_cutoff_go_and_one_started_at_it_stays(
    api, make_admin, make_account, make_class, start_session, live, database_url
):
    admin, teacher, pupil = make_admin(), make_account("teacher"), make_account()
    classroom = make_class(teacher, pupil)
    now = datetime.now(UTC).replace(microsecond=0)
    cutoff = retention_cutoff(now, YEARS)
    sessions = {}
    for name, status in (("old", "absent"), ("boundary", "present"), ("recent", "present")):
        start_session(teacher, classroom)
        mark_and_finish(live, teacher, {pupil: status})
        sessions[name] = finished_session_id(api, teacher, classroom)
    corrected = api.post(
        f"/class/{classroom['id']}/attendance/{sessions['old']}/corrections",
        json={"studentId": str(pupil.id), "status": "present", "note": "late bus"},
        headers=teacher.auth,
    )
    assert corrected.status_code == 201
    start_session(teacher, classroom)  # live, forgotten for years
    with live(teacher) as socket:
        socket.send("ATTENDANCE_MARKED", {"studentId": str(pupil.id), "status": "present"})
        socket.receive_event("ATTENDANCE_MARKED")
    live_id = run_sql(
        database_url,
        "SELECT id::text FROM attendance_sessions WHERE class_id = $1::uuid AND ended_at IS NULL",
        classroom["id"],
    )[0]["id"]
    move_session(database_url, sessions["old"], cutoff - timedelta(milliseconds=1))
    move_session(database_url, sessions["boundary"], cutoff)
    move_session(database_url, live_id, cutoff - timedelta(days=30))

    (run,) = apply_retention(database_url, now)

    assert run.retained is not None and run.retained.cutoff == cutoff
    assert (
        run.retained.sessions, run.retained.records, run.retained.marks, run.retained.corrections,
    ) == (2, 1, 1, 1)  # fmt: skip
    # Reports and exports agree with what is left.
    report = api.get(f"/class/{classroom['id']}/report", headers=teacher.auth).json()["data"]
    assert report["sessionsHeld"] == 2
    assert [(s["sessions"], s["present"], s["absent"]) for s in report["students"]] == [(2, 2, 0)]
    history = api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()["data"]
    assert sorted(s["id"] for s in history) == sorted([sessions["boundary"], sessions["recent"]])
    assert (
        api.get(f"/class/{classroom['id']}/corrections", headers=teacher.auth).json()["data"] == []
    )
    exported = export_of(api, admin, pupil.id)
    assert sorted(r["sessionId"] for r in exported["attendance"]) == sorted(
        [sessions["boundary"], sessions["recent"]]
    )
    assert exported["correctionsAbout"] == [] and exported["liveMarks"] == []
    (line,) = [
        c for c in api.get("/admin/report", headers=admin.auth).json()["data"]["classes"]
        if c["classId"] == classroom["id"]
    ]  # fmt: skip
    assert (line["sessionsHeld"], line["records"], line["present"]) == (2, 2, 2)
    # A second run finds nothing more.
    (again,) = apply_retention(database_url, now)
    assert again.retained is not None and again.retained.sessions == 0


def test_runs_at_once_share_the_work_and_delete_each_session_once(
    api, make_account, make_class, start_session, live, database_url
):
    teacher, pupil = make_account("teacher"), make_account()
    classroom = make_class(teacher, pupil)
    now = datetime.now(UTC)
    for _ in range(4):
        start_session(teacher, classroom)
        mark_and_finish(live, teacher, {pupil: "present"})
    run_sql(
        database_url,
        "UPDATE attendance_sessions SET started_at = $2 WHERE class_id = $1::uuid",
        classroom["id"],
        retention_cutoff(now, YEARS + 1),
    )
    doomed = run_sql(
        database_url,
        "SELECT count(*) AS sessions, (SELECT count(*) FROM attendance a"
        "  JOIN attendance_sessions s ON s.id = a.session_id WHERE s.started_at < $1) AS records"
        " FROM attendance_sessions WHERE started_at < $1",
        retention_cutoff(now, YEARS),
    )[0]
    assert doomed["sessions"] >= 4  # others' too: every one is counted once
    runs = apply_retention(database_url, now, runs=3)
    assert sum(run.retained.sessions for run in runs if run.retained) == doomed["sessions"]
    assert sum(run.retained.records for run in runs if run.retained) == doomed["records"]
    report = api.get(f"/class/{classroom['id']}/report", headers=teacher.auth).json()["data"]
    assert report["sessionsHeld"] == 0


def test_expired_attempt_counters_go_and_live_ones_stay(database_url, server):
    now = datetime.now(UTC)
    run_sql(
        database_url,
        "INSERT INTO attempt_counters (key, hits, expires_at) VALUES"
        " ('login-email:gone@example.com', 3, $1), ('login-email:kept@example.com', 1, $2)",
        now - timedelta(seconds=1),
        now + timedelta(minutes=10),
    )
    (run,) = apply_retention(database_url, now)
    assert run.expired_counters >= 1
    keys = {
        row["key"]
        for row in run_sql(
            database_url,
            "SELECT key FROM attempt_counters WHERE key LIKE 'login-email:%example.com'",
        )
    }
    assert "login-email:gone@example.com" not in keys
    assert "login-email:kept@example.com" in keys


def retention_command(server_env: dict, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bootstrap.cli", "apply-retention"],
        env={**os.environ, **server_env, **extra},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_command_says_what_it_deleted_and_keeps_everything_when_unset(
    api, make_account, make_class, start_session, live, database_url, server_env
):
    teacher, pupil = make_account("teacher"), make_account()
    classroom = make_class(teacher, pupil)
    start_session(teacher, classroom)
    mark_and_finish(live, teacher, {pupil: "present"})
    old = finished_session_id(api, teacher, classroom)
    move_session(database_url, old, datetime.now(UTC) - timedelta(days=800))

    unset = retention_command(server_env)
    assert unset.returncode == 0, unset.stderr
    assert "RETENTION_YEARS is not set: attendance records are kept forever" in unset.stdout
    assert api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()["data"]

    applied = retention_command(server_env, RETENTION_YEARS="2")
    assert applied.returncode == 0, applied.stderr
    # (Sessions other tests left in the past go too.)
    assert re.search(r"^Deleted [1-9]\d* session\(s\) started before ", applied.stdout)
    assert (
        api.get(f"/class/{classroom['id']}/attendance", headers=teacher.auth).json()["data"] == []
    )

    bad = retention_command(server_env, RETENTION_YEARS="0")
    assert bad.returncode == 2 and "RETENTION_YEARS must be a whole number" in bad.stderr
