from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.events import (
    AttendanceCorrected,
    AttendanceFinished,
    AttendanceMarked,
    ClassBroadcast,
    ClassJoined,
    ClassLeft,
    ClassUpdated,
    SummaryShared,
)
from domain.statuses import AttendanceStatus, AttendanceSummary
from domain.users import RevocationReason, TokensRevoked
from infrastructure.messaging.postgres_bus import PostgresEventBus, decode, encode, published_by

NOTIFY_PAYLOAD_LIMIT = 8000


@pytest.mark.parametrize(
    "message",
    [
        ClassBroadcast(uuid4(), AttendanceMarked(uuid4(), AttendanceStatus.ABSENT)),
        ClassBroadcast(uuid4(), SummaryShared(AttendanceSummary(18, 4, 22))),
        ClassBroadcast(uuid4(), AttendanceFinished(AttendanceSummary(5000, 0, 5000))),
        ClassJoined(uuid4(), uuid4()),
        ClassLeft(uuid4(), uuid4()),
        ClassBroadcast(
            uuid4(),
            ClassUpdated('Ünïcode & "quotes" ' + "x" * 180, True, True, tuple(AttendanceStatus)),
            seq=12,
        ),
        ClassBroadcast(uuid4(), ClassUpdated("Maths", False, False, ()), seq=1),
        AttendanceCorrected(uuid4(), uuid4(), uuid4(), AttendanceStatus.EXCUSED, uuid4()),
        TokensRevoked(
            uuid4(), datetime(2026, 12, 7, 12, 0, 1, tzinfo=UTC), RevocationReason.DEACTIVATED
        ),
    ],
    ids=lambda message: (
        type(getattr(message, "event", message)).__name__ + str(getattr(message, "seq", ""))
    ),
)
def test_every_message_survives_the_trip_and_fits_a_notify(message):
    payload = encode(message, origin="process-a")
    assert len(payload.encode()) < NOTIFY_PAYLOAD_LIMIT
    assert decode(payload) == ("process-a", message)
    assert published_by(payload, "process-a")
    assert not published_by(payload, "process-b") and not published_by(payload, "process")


def test_a_process_delivers_others_notifications_and_skips_its_own_undecoded(monkeypatch):
    from infrastructure.messaging import postgres_bus

    bus = PostgresEventBus("postgresql://unused")
    heard: list[object] = []
    bus.subscribe(heard.append)
    decoded: list[str] = []
    real_decode = postgres_bus.decode
    monkeypatch.setattr(
        postgres_bus, "decode", lambda text: decoded.append(text) or real_decode(text)
    )
    mine = ClassBroadcast(uuid4(), SummaryShared(AttendanceSummary(1, 0, 1)), seq=7)
    theirs = ClassBroadcast(uuid4(), SummaryShared(AttendanceSummary(2, 0, 2)), seq=3)
    own_payload = encode(mine, bus._origin)
    other_payload = encode(theirs, "another-process")
    bus._on_notification(None, 1, "live_attendance", own_payload)
    bus._on_notification(None, 1, "live_attendance", other_payload)
    assert heard == [theirs]
    assert decoded == [other_payload]
