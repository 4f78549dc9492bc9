"""A revocation heard from any process closes the sockets its account opened with tokens
issued before it, with 4401 and why; a socket opened with a newer token (the one a password
change gave its browser) stays open."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from api.live.registry import SocketRegistry
from domain.users import Identity, RevocationReason, Role, TokensRevoked
from tests.unit.test_socket_registry import RecordingSocket, settle, state_of

pytestmark = pytest.mark.anyio
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def opened(registry, socket, user_id, issued_at, v2=False):
    connection = registry.connect(
        Identity(user_id, Role.STUDENT), socket.send, v2=v2, issued_at=issued_at
    )
    registry.join(connection, [uuid4()])
    connection.open()
    return connection


def closes(socket: RecordingSocket) -> list[tuple[int, str]]:
    return [(m["code"], m["reason"]) for m in socket.sent if m["type"] == "websocket.close"]


async def test_the_accounts_older_sockets_are_closed_and_say_why():
    registry = SocketRegistry()
    user, other = uuid4(), uuid4()
    phone, laptop, fresh, someone_else = (RecordingSocket() for _ in range(4))
    opened(registry, phone, user, NOON)
    opened(registry, laptop, user, NOON + timedelta(seconds=1), v2=True)
    opened(registry, fresh, user, NOON + timedelta(seconds=2))  # the new token's
    opened(registry, someone_else, other, NOON)
    registry.deliver(
        TokensRevoked(user, NOON + timedelta(seconds=2), RevocationReason.PASSWORD_CHANGED)
    )
    await settle()
    assert closes(phone) == closes(laptop) == [(4401, "Signed out: password changed")]
    assert closes(fresh) == closes(someone_else) == []


async def test_a_socket_revoked_while_its_state_is_read_is_closed_once_the_read_ends():
    registry = SocketRegistry(live_state=state_of(1))
    user, socket = uuid4(), RecordingSocket()
    connection = opened(registry, socket, user, NOON, v2=True)
    resync = asyncio.create_task(registry.resync(connection))
    await asyncio.sleep(0)
    registry.deliver(TokensRevoked(user, NOON + timedelta(seconds=1), RevocationReason.DEACTIVATED))
    await resync
    await settle()
    assert closes(socket) == [(4401, "Signed out: account deactivated")]
    assert [m["type"] for m in socket.sent] == ["websocket.close"]  # no state after it
