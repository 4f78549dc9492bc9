"""What an operator sees: JSON log lines and Prometheus metrics after a scripted lesson, on one
and on two worker processes; the health probes; the metrics token."""

import json
import re
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import SignupBodyFactory
from tests.integration.live import LiveClient
from tests.integration.server import ServerProcess

METRICS_TOKEN = "metrics-token-0123456789abcdef-0123456789"


def log_lines(path: Path) -> list[dict]:
    """Every line of the server's log, each of which must be one JSON object."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def metric_values(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(metrics: dict, name: str, **labels: str) -> float:
    return metrics.get((name, frozenset(labels.items())), 0.0)


def scripted_lesson(server: ServerProcess) -> dict:
    """Sign-ups, logins, a class, a session with marks and DONE, and a login throttled by the
    per-email limit; answers what the script used."""
    api = httpx.Client(base_url=server.base_url, timeout=30)
    accounts = []
    for role in ("teacher", "student", "student"):
        body = SignupBodyFactory.build(role=role)
        assert api.post("/auth/signup", json=body).status_code == 201
        login = api.post("/auth/login", json={"email": body["email"], "password": body["password"]})
        accounts.append({**body, "token": login.json()["data"]["token"]})
        accounts[-1]["id"] = api.get(
            "/auth/me", headers={"Authorization": accounts[-1]["token"]}
        ).json()["data"]["id"]
    teacher, *students = accounts
    auth = {"Authorization": teacher["token"], "X-Request-ID": "lesson-42"}
    class_id = api.post("/class", json={"className": "Ops"}, headers=auth).json()["data"]["id"]
    for student in students:
        api.post(f"/class/{class_id}/add-student", json={"studentId": student["id"]}, headers=auth)
    assert api.post("/attendance/start", json={"classId": class_id}, headers=auth).is_success
    with LiveClient(server.ws_url, teacher["token"]) as ws:
        for student in students:
            ws.send("ATTENDANCE_MARKED", {"studentId": student["id"], "status": "present"})
            assert ws.receive()["event"] == "ATTENDANCE_MARKED"
        ws.send("DONE")
        assert ws.receive()["event"] == "DONE"
    throttled = [
        api.post("/auth/login", json={"email": teacher["email"], "password": "wrong-password"})
        for _ in range(3)
    ]
    assert throttled[-1].status_code == 429
    return {"accounts": accounts, "class_id": class_id}


@pytest.fixture(params=[1, 2], ids=["one worker", "two workers"])
def observed_server(request, server_env, tmp_path):
    env = {
        **server_env,
        "WORKERS": str(request.param),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "DEBUG",
        "LOGIN_FAILURES_PER_EMAIL_AND_ADDRESS": "2",
        "METRICS_TOKEN": METRICS_TOKEN,
    }
    server = ServerProcess(env, tmp_path / "server.log").start()
    yield server
    server.stop()


POOL_IN_USE = ("live_attendance_db_pool_connections_in_use", frozenset())


def settled_metrics(server: ServerProcess, timeout: float = 10) -> str:
    """The metrics page once the pool's connections are back (its use is read every second)
    and no socket is live, or as it is after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        text = httpx.get(
            f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        ).text
        metrics = metric_values(text)
        sockets = value(metrics, "live_attendance_live_sockets", protocol="v1")
        if (metrics.get(POOL_IN_USE) == 0 and sockets == 0) or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


def test_a_lesson_shows_in_json_logs_and_metrics(observed_server):
    used = scripted_lesson(observed_server)
    # And a request refused before the app sees it.
    oversized = httpx.get(f"{observed_server.base_url}/health", headers={"X-Big": "a" * 600_000})
    assert oversized.status_code == 431
    metrics_text = settled_metrics(observed_server)
    observed_server.stop()  # every line written
    lines = log_lines(observed_server.log_path)

    # Every line: time, level, logger, message.
    for line in lines:
        assert {"timestamp", "level", "logger", "message"} <= line.keys(), line
    access = [line for line in lines if line["logger"] == "live_attendance.access"]
    requests = [line for line in access if line["message"] == "request"]
    routes = {(line["method"], line["route"], line["status"]) for line in requests}
    assert {
        ("POST", "/auth/signup", 201),
        ("POST", "/auth/login", 200),
        ("POST", "/auth/login", 429),
        ("POST", "/class", 201),
        ("POST", "/class/{class_id}/add-student", 200),
        ("POST", "/attendance/start", 200),
    } <= routes, routes
    assert all(line["duration_ms"] >= 0 and line["request_id"] for line in requests)
    refused = [line for line in access if line["message"] == "request refused"]
    assert [(line["status"], line["error"]) for line in refused] == [
        (431, "Request headers too large")
    ]
    teacher = used["accounts"][0]
    started = next(line for line in requests if line["route"] == "/attendance/start")
    assert (started["request_id"], started["user_id"]) == ("lesson-42", teacher["id"])
    closed = next(line for line in access if line["message"] == "socket closed")
    assert closed["user_id"] == teacher["id"] and closed["protocol"] == "v1"
    assert (closed["frames_in"], closed["frames_out"]) == (3, 3)  # 2 marks + DONE, answered
    assert closed["close_code"] == 1000 and closed["duration_ms"] > 0

    # No password, hash or token in any line, at DEBUG.
    whole_log = observed_server.log_path.read_text()
    for account in used["accounts"]:
        assert account["password"] not in whole_log
        assert account["token"] not in whole_log
    assert not re.search(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", whole_log)
    assert not re.search(r"\$2[aby]\$", whole_log)
    # Nor the frames and handshake headers the WebSocket libraries write below INFO.
    assert "< TEXT" not in whole_log and "> TEXT" not in whole_log

    # The metrics of every worker, added up.
    metrics = metric_values(metrics_text)
    assert value(metrics, "live_attendance_marks_total") == 2
    assert value(metrics, "live_attendance_sessions_finished_total") == 1
    assert value(metrics, "live_attendance_check_ins_total") == 0
    assert value(metrics, "live_attendance_throttled_total", action="login") >= 1
    login_429 = value(
        metrics,
        "live_attendance_http_request_duration_seconds_count",
        method="POST",
        route="/auth/login",
        status="429",
    )
    assert login_429 >= 1
    assert value(metrics, "live_attendance_broadcast_deliveries_total") == 3  # 2 marks + DONE
    assert value(metrics, "live_attendance_http_refused_total", status="431") == 1
    assert value(metrics, "live_attendance_live_sockets", protocol="v1") == 0  # closed again
    signups = value(
        metrics,
        "live_attendance_http_request_duration_seconds_count",
        method="POST",
        route="/auth/signup",
        status="201",
    )
    assert signups == 3
    signup_seconds = value(
        metrics,
        "live_attendance_http_request_duration_seconds_sum",
        method="POST",
        route="/auth/signup",
        status="201",
    )
    assert 0 < signup_seconds < 30
    assert metrics[POOL_IN_USE] == 0  # read (and written) since the lesson ended


def test_metrics_need_the_token_when_one_is_set(observed_server):
    url = f"{observed_server.base_url}/metrics"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = httpx.get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status_code == 200
    content_type = answer.headers["content-type"]
    assert content_type.startswith("text/plain") and content_type.count("charset") == 1


def test_health_probes_and_the_request_id(api):
    live = api.get("/health/live")
    assert live.json() == {"success": True, "data": {"status": "ok"}}
    ready = api.get("/health/ready", headers={"X-Request-ID": "probe-1"})
    assert ready.status_code == 200 and ready.headers["x-request-id"] == "probe-1"
    assert ready.json()["data"] == {
        "status": "ok",
        "database": "up",
        "eventBus": "listening",
        "migrations": "current",
    }
    kept = api.get("/health/live", headers={"X-Request-ID": "token=abc"}).headers["x-request-id"]
    assert kept != "token=abc"  # the log would show it redacted: not the id returned
    made = api.get("/health/live", headers={"X-Request-ID": "not <ok>"}).headers["x-request-id"]
    again = api.get("/health/live").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{12}-[0-9a-f]+", made)  # an unusable id is replaced
    assert again != made
    assert api.get("/nowhere").headers["x-request-id"]  # answers before routing carry one too
