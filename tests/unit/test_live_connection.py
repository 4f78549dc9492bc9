"""A v2 socket's state and its outgoing queue (api/live/connection.py) under floods: RESYNC
requests coalesce into the state on its way, readings are numbered, the bytes waiting are
bounded, and a client that hung up is sent nothing more."""

import asyncio
import json
from uuid import uuid4

import pytest

from api.live import connection as connection_module
from api.live.registry import SocketRegistry
from domain.events import AttendanceMarked, ClassBroadcast, StatesRequested
from domain.live_state import ClassLiveState
from tests.unit.test_socket_registry import (
    PRESENT,
    RecordingSocket,
    connected,
    mark_in,
    settle,
    student,
)

pytestmark = pytest.mark.anyio


class CountedStates:
    """A live state read: its number is how many readings there were."""

    def __init__(self) -> None:
        self.reads = 0

    async def read(self, identity) -> list[ClassLiveState]:
        self.reads += 1
        return [ClassLiveState(uuid4(), self.reads, False, None)]


async def test_resyncs_coalesce_into_the_state_on_its_way_and_bytes_waiting_are_bounded(
    monkeypatch, caplog
):
    """A v2 client asking RESYNC again and again while it reads nothing: one state is read and
    waits for it (later requests are answered by that one), whatever it asks; then past the
    bytes a socket may have waiting, it is closed with 1013 and a line in the log."""
    states = CountedStates()
    registry = SocketRegistry(states.read)
    class_id = uuid4()
    stuck = RecordingSocket(stuck=True)
    connection = registry.connect(student(uuid4()), stuck.send, v2=True)
    registry.join(connection, [class_id])
    for _ in range(500):
        await registry.resync(connection)
    await settle()
    assert states.reads == 1
    monkeypatch.setattr(connection_module, "MAX_QUEUED_BYTES", 1000)
    registry.deliver(ClassBroadcast(class_id, AttendanceMarked(uuid4(), PRESENT), seq=2))
    assert not connection.closed
    for seq in range(3, 40):
        registry.deliver(ClassBroadcast(class_id, AttendanceMarked(uuid4(), PRESENT), seq=seq))
    await settle()
    assert connection.closed and connection.close_code == 1013
    assert "fell too far behind" in caplog.text


async def test_a_state_read_again_replaces_the_one_still_waiting_to_go_out():
    """After the bus was away every v2 socket's state is read afresh, even one with a state
    still waiting (it may predate the outage): the new one replaces it, not joins it."""
    states = CountedStates()
    registry = SocketRegistry(states.read)
    stuck = RecordingSocket(stuck=True)
    connection = registry.connect(student(uuid4()), stuck.send, v2=True)
    await registry.resync(connection)
    registry.deliver(StatesRequested())
    for _ in range(10):
        await settle()
    assert states.reads == 2  # the first state went to the stuck send; the second waits
    registry.deliver(StatesRequested())
    registry.deliver(StatesRequested())
    for _ in range(10):
        await settle()
    assert states.reads == 4
    states = [m for m in connection._pending if "SESSION_STATE" in m.get("text", "")]
    assert len(states) == 1 and '"seq":4' in states[0]["text"]


async def test_a_client_that_hung_up_is_sent_nothing_more_and_its_queue_is_dropped():
    registry = SocketRegistry()
    class_id = uuid4()
    stuck = RecordingSocket(stuck=True)
    connection = connected(registry, uuid4(), stuck, class_id)
    for _ in range(3):
        registry.deliver(mark_in(class_id))
    await settle()
    connection.hung_up(1001)
    registry.deliver(mark_in(class_id))
    await settle()
    assert connection.closed and connection.client_gone and connection.close_code == 1001
    assert list(connection._pending) == [] and stuck.sent == []


async def test_overlapping_state_reads_keep_frames_back_and_the_newest_reading_wins():
    """A client's RESYNC and the read after the bus was away can overlap. Frames wait until
    both ended (none goes out ahead of a state that may miss it), and a state from the older
    reading, if it ends last, does not replace the newer one."""
    gates: list[asyncio.Future] = []

    async def live_state(identity):
        gate = asyncio.get_running_loop().create_future()
        gates.append(gate)
        return [ClassLiveState(uuid4(), await gate, False, None)]

    registry = SocketRegistry(live_state)
    class_id = uuid4()
    socket = RecordingSocket()
    connection = registry.connect(student(uuid4()), socket.send, v2=True)
    registry.join(connection, [class_id])
    asked = asyncio.create_task(registry.resync(connection))  # the client's RESYNC
    await settle()
    registry.deliver(StatesRequested())  # the bus came back: read afresh
    await settle()
    assert len(gates) == 2
    registry.deliver(ClassBroadcast(class_id, AttendanceMarked(uuid4(), PRESENT), seq=3))
    gates[1].set_result(3)  # the newer reading ends first
    await settle()
    assert socket.sent == []  # the older one is still under way: everything waits
    gates[0].set_result(2)
    await asked
    await settle()
    texts = [json.loads(message["text"]) for message in socket.sent]
    assert [t["event"] for t in texts] == ["SESSION_STATE", "ATTENDANCE_MARKED"]
    assert texts[0]["data"]["classes"][0]["seq"] == 3
