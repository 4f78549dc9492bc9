import asyncio
import json
import signal
from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from api.live import connection as connection_module
from api.live import shutdown as shutdown_module
from api.live.protocol import event_frame
from api.live.registry import SocketRegistry
from api.live.shutdown import close_sockets_on_sigterm
from domain.events import (
    AttendanceCorrected,
    AttendanceFinished,
    AttendanceMarked,
    ClassBroadcast,
    ClassJoined,
    ClassLeft,
    ClassUpdated,
    SessionStarted,
    StatesRequested,
)
from domain.live_state import ClassLiveState
from domain.statuses import AttendanceStatus, AttendanceSummary
from domain.users import Identity, Role

pytestmark = pytest.mark.anyio
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PRESENT = AttendanceStatus.PRESENT


class RecordingSocket:
    def __init__(self, stuck: bool = False) -> None:
        self.sent: list[dict] = []
        self.stuck = stuck

    async def send(self, message: dict) -> None:
        if self.stuck and message["type"] == "websocket.send":
            await asyncio.Event().wait()  # a client that never reads
        self.sent.append(message)


def mark_in(class_id) -> ClassBroadcast:
    return ClassBroadcast(class_id, AttendanceMarked(uuid4(), AttendanceStatus.PRESENT))


def student(user_id) -> Identity:
    return Identity(user_id, Role.STUDENT)


def connected(registry: SocketRegistry, user, socket: RecordingSocket, *class_ids, v2=False):
    """A socket of that user (an id, or an Identity) that is accepted and in the classes."""
    identity = user if isinstance(user, Identity) else student(user)
    connection = registry.connect(identity, socket.send, v2=v2)
    registry.join(connection, class_ids)
    connection.open()
    return connection


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_class_is_heard_once_per_member_socket_and_by_no_one_else():
    registry = SocketRegistry()
    class_id = uuid4()
    phone, laptop, outsider = RecordingSocket(), RecordingSocket(), RecordingSocket()
    member = uuid4()
    connected(registry, member, phone, class_id)
    connected(registry, member, laptop, class_id)
    connected(registry, uuid4(), outsider, uuid4())
    registry.deliver(mark_in(class_id))
    await settle()
    assert len(phone.sent) == len(laptop.sent) == 1
    assert phone.sent[0] is laptop.sent[0]  # encoded once, the same message for all
    assert outsider.sent == []


async def test_joining_a_class_later_makes_its_broadcasts_heard():
    registry = SocketRegistry()
    class_id, user = uuid4(), uuid4()
    socket = RecordingSocket()
    connected(registry, user, socket)
    registry.deliver(mark_in(class_id))
    registry.deliver(ClassJoined(class_id, user))
    registry.deliver(mark_in(class_id))
    await settle()
    assert len(socket.sent) == 1


async def test_a_stuck_client_holds_up_no_one():
    registry = SocketRegistry()
    class_id = uuid4()
    stuck, quick = RecordingSocket(stuck=True), RecordingSocket()
    connected(registry, uuid4(), stuck, class_id)
    connected(registry, uuid4(), quick, class_id)
    for _ in range(3):
        registry.deliver(mark_in(class_id))
    await settle()
    assert len(quick.sent) == 3
    assert stuck.sent == []


async def test_a_client_too_far_behind_is_closed(monkeypatch):
    monkeypatch.setattr(connection_module, "MAX_PENDING_FRAMES", 3)
    registry = SocketRegistry()
    class_id = uuid4()
    stuck = RecordingSocket(stuck=True)
    connection = connected(registry, uuid4(), stuck, class_id)
    for _ in range(5):
        registry.deliver(mark_in(class_id))
    await settle()
    assert connection.closed
    assert stuck.sent == [{"type": "websocket.close", "code": 1013, "reason": ""}]


async def sigterm(install, server_stops) -> None:
    """Installs the goodbye over `server_stops` (the server's own SIGTERM handler) and calls
    it as the signal would; the previous handler is put back."""
    stopped = asyncio.Event()

    def server_handler(signum, frame):
        server_stops(signum, frame)
        stopped.set()

    previous = signal.signal(signal.SIGTERM, server_handler)
    try:
        await install()
        signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)
        await asyncio.wait_for(stopped.wait(), 5)
    finally:
        signal.signal(signal.SIGTERM, previous)


async def test_on_sigterm_every_socket_is_sent_going_away_before_the_server_stops():
    registry = SocketRegistry()
    sockets = [RecordingSocket() for _ in range(3)]
    for socket in sockets:
        connected(registry, uuid4(), socket, uuid4())
    sent_when_the_server_stops = []

    def server_stops(signum, frame):
        sent_when_the_server_stops.append([list(socket.sent) for socket in sockets])

    await sigterm(close_sockets_on_sigterm(registry), server_stops)
    going_away = {"type": "websocket.close", "code": 1001, "reason": ""}
    assert sent_when_the_server_stops == [[[going_away]] * 3]


async def test_on_sigterm_a_client_that_does_not_read_holds_up_the_stop_a_bounded_time(
    monkeypatch,
):
    monkeypatch.setattr(shutdown_module, "GOODBYE_TIMEOUT", 0.05)
    registry = SocketRegistry()
    stuck, quick = RecordingSocket(stuck=True), RecordingSocket()
    class_id = uuid4()
    connected(registry, uuid4(), stuck, class_id)
    connected(registry, uuid4(), quick, class_id)
    registry.deliver(mark_in(class_id))  # the stuck client never takes it
    stopped = []

    await sigterm(
        close_sockets_on_sigterm(registry), lambda signum, frame: stopped.append(quick.sent[-1])
    )
    assert stopped == [{"type": "websocket.close", "code": 1001, "reason": ""}]
    assert stuck.sent == []


async def test_a_disconnected_socket_is_forgotten():
    registry = SocketRegistry()
    class_id, user = uuid4(), uuid4()
    socket = RecordingSocket()
    connection = connected(registry, user, socket, class_id)
    registry.disconnect(connection)
    registry.deliver(mark_in(class_id))
    registry.deliver(ClassJoined(uuid4(), user))
    await settle()
    assert socket.sent == []
    assert registry.connections_of(user) == 0
    assert connection.class_ids == {class_id}


async def test_frames_wait_until_the_socket_is_accepted():
    registry = SocketRegistry()
    class_id = uuid4()
    socket = RecordingSocket()
    connection = registry.connect(student(uuid4()), socket.send)
    registry.join(connection, [class_id])
    registry.deliver(mark_in(class_id))
    await settle()
    assert socket.sent == []
    connection.open()
    await settle()
    assert len(socket.sent) == 1


async def test_a_socket_that_keeps_up_is_written_to_at_once_in_order():
    registry = SocketRegistry()
    class_id = uuid4()
    written: list[bytes] = []
    socket = RecordingSocket()
    connection = registry.connect(
        student(uuid4()), socket.send, write_frame=lambda f: written.append(f) is None
    )
    registry.join(connection, (class_id,))
    connection.open()
    marks = [mark_in(class_id) for _ in range(3)]
    for mark in marks:
        registry.deliver(mark)
    connection.push_text("a reply")
    # No await in between: the server's write took each frame; no ASGI send was needed.
    assert [decode_wire(f) for f in written] == [
        *(event_frame(m.event) for m in marks),
        "a reply",
    ]
    assert socket.sent == []


async def test_without_the_servers_write_frames_go_through_the_asgi_send_in_order():
    registry = SocketRegistry()
    class_id = uuid4()
    socket = RecordingSocket()
    connected(registry, uuid4(), socket, class_id)
    marks = [mark_in(class_id) for _ in range(3)]
    for mark in marks:
        registry.deliver(mark)
    await settle()
    assert [m["text"] for m in socket.sent] == [event_frame(m.event) for m in marks]


async def test_frames_after_a_wait_keep_their_order():
    registry = SocketRegistry()
    class_id = uuid4()
    gate = asyncio.Event()

    class SlowOnce(RecordingSocket):
        async def send(self, message: dict) -> None:
            if not self.sent and not gate.is_set():
                await gate.wait()
            self.sent.append(message)

    socket = SlowOnce()
    connected(registry, uuid4(), socket, class_id)
    marks = [mark_in(class_id) for _ in range(4)]
    for mark in marks:
        registry.deliver(mark)
    await settle()
    assert socket.sent == []
    gate.set()
    await settle()
    expected = [event_frame(m.event) for m in marks]
    assert [m["text"] for m in socket.sent] == expected


# Protocol v2: what each kind of socket hears.


def frames(socket: RecordingSocket) -> list[dict]:
    return [json.loads(m["text"]) for m in socket.sent if m["type"] == "websocket.send"]


async def test_a_v1_socket_hears_the_assignments_frame_and_a_v2_socket_the_numbered_one():
    registry = SocketRegistry()
    class_id, student_id = uuid4(), uuid4()
    old, new = RecordingSocket(), RecordingSocket()
    connected(registry, uuid4(), old, class_id)
    connected(registry, uuid4(), new, class_id, v2=True)
    mark = AttendanceMarked(student_id, AttendanceStatus.PRESENT, checked_in=True)
    registry.deliver(ClassBroadcast(class_id, mark, seq=7))
    registry.deliver(ClassBroadcast(class_id, SessionStarted(uuid4(), START), seq=8))
    await settle()
    assert frames(old) == [
        {"event": "ATTENDANCE_MARKED", "data": {"studentId": str(student_id), "status": "present"}}
    ]
    assert frames(new)[0] == {
        "event": "ATTENDANCE_MARKED",
        "data": {
            "classId": str(class_id),
            "studentId": str(student_id),
            "status": "present",
            "checkedIn": True,
        },
        "seq": 7,
    }
    assert [(f["event"], f["seq"]) for f in frames(new)] == [
        ("ATTENDANCE_MARKED", 7),
        ("SESSION_STARTED", 8),
    ]


async def test_done_is_also_session_ended_for_v2_with_the_same_number():
    registry = SocketRegistry()
    class_id, session_id = uuid4(), uuid4()
    old, new = RecordingSocket(), RecordingSocket()
    connected(registry, uuid4(), old, class_id)
    connected(registry, uuid4(), new, class_id, v2=True)
    done = AttendanceFinished(AttendanceSummary(1, 2, 3), session_id)
    registry.deliver(ClassBroadcast(class_id, done, seq=4))
    await settle()
    assert [f["event"] for f in frames(old)] == ["DONE"]
    assert [(f["event"], f["seq"]) for f in frames(new)] == [("DONE", 4), ("SESSION_ENDED", 4)]
    assert frames(new)[1]["data"] == {
        "classId": str(class_id),
        "sessionId": str(session_id),
        "present": 1,
        "absent": 2,
        "total": 3,
    }


async def test_a_private_mark_reaches_only_its_audience_on_either_protocol():
    registry = SocketRegistry()
    class_id, teacher, alice, bob = uuid4(), uuid4(), uuid4(), uuid4()
    sockets = {user: (RecordingSocket(), RecordingSocket()) for user in (teacher, alice, bob)}
    for user, (old, new) in sockets.items():
        connected(registry, user, old, class_id)
        connected(registry, user, new, class_id, v2=True)
    mark = AttendanceMarked(alice, AttendanceStatus.ABSENT)
    registry.deliver(ClassBroadcast(class_id, mark, seq=1, audience=frozenset((teacher, alice))))
    await settle()
    heard = {user: (len(old.sent), len(new.sent)) for user, (old, new) in sockets.items()}
    assert heard == {teacher: (1, 1), alice: (1, 1), bob: (0, 0)}


async def test_a_replayed_broadcast_goes_to_v1_sockets_only():
    registry = SocketRegistry()
    class_id = uuid4()
    old, new = RecordingSocket(), RecordingSocket()
    connected(registry, uuid4(), old, class_id)
    connected(registry, uuid4(), new, class_id, v2=True)
    registry.deliver(mark_in(class_id))  # seq None: replayed after the bus was away
    await settle()
    assert len(old.sent) == 1 and new.sent == []


def state_of(seq: int):
    async def live_state(identity):
        await asyncio.sleep(0.01)  # the database takes a moment
        return [ClassLiveState(uuid4(), seq, False, None)]

    return live_state


async def test_broadcasts_during_a_resync_wait_until_the_state_is_sent():
    registry = SocketRegistry(live_state=state_of(5))
    class_id = uuid4()
    socket = RecordingSocket()
    connection = connected(registry, uuid4(), socket, class_id, v2=True)
    resync = asyncio.create_task(registry.resync(connection))
    await asyncio.sleep(0)
    registry.deliver(ClassBroadcast(class_id, AttendanceMarked(uuid4(), PRESENT), seq=6))
    await resync
    await settle()
    assert [(f["event"], f.get("seq")) for f in frames(socket)] == [
        ("SESSION_STATE", None),
        ("ATTENDANCE_MARKED", 6),
    ]
    assert frames(socket)[0]["data"]["classes"][0]["seq"] == 5
    assert connection.frames_out == 2  # the state is a frame out too (its access line says so)


async def test_after_the_bus_was_away_every_v2_socket_gets_its_state_again():
    registry = SocketRegistry(live_state=state_of(3))
    old, new = RecordingSocket(), RecordingSocket()
    connected(registry, uuid4(), old, uuid4())
    connected(registry, uuid4(), new, uuid4(), v2=True)
    registry.deliver(StatesRequested())
    await asyncio.gather(*registry._resyncs)
    await settle()
    assert old.sent == []
    assert [f["event"] for f in frames(new)] == ["SESSION_STATE"]


async def test_a_v2_socket_hears_that_its_user_joined_a_class():
    registry = SocketRegistry()
    user, class_id = uuid4(), uuid4()
    old, new = RecordingSocket(), RecordingSocket()
    connected(registry, user, old)
    connected(registry, user, new, v2=True)
    registry.deliver(ClassJoined(class_id, user))
    await settle()
    assert old.sent == []
    assert frames(new) == [{"event": "CLASS_JOINED", "data": {"classId": str(class_id)}}]


async def test_a_replay_after_a_bus_outage_brings_only_what_was_missed():
    registry = SocketRegistry()
    class_id, session_id, ada, ben = uuid4(), uuid4(), uuid4(), uuid4()
    socket = RecordingSocket()
    connected(registry, uuid4(), socket, class_id)

    def mark(student, status, seq=None):
        return ClassBroadcast(class_id, AttendanceMarked(student, status), seq=seq)

    registry.deliver(mark(ada, PRESENT, seq=1))  # heard live before the outage
    registry.deliver(mark(ben, PRESENT, seq=2))
    # The replay: everything since shortly before the outage, as it stands now.
    registry.deliver(mark(ada, PRESENT))  # heard already
    registry.deliver(mark(ben, AttendanceStatus.ABSENT))  # changed meanwhile: missed
    done = AttendanceFinished(AttendanceSummary(1, 1, 2), session_id)
    registry.deliver(ClassBroadcast(class_id, done, seq=3))
    registry.deliver(ClassBroadcast(class_id, done))  # heard already
    await settle()
    assert [(f["event"], f["data"].get("status")) for f in frames(socket)] == [
        ("ATTENDANCE_MARKED", "present"),
        ("ATTENDANCE_MARKED", "present"),
        ("ATTENDANCE_MARKED", "absent"),
        ("DONE", None),
    ]


async def test_what_came_back_both_replayed_and_live_a_v1_socket_hears_once():
    # Published while the listener was coming back: in the replay, and its notification too.
    registry = SocketRegistry()
    class_id, session_id, ada = uuid4(), uuid4(), uuid4()
    old, new = RecordingSocket(), RecordingSocket()
    connected(registry, uuid4(), old, class_id)
    connected(registry, uuid4(), new, class_id, v2=True)
    marked = AttendanceMarked(ada, PRESENT)
    done = AttendanceFinished(AttendanceSummary(1, 0, 1), session_id)
    registry.deliver(ClassBroadcast(class_id, marked))  # the replay
    registry.deliver(ClassBroadcast(class_id, marked, seq=7))  # its live copy
    registry.deliver(ClassBroadcast(class_id, marked, seq=8))  # marked present again
    registry.deliver(ClassBroadcast(class_id, done))
    registry.deliver(ClassBroadcast(class_id, done, seq=9))
    await settle()
    assert [f["event"] for f in frames(old)] == ["ATTENDANCE_MARKED"] * 2 + ["DONE"]
    assert [(f["event"], f.get("seq")) for f in frames(new)] == [
        ("ATTENDANCE_MARKED", 7),
        ("ATTENDANCE_MARKED", 8),
        ("DONE", 9),
        ("SESSION_ENDED", 9),
    ]


# Broadcast frames written straight to the socket, when the server offers it.


def decode_wire(frame: bytes) -> str:
    assert frame[0] == 0x81  # one unfragmented text frame
    size, start = frame[1], 2
    if size == 126:
        size, start = int.from_bytes(frame[2:4], "big"), 4
    elif size == 127:
        size, start = int.from_bytes(frame[2:10], "big"), 10
    assert len(frame) == start + size
    return frame[start:].decode()


@pytest.mark.parametrize("length", [0, 125, 126, 65_535, 65_536])
def test_a_wire_frame_carries_the_text_whatever_its_length(length):
    text = "é" * (length // 2) + "x" * (length % 2)
    assert decode_wire(connection_module.wire_frame(text)) == text


async def test_broadcasts_go_straight_to_sockets_that_can_take_them_and_keep_their_order():
    registry = SocketRegistry()
    class_id = uuid4()
    written: list[bytes] = []
    accepting = True

    def write_frame(frame: bytes) -> bool:
        if accepting:
            written.append(frame)
        return accepting

    socket = RecordingSocket()
    connection = registry.connect(student(uuid4()), socket.send, write_frame=write_frame)
    registry.join(connection, (class_id,))
    connection.open()
    registry.deliver(mark_in(class_id))
    accepting = False  # the transport is full: the ASGI send takes over
    registry.deliver(mark_in(class_id))
    await settle()
    assert len(written) == 1 and len(socket.sent) == 1
    heard = [json.loads(decode_wire(written[0])), json.loads(socket.sent[0]["text"])]
    assert [m["event"] for m in heard] == ["ATTENDANCE_MARKED", "ATTENDANCE_MARKED"]


async def test_the_teacher_of_a_class_is_written_to_before_its_students():
    registry = SocketRegistry()
    class_id = uuid4()
    order: list[str] = []

    class NamedSocket(RecordingSocket):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

        async def send(self, message: dict) -> None:
            order.append(self.name)

    early, teacher, late = NamedSocket("early"), NamedSocket("teacher"), NamedSocket("late")
    connected(registry, uuid4(), early, class_id)
    connected(registry, Identity(uuid4(), Role.TEACHER), teacher, class_id)
    connected(registry, uuid4(), late, class_id)
    registry.deliver(mark_in(class_id))
    await settle()
    assert order == ["teacher", "early", "late"]


async def test_a_class_change_is_heard_numbered_by_v2_sockets_only():
    registry = SocketRegistry()
    class_id = uuid4()
    old, new = RecordingSocket(), RecordingSocket()
    connected(registry, uuid4(), old, class_id)
    connected(registry, uuid4(), new, class_id, v2=True)
    updated = ClassUpdated("Maths II", True, False, (PRESENT, AttendanceStatus.ABSENT))
    registry.deliver(ClassBroadcast(class_id, updated, seq=4))
    await settle()
    assert old.sent == []
    assert frames(new) == [
        {
            "event": "CLASS_UPDATED",
            "data": {
                "classId": str(class_id),
                "className": "Maths II",
                "archived": True,
                "privateMarks": False,
                "statuses": ["present", "absent"],
            },
            "seq": 4,
        }
    ]


async def test_a_correction_is_heard_by_that_student_and_the_teacher_on_v2_sockets_only():
    registry = SocketRegistry()
    class_id, other_class = uuid4(), uuid4()
    teacher, corrected, classmate = uuid4(), uuid4(), uuid4()
    teacher_v2, teacher_v1 = RecordingSocket(), RecordingSocket()
    mine_v2, mine_v1, mine_elsewhere = RecordingSocket(), RecordingSocket(), RecordingSocket()
    classmate_v2 = RecordingSocket()
    connected(registry, Identity(teacher, Role.TEACHER), teacher_v2, class_id, v2=True)
    connected(registry, Identity(teacher, Role.TEACHER), teacher_v1, class_id)
    connected(registry, corrected, mine_v2, class_id, v2=True)
    connected(registry, corrected, mine_v1, class_id)
    connected(registry, classmate, classmate_v2, class_id, v2=True)
    session_id = uuid4()
    correction = AttendanceCorrected(class_id, session_id, corrected, PRESENT, teacher)
    registry.deliver(correction)
    registry.deliver(replace(correction, class_id=other_class))  # a class they do not hear
    await settle()
    expected = {
        "event": "ATTENDANCE_CORRECTED",
        "data": {
            "classId": str(class_id),
            "sessionId": str(session_id),
            "studentId": str(corrected),
            "status": "present",
        },
    }
    assert frames(teacher_v2) == frames(mine_v2) == [expected]
    assert teacher_v1.sent == mine_v1.sent == classmate_v2.sent == mine_elsewhere.sent == []

    registry.deliver(ClassLeft(class_id, corrected))  # taken off the class: no more of it
    registry.deliver(correction)
    await settle()
    assert [f["event"] for f in frames(mine_v2)] == ["ATTENDANCE_CORRECTED", "CLASS_LEFT"]
    assert len(frames(teacher_v2)) == 2
