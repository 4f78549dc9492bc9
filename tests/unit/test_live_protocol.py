import json
from uuid import uuid4

import pytest

from api.live.protocol import (
    CLIENT_EVENTS,
    InvalidFrame,
    Mark,
    error_frame,
    event_frame,
    my_attendance_frame,
    parse_addressed,
    parse_client_frame,
    parse_payload,
)
from domain.events import AttendanceFinished, AttendanceMarked, SummaryShared
from domain.statuses import AttendanceStatus, AttendanceSummary


def text(payload) -> dict:
    return {"type": "websocket.receive", "text": payload}


def test_a_valid_frame_is_parsed_and_its_optional_class_read_on_demand():
    class_id = uuid4()
    message = parse_client_frame(
        text(json.dumps({"event": "DONE", "data": {"classId": str(class_id)}}))
    )
    assert message.event == "DONE"
    assert parse_addressed(message.data).class_id == class_id
    assert parse_client_frame(text('{"event": "DONE"}')).data == {}
    assert parse_addressed({}).class_id is None
    for bad in (12, "x", "00000000-0000-0000-0000-000000000000\n"):
        with pytest.raises(InvalidFrame):
            parse_addressed({"classId": bad})


@pytest.mark.parametrize(
    "message",
    [
        {"type": "websocket.receive", "bytes": b'{"event": "DONE"}'},
        text("nope"),
        text("[1]"),
        text('{"event": null}'),
        text(json.dumps({"event": "DONE", "pad": "é" * 40_000})),  # 80 KB in UTF-8
    ],
    ids=["binary", "not json", "array", "event not a string", "too big"],
)
def test_invalid_frames(message):
    with pytest.raises(InvalidFrame):
        parse_client_frame(message)


def test_a_frame_just_under_the_limit_is_fine():
    padding = "x" * (64 * 1024 - 40)
    assert parse_client_frame(text(json.dumps({"event": "DONE", "p": padding}))).event == "DONE"


def test_mark_payloads():
    student = uuid4()
    marking = CLIENT_EVENTS["ATTENDANCE_MARKED"]
    assert parse_payload(marking, {"studentId": str(student), "status": "present"}) == Mark(
        studentId=str(student), status="present"
    )
    for bad in (
        {},
        {"studentId": str(student)},
        {"studentId": "x", "status": "absent"},
        {"studentId": str(student), "status": "PRESENT"},
    ):
        assert parse_payload(marking, bad) is None


def test_the_table_says_who_sends_what():
    senders = {
        name: (event.sender.value if event.sender else "anyone", event.v2_only)
        for name, event in CLIENT_EVENTS.items()
    }
    assert senders == {
        "ATTENDANCE_MARKED": ("teacher", False),
        "TODAY_SUMMARY": ("teacher", False),
        "DONE": ("teacher", False),
        "MY_ATTENDANCE": ("student", False),
        "RESYNC": ("anyone", True),
        "CHECK_IN": ("student", True),
        "CHECK_IN_OPEN": ("teacher", True),
        "CHECK_IN_CLOSE": ("teacher", True),
    }


def test_outgoing_frames_match_the_contract():
    student = uuid4()
    summary = AttendanceSummary(present=18, absent=4, total=22)
    assert json.loads(event_frame(AttendanceMarked(student, AttendanceStatus.ABSENT))) == {
        "event": "ATTENDANCE_MARKED",
        "data": {"studentId": str(student), "status": "absent"},
    }
    assert json.loads(event_frame(SummaryShared(summary))) == {
        "event": "TODAY_SUMMARY",
        "data": {"present": 18, "absent": 4, "total": 22},
    }
    assert json.loads(event_frame(AttendanceFinished(summary))) == {
        "event": "DONE",
        "data": {"message": "Attendance persisted", "present": 18, "absent": 4, "total": 22},
    }
    assert json.loads(my_attendance_frame(None)) == {
        "event": "MY_ATTENDANCE",
        "data": {"status": "not yet updated"},
    }
    assert error_frame("Unknown event") == '{"event":"ERROR","data":{"message":"Unknown event"}}'
