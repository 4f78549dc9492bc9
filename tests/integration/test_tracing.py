"""OpenTelemetry traces, with an in-memory exporter: the app runs in this process (Litestar's
test client) on the test database, traced as `OTEL_EXPORTER_OTLP_ENDPOINT` would have it."""

import contextlib

import pytest
from litestar.testing import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bootstrap.container import Container
from infrastructure.settings import load_settings
from infrastructure.tracing import start_tracing, stop_tracing
from tests.factories import SignupBodyFactory
from tests.integration.server import TEST_JWT_SECRET


def settings_for(database_url, tracing: bool):
    environ = {
        "DATABASE_URL": database_url,
        "JWT_SECRET": TEST_JWT_SECRET,
        "NODE_ENV": "test",
        "BCRYPT_ROUNDS": "4",
        "SIGNUPS_PER_ADDRESS": "1000000",
    }
    if tracing:
        environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9"  # only turns tracing on
    return load_settings(environ=environ, env_file=None)


def a_lesson(settings) -> None:
    """Sign-ups, a class, a session started, a mark and a summary over a live socket."""
    with TestClient(app=Container(settings=settings).app()) as client:
        tokens = []
        for role in ("teacher", "student"):
            body = SignupBodyFactory.build(role=role)
            assert client.post("/auth/signup", json=body).status_code == 201
            login = client.post(
                "/auth/login", json={"email": body["email"], "password": body["password"]}
            )
            tokens.append(login.json()["data"]["token"])
        teacher, student = tokens
        student_id = client.get("/auth/me", headers={"Authorization": student}).json()
        auth = {"Authorization": teacher}
        class_id = client.post("/class", json={"className": "Traced"}, headers=auth).json()
        class_id = class_id["data"]["id"]
        client.post(
            f"/class/{class_id}/add-student",
            json={"studentId": student_id["data"]["id"]},
            headers=auth,
        )
        assert client.post("/attendance/start", json={"classId": class_id}, headers=auth)
        client.get("/health/ready")
        with client.websocket_connect(f"/ws?token={teacher}") as socket:
            socket.send_json(
                {
                    "event": "ATTENDANCE_MARKED",
                    "data": {"studentId": student_id["data"]["id"], "status": "present"},
                }
            )
            assert socket.receive_json()["event"] == "ATTENDANCE_MARKED"
            socket.send_json({"event": "TODAY_SUMMARY"})
            assert socket.receive_json()["event"] == "TODAY_SUMMARY"


@pytest.fixture
def spans_of_a_lesson(server, database_url):  # the server migrated the database
    exporter = InMemorySpanExporter()
    provider = start_tracing(exporter, batch=False)
    try:
        a_lesson(settings_for(database_url, tracing=True))
        yield exporter.get_finished_spans()
    finally:
        stop_tracing(provider)


def children_of(span, spans):
    return [s for s in spans if s.parent is not None and s.parent.span_id == span.context.span_id]


def test_a_request_and_a_live_event_are_spans_with_their_queries_as_children(spans_of_a_lesson):
    spans = spans_of_a_lesson
    by_name = {}
    for span in spans:
        by_name.setdefault(span.name, []).append(span)

    (start,) = [s for s in spans if s.name == "POST /attendance/start" and s.kind.name == "SERVER"]
    assert start.attributes["http.status_code"] == 200
    queries = [s for s in children_of(start, spans) if s.attributes.get("db.system")]
    assert queries, [s.name for s in children_of(start, spans)]

    (summary,) = by_name["live TODAY_SUMMARY"]
    assert [s for s in children_of(summary, spans) if s.attributes.get("db.system")]
    (mark,) = by_name["live ATTENDANCE_MARKED"]
    assert mark.attributes["live.frames"] == 1
    mark_queries = [s for s in children_of(mark, spans) if s.attributes.get("db.system")]
    assert len(mark_queries) >= 2  # the session it addresses, then the statement storing it
    assert all(q.attributes["db.system"] == "postgresql" for q in mark_queries)

    # The probes are not traced.
    assert not [s for s in spans if s.name.startswith("GET /health")]
    assert [s for s in spans if s.name == "POST /class" and s.kind.name == "SERVER"]


class RecordingTracer:
    def __init__(self) -> None:
        self.started: list[str] = []

    def start_as_current_span(self, name: str):
        self.started.append(name)
        return contextlib.nullcontext(trace.INVALID_SPAN)


def test_without_tracing_a_live_event_makes_no_span_at_all(server, database_url, monkeypatch):
    # Not even one of the OpenTelemetry API's spans that record nothing: they cost ~5 us each.
    from api.live import handler

    tracer = RecordingTracer()
    monkeypatch.setattr(handler, "tracer", tracer)
    a_lesson(settings_for(database_url, tracing=False))
    assert tracer.started == []
    a_lesson(settings_for(database_url, tracing=True))
    assert tracer.started == ["live ATTENDANCE_MARKED", "live TODAY_SUMMARY"]
