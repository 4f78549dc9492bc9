"""What one client may do to the live endpoint: flood it, open too many sockets, send huge
frames. The server answers, stays up, and closes only the offender."""

import time

import pytest
from websockets.exceptions import ConnectionClosed

from tests.integration.live import LiveClient


def test_a_flooding_socket_is_warned_then_closed_and_others_carry_on(live, teacher, student):
    bystander = live(student)
    flooder = live(teacher)
    errors: list[str] = []
    closed_with = None
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            for _ in range(50):
                flooder.send("TODAY_SUMMARY")
            while True:
                try:
                    errors.append(flooder.receive_error(timeout=0.01))
                except TimeoutError:
                    break
    except ConnectionClosed:
        closed_with = flooder.socket.close_code
    assert "Too many messages" in errors
    assert closed_with == 1008
    bystander.send("MY_ATTENDANCE")
    assert bystander.receive_error() == "No active attendance session"


def test_a_burst_under_the_limit_is_served_in_full(live, teacher):
    ws = live(teacher)
    for _ in range(60):
        ws.send("TODAY_SUMMARY")
    assert [ws.receive_error() for _ in range(60)] == ["No active attendance session"] * 60


def socket_once_one_is_freed(server, account, timeout: float = 10) -> LiveClient:
    """A new socket of that user, opened again while the server has not yet let go of a
    closed one (it does so a moment after the close), for at most `timeout` seconds. A
    socket that was let in answers a question; a refused one says why and closes."""
    deadline = time.monotonic() + timeout
    while True:
        ws = LiveClient(server.ws_url, account.token)
        try:
            ws.send("MY_ATTENDANCE")
            answer = ws.receive_error()
        except ConnectionClosed:
            answer = "closed"
        if answer == "No active attendance session":
            return ws
        ws.close()
        assert answer in ("Too many connections", "closed"), answer
        assert time.monotonic() < deadline, "the closed socket was never let go"


def test_sockets_per_user_are_capped(server, make_account):
    account = make_account("student")
    opened = [LiveClient(server.ws_url, account.token) for _ in range(10)]
    try:
        extra = LiveClient(server.ws_url, account.token)
        assert extra.receive_error() == "Too many connections"
        with pytest.raises(ConnectionClosed):
            extra.socket.recv(timeout=5)
        assert extra.socket.close_code == 1008
        opened[0].close()
        again = socket_once_one_is_freed(server, account)
        again.assert_silent()
        again.close()
    finally:
        for ws in opened:
            ws.close()
