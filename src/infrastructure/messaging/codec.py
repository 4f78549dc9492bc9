"""Live messages as NOTIFY payloads: compact JSON, far under PostgreSQL's 8,000-byte limit
(a message names its class, never its audience)."""

from typing import Any
from uuid import UUID

import msgspec

from domain.events import (
    AttendanceFinished,
    AttendanceMarked,
    ClassBroadcast,
    ClassEvent,
    ClassJoined,
    LiveMessage,
    SummaryShared,
)
from domain.statuses import AttendanceStatus, AttendanceSummary

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def _event_fields(event: ClassEvent) -> dict[str, Any]:
    match event:
        case AttendanceMarked(student_id=student_id, status=status):
            return {"e": "marked", "s": str(student_id), "v": status.value}
        case SummaryShared(summary=summary):
            return {"e": "summary", "n": [summary.present, summary.absent, summary.total]}
        case AttendanceFinished(summary=summary):
            return {"e": "finished", "n": [summary.present, summary.absent, summary.total]}
    raise TypeError(f"cannot encode {event!r}")


def _event(fields: dict[str, Any]) -> ClassEvent:
    kind = fields["e"]
    if kind == "marked":
        return AttendanceMarked(UUID(fields["s"]), AttendanceStatus(fields["v"]))
    summary = AttendanceSummary(*fields["n"])
    if kind == "summary":
        return SummaryShared(summary)
    if kind == "finished":
        return AttendanceFinished(summary)
    raise ValueError(f"unknown event kind {kind!r}")


def encode(message: LiveMessage, origin: str) -> str:
    match message:
        case ClassBroadcast(class_id=class_id, event=event):
            fields = {"o": origin, "c": str(class_id), **_event_fields(event)}
        case ClassJoined(class_id=class_id, user_id=user_id):
            fields = {"o": origin, "c": str(class_id), "e": "joined", "u": str(user_id)}
        case _:
            raise TypeError(f"cannot encode {message!r}")
    return _encoder.encode(fields).decode()


def decode(payload: str) -> tuple[str, LiveMessage]:
    """The origin (publishing process) and the message."""
    fields = _decoder.decode(payload)
    class_id = UUID(fields["c"])
    if fields["e"] == "joined":
        return fields["o"], ClassJoined(class_id, UUID(fields["u"]))
    return fields["o"], ClassBroadcast(class_id, _event(fields))
