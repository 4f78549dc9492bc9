"""The live protocol: frames `{"event": "...", "data": {...}}` both ways, and the table of
the events clients send."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal
from uuid import UUID

import msgspec

from api.schemas import UuidText
from domain.events import AttendanceFinished, AttendanceMarked, ClassEvent, SummaryShared
from domain.statuses import AttendanceStatus, AttendanceSummary
from domain.users import Identity, Role
from services.attendance import AttendanceService

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


# What a class hears, in one table: the domain event, the name of its frame, and its data.
CLASS_FRAMES: dict[type, tuple[str, Callable[[Any], dict[str, Any]]]] = {
    AttendanceMarked: (
        "ATTENDANCE_MARKED",
        lambda event: {"studentId": str(event.student_id), "status": event.status},
    ),
    SummaryShared: ("TODAY_SUMMARY", lambda event: _counts(event.summary)),
    AttendanceFinished: (
        "DONE",
        lambda event: {"message": "Attendance persisted", **_counts(event.summary)},
    ),
}


def event_frame(event: ClassEvent) -> str:
    name, data = CLASS_FRAMES[type(event)]
    return frame(name, data(event))


def my_attendance_frame(status: AttendanceStatus | None) -> str:
    return frame("MY_ATTENDANCE", {"status": status.value if status else NOT_YET_UPDATED})


# The events clients send, in one table: the event, who may send it, the shape of its payload,
# and what it does. The socket's handler reads everything from here.


class Addressed(msgspec.Struct, kw_only=True):
    """Every payload may name the class whose session it addresses."""

    classId: UuidText | None = None

    @property
    def class_id(self) -> UUID | None:
        return UUID(self.classId) if self.classId else None


class Mark(Addressed, kw_only=True):
    studentId: UuidText
    status: Literal["present", "absent"]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent the event, and how to answer them alone."""

    identity: Identity
    attendance: AttendanceService
    reply: Callable[[str], None]


async def _mark(caller: Caller, payload: Mark) -> None:
    await caller.attendance.mark(
        caller.identity,
        UUID(payload.studentId),
        AttendanceStatus(payload.status),
        class_id=payload.class_id,
    )


async def _share_summary(caller: Caller, payload: Addressed) -> None:
    await caller.attendance.share_summary(caller.identity, payload.class_id)


async def _finish(caller: Caller, payload: Addressed) -> None:
    await caller.attendance.finish(caller.identity, payload.class_id)


async def _my_attendance(caller: Caller, payload: Addressed) -> None:
    status = await caller.attendance.my_live_status(caller.identity, payload.class_id)
    caller.reply(my_attendance_frame(status))


@dataclass(frozen=True, slots=True)
class ClientEvent:
    name: str
    sender: Role
    payload: type[Addressed]
    run: Callable[[Caller, Any], Awaitable[None]]


CLIENT_EVENTS: dict[str, ClientEvent] = {
    event.name: event
    for event in (
        ClientEvent("ATTENDANCE_MARKED", Role.TEACHER, Mark, _mark),
        ClientEvent("TODAY_SUMMARY", Role.TEACHER, Addressed, _share_summary),
        ClientEvent("DONE", Role.TEACHER, Addressed, _finish),
        ClientEvent("MY_ATTENDANCE", Role.STUDENT, Addressed, _my_attendance),
    )
}


def parse_addressed(data: dict[str, Any]) -> Addressed:
    """The class a payload names (checked with the session, before the rest of the payload)."""
    try:
        return msgspec.convert(data, Addressed)
    except msgspec.ValidationError:
        raise InvalidFrame() from None


def parse_payload(event: ClientEvent, data: dict[str, Any]) -> Addressed | None:
    """The event's whole payload, or None if it is not valid."""
    try:
        return msgspec.convert(data, event.payload)
    except msgspec.ValidationError:
        return None
