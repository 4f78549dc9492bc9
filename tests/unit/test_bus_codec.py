from uuid import uuid4

import pytest

from domain.events import (
    AttendanceFinished,
    AttendanceMarked,
    ClassBroadcast,
    ClassJoined,
    SummaryShared,
)
from domain.statuses import AttendanceStatus, AttendanceSummary
from infrastructure.messaging.postgres_bus import decode, encode

NOTIFY_PAYLOAD_LIMIT = 8000


@pytest.mark.parametrize(
    "message",
    [
        ClassBroadcast(uuid4(), AttendanceMarked(uuid4(), AttendanceStatus.ABSENT)),
        ClassBroadcast(uuid4(), SummaryShared(AttendanceSummary(18, 4, 22))),
        ClassBroadcast(uuid4(), AttendanceFinished(AttendanceSummary(5000, 0, 5000))),
        ClassJoined(uuid4(), uuid4()),
    ],
    ids=lambda message: type(getattr(message, "event", message)).__name__,
)
def test_every_message_survives_the_trip_and_fits_a_notify(message):
    payload = encode(message, origin="process-a")
    assert len(payload.encode()) < NOTIFY_PAYLOAD_LIMIT
    assert decode(payload) == ("process-a", message)
