"""Property-based fuzzing of the live protocol: whatever frame a client sends, the server
answers with a valid event or an ERROR of the contract, and the socket stays open."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.live import LiveClient
from tests.integration.server import ServerProcess

KNOWN_ERRORS = {
    "Invalid message format",
    "Unknown event",
    "Forbidden, teacher event only",
    "Forbidden, student event only",
    "No active attendance session",
    "Student not found",
}
EVENTS = ["ATTENDANCE_MARKED", "TODAY_SUMMARY", "MY_ATTENDANCE", "DONE", "ERROR", "done", ""]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
messages = st.fixed_dictionaries(
    {"event": st.sampled_from(EVENTS) | st.text(max_size=20) | json_values},
    optional={
        "data": json_values
        | st.fixed_dictionaries(
            {},
            optional={
                "studentId": st.uuids().map(str) | json_values,
                "status": st.sampled_from(["present", "absent", "late"]) | json_values,
                "classId": st.uuids().map(str) | json_values,
            },
        )
    },
)
frames = (
    messages.map(json.dumps)
    | json_values.map(json.dumps)
    | st.text(max_size=200)
    | st.binary(max_size=200)
)


@pytest.fixture(scope="module")
def patient_server(server_env, tmp_path_factory):
    """A server that lets a fuzzer talk as fast as it likes."""
    env = {**server_env, "WS_MESSAGES_PER_SECOND": "100000", "WS_MESSAGE_BURST": "100000"}
    process = ServerProcess(env, tmp_path_factory.mktemp("fuzz") / "server.log").start()
    yield process
    process.stop()


@pytest.mark.parametrize("role", ["teacher", "student"])
def test_every_frame_gets_a_valid_answer_and_the_socket_stays_open(
    patient_server, make_account, role
):
    account = make_account(role)
    with LiveClient(patient_server.ws_url, account.token) as ws:

        @given(frame=frames)
        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
        def answered(frame):
            ws.send_raw(frame)
            reply = ws.receive(timeout=5)
            assert set(reply) == {"event", "data"}
            assert reply["event"] == "ERROR", reply  # no session: every frame is refused
            assert reply["data"]["message"] in KNOWN_ERRORS

        answered()
        ws.send("MY_ATTENDANCE" if role == "student" else "TODAY_SUMMARY")
        assert ws.receive_error() == "No active attendance session"  # still open
