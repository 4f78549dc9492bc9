"""The frames of the live protocol: `{"event": "...", "data": {...}}` both ways."""

from dataclasses import dataclass
from functools import cache
from typing import Any

import msgspec

from domain.events import AttendanceFinished, AttendanceMarked, ClassEvent, SummaryShared
from domain.statuses import AttendanceStatus, AttendanceSummary

MAX_FRAME_BYTES = 64 * 1024

INVALID_MESSAGE_FORMAT = "Invalid message format"
UNKNOWN_EVENT = "Unknown event"
UNAUTHORIZED = "Unauthorized or invalid token"
TEACHER_EVENT_ONLY = "Forbidden, teacher event only"
STUDENT_EVENT_ONLY = "Forbidden, student event only"
NOT_YET_UPDATED = "not yet updated"
TOO_MANY_MESSAGES = "Too many messages"
TOO_MANY_CONNECTIONS = "Too many connections"

# Close codes.
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013

_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


class InvalidFrame(Exception):
    """Answered with `Invalid message format`; the socket stays open."""


@dataclass(frozen=True, slots=True)
class ClientMessage:
    event: str
    data: dict[str, Any]


def _too_big(text: str, max_bytes: int) -> bool:
    # A character is 1 to 4 bytes in UTF-8: count bytes only when it could matter.
    if len(text) * 4 <= max_bytes:
        return False
    return len(text) > max_bytes or len(text.encode()) > max_bytes


def parse_client_frame(
    asgi_message: dict[str, Any], max_bytes: int = MAX_FRAME_BYTES
) -> ClientMessage:
    """A received ASGI websocket message as a client message. Binary frames, frames over
    max_bytes, and anything but a JSON object with a string `event` are invalid."""
    text = asgi_message.get("text")
    if text is None or _too_big(text, max_bytes):
        raise InvalidFrame()
    try:
        payload = _decoder.decode(text)
    except (msgspec.DecodeError, RecursionError):  # RecursionError: nested too deeply
        raise InvalidFrame() from None
    if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
        raise InvalidFrame()
    data = payload.get("data")
    return ClientMessage(event=payload["event"], data=data if isinstance(data, dict) else {})


def frame(event: str, data: dict[str, Any]) -> str:
    return _encoder.encode({"event": event, "data": data}).decode()


@cache
def error_frame(message: str) -> str:
    return frame("ERROR", {"message": message})


def _counts(summary: AttendanceSummary) -> dict[str, int]:
    return {"present": summary.present, "absent": summary.absent, "total": summary.total}


def event_frame(event: ClassEvent) -> str:
    match event:
        case AttendanceMarked(student_id=student_id, status=status):
            return frame("ATTENDANCE_MARKED", {"studentId": str(student_id), "status": status})
        case SummaryShared(summary=summary):
            return frame("TODAY_SUMMARY", _counts(summary))
        case AttendanceFinished(summary=summary):
            return frame("DONE", {"message": "Attendance persisted", **_counts(summary)})
    raise TypeError(f"no frame for {event!r}")


def my_attendance_frame(status: AttendanceStatus | None) -> str:
    return frame("MY_ATTENDANCE", {"status": status.value if status else NOT_YET_UPDATED})
