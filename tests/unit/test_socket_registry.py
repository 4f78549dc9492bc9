import asyncio
from uuid import uuid4

import pytest

from api.live import registry as registry_module
from api.live.registry import SocketRegistry
from domain.events import AttendanceMarked, ClassBroadcast, ClassJoined
from domain.statuses import AttendanceStatus

pytestmark = pytest.mark.anyio


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


def connected(registry: SocketRegistry, user, socket: RecordingSocket, *class_ids):
    """A socket that is accepted and in the given classes."""
    connection = registry.connect(user, socket.send)
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
    monkeypatch.setattr(registry_module, "MAX_PENDING_FRAMES", 3)
    registry = SocketRegistry()
    class_id = uuid4()
    stuck = RecordingSocket(stuck=True)
    connection = connected(registry, uuid4(), stuck, class_id)
    for _ in range(5):
        registry.deliver(mark_in(class_id))
    await settle()
    assert connection.closed
    assert stuck.sent == [{"type": "websocket.close", "code": 1013, "reason": ""}]


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
    connection = registry.connect(uuid4(), socket.send)
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
    socket = RecordingSocket()
    connected(registry, uuid4(), socket, class_id)
    marks = [mark_in(class_id) for _ in range(3)]
    for mark in marks:
        registry.deliver(mark)
    # No await in between: nothing was left to a task.
    assert [m["text"] for m in socket.sent] == [
        m["text"]
        for m in (registry_module.text_message(registry_module.event_frame(x.event)) for x in marks)
    ]


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
    expected = [registry_module.event_frame(m.event) for m in marks]
    assert [m["text"] for m in socket.sent] == expected
