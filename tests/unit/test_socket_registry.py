import asyncio
from uuid import uuid4

import pytest

from api.live import registry as registry_module
from api.live.registry import SocketRegistry
from domain.attendance import AttendanceStatus
from domain.events import AttendanceMarked, ClassBroadcast

pytestmark = pytest.mark.anyio


class RecordingSocket:
    def __init__(self, stuck: bool = False) -> None:
        self.sent: list[dict] = []
        self.stuck = stuck

    async def send(self, message: dict) -> None:
        if self.stuck and message["type"] == "websocket.send":
            await asyncio.Event().wait()  # a client that never reads
        self.sent.append(message)


def broadcast(*audience) -> ClassBroadcast:
    event = AttendanceMarked(uuid4(), AttendanceStatus.PRESENT)
    return ClassBroadcast(uuid4(), frozenset(audience), event)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_the_audience_hears_once_per_socket_and_no_one_else_does():
    registry = SocketRegistry()
    member, outsider = uuid4(), uuid4()
    phone, laptop, other = RecordingSocket(), RecordingSocket(), RecordingSocket()
    registry.connect(member, phone.send)
    registry.connect(member, laptop.send)
    registry.connect(outsider, other.send)
    registry.deliver(broadcast(member, uuid4()))
    await settle()
    assert len(phone.sent) == len(laptop.sent) == 1
    assert phone.sent[0] is laptop.sent[0]  # encoded once, the same message for all
    assert other.sent == []


async def test_a_stuck_client_holds_up_no_one():
    registry = SocketRegistry()
    stuck_user, quick_user = uuid4(), uuid4()
    stuck, quick = RecordingSocket(stuck=True), RecordingSocket()
    registry.connect(stuck_user, stuck.send)
    registry.connect(quick_user, quick.send)
    for _ in range(3):
        registry.deliver(broadcast(stuck_user, quick_user))
    await settle()
    assert len(quick.sent) == 3
    assert stuck.sent == []


async def test_a_client_too_far_behind_is_closed(monkeypatch):
    monkeypatch.setattr(registry_module, "MAX_PENDING_FRAMES", 3)
    registry = SocketRegistry()
    user = uuid4()
    stuck = RecordingSocket(stuck=True)
    connection = registry.connect(user, stuck.send)
    for _ in range(5):
        registry.deliver(broadcast(user))
    await settle()
    assert connection.closed
    assert stuck.sent == [{"type": "websocket.close", "code": 1013, "reason": ""}]


async def test_a_disconnected_socket_is_forgotten():
    registry = SocketRegistry()
    user = uuid4()
    socket = RecordingSocket()
    connection = registry.connect(user, socket.send)
    registry.disconnect(connection)
    registry.deliver(broadcast(user))
    await settle()
    assert socket.sent == []
    assert registry.connections_of(user) == 0
