"""The live protocol: frames `{"event": "...", "data": {...}}` both ways, and the table of
the events clients send."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from api.observability import throttling_counted
from api.schemas import UuidText, iso_timestamp
from domain.events import (
    AttendanceCorrected,
    AttendanceFinished,
    AttendanceMarked,
    CheckInChanged,
    ClassBroadcast,
    ClassEvent,
    ClassUpdated,
    SessionStarted,
    SummaryShared,
)
from domain.live_state import ClassLiveState, LiveMark
from domain.statuses import AttendanceStatus, AttendanceSummary
from domain.users import Identity, Role
from services.attendance import AttendanceService
from services.check_in import CheckInService

MAX_FRAME_BYTES = 64 * 1024
# A socket that asks for this subprotocol hears the v2 frames as well as the assignment's.
V2_SUBPROTOCOL = "live-attendance.v2"

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
# The socket's token was revoked (4000 + HTTP's 401); the reason says why ("Signed out: ...").
TOKEN_REVOKED = 4401

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
    counts = {"present": summary.present, "absent": summary.absent, "total": summary.total}
    if summary.late is not None:  # a class that uses late and excused
        counts |= {"late": summary.late, "excused": summary.excused or 0}
    return counts


def _mark_data(event: AttendanceMarked | LiveMark) -> dict[str, Any]:
    return {"studentId": str(event.student_id), "status": event.status}


@dataclass(frozen=True, slots=True)
class Heard:
    """One frame a class hears for a domain event. `v1`: the assignment's sockets hear it
    (exactly `data`); v2 sockets hear every frame, with the class's id, `v2_data` and the
    broadcast's number (`seq`) added."""

    name: str
    data: Callable[[Any], dict[str, Any]]
    v1: bool = True
    v2_data: Callable[[Any], dict[str, Any]] = lambda event: {}


# What a class hears, in one table: for each domain event, its frames.
CLASS_FRAMES: dict[type, tuple[Heard, ...]] = {
    AttendanceMarked: (
        Heard("ATTENDANCE_MARKED", _mark_data, v2_data=lambda e: {"checkedIn": e.checked_in}),
    ),
    SummaryShared: (Heard("TODAY_SUMMARY", lambda event: _counts(event.summary)),),
    AttendanceFinished: (
        Heard("DONE", lambda event: {"message": "Attendance persisted", **_counts(event.summary)}),
        Heard(
            "SESSION_ENDED",
            lambda event: {"sessionId": _text(event.session_id), **_counts(event.summary)},
            v1=False,
        ),
    ),
    SessionStarted: (
        Heard(
            "SESSION_STARTED",
            lambda e: {"sessionId": str(e.session_id), "startedAt": iso_timestamp(e.started_at)},
            v1=False,
        ),
    ),
    CheckInChanged: (
        Heard(
            "CHECK_IN_STATE",
            lambda event: {"sessionId": str(event.session_id), "open": event.open},
            v1=False,
        ),
    ),
    ClassUpdated: (
        Heard(
            "CLASS_UPDATED",
            lambda event: {
                "className": event.class_name,
                "archived": event.archived,
                "privateMarks": event.private_marks,
                "statuses": [status.value for status in event.statuses],
            },
            v1=False,
        ),
    ),
}

# The frames only v2 sockets hear, apart from the class broadcasts above.
SESSION_STATE = "SESSION_STATE"
CLASS_JOINED = "CLASS_JOINED"
CLASS_LEFT = "CLASS_LEFT"
CHECKED_IN = "CHECKED_IN"
ATTENDANCE_CORRECTED = "ATTENDANCE_CORRECTED"


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def event_frame(event: ClassEvent) -> str:
    """What a v1 socket hears of an event (every event it hears has one frame)."""
    (heard,) = [heard for heard in CLASS_FRAMES[type(event)] if heard.v1]
    return frame(heard.name, heard.data(event))


def v1_frames(event: ClassEvent) -> list[str]:
    return [frame(heard.name, heard.data(event)) for heard in CLASS_FRAMES[type(event)] if heard.v1]


def v2_frames(broadcast: ClassBroadcast) -> list[str]:
    event = broadcast.event
    return [
        _encoder.encode(
            {
                "event": heard.name,
                "data": {
                    "classId": str(broadcast.class_id),
                    **heard.data(event),
                    **heard.v2_data(event),
                },
                "seq": broadcast.seq,
            }
        ).decode()
        for heard in CLASS_FRAMES[type(event)]
    ]


def state_frame(classes: list[ClassLiveState]) -> str:
    return frame(SESSION_STATE, {"classes": [_class_state(state) for state in classes]})


def _class_state(state: ClassLiveState) -> dict[str, Any]:
    session = state.session
    return {
        "classId": str(state.class_id),
        "className": state.class_name,
        "seq": state.seq,
        "privateMarks": state.private_marks,
        "statuses": [status.value for status in state.statuses],
        "archived": state.archived,
        "session": None
        if session is None
        else {
            "id": str(session.id),
            "startedAt": iso_timestamp(session.started_at),
            "checkInOpen": session.check_in_open,
            "marks": [{**_mark_data(mark), "checkedIn": mark.checked_in} for mark in session.marks],
        },
    }


def class_joined_frame(class_id: UUID) -> str:
    return frame(CLASS_JOINED, {"classId": str(class_id)})


def class_left_frame(class_id: UUID) -> str:
    return frame(CLASS_LEFT, {"classId": str(class_id)})


def attendance_corrected_frame(corrected: AttendanceCorrected) -> str:
    return frame(
        ATTENDANCE_CORRECTED,
        {
            "classId": str(corrected.class_id),
            "sessionId": str(corrected.session_id),
            "studentId": str(corrected.student_id),
            "status": corrected.status.value,
        },
    )


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
    # Late and excused only where the class enabled them (checked with the session).
    status: Literal["present", "absent", "late", "excused"]


class ForClass(Addressed, kw_only=True):
    """A payload that must name its class."""

    classId: UuidText

    @property
    def class_uuid(self) -> UUID:
        return UUID(self.classId)


class CheckIn(ForClass, kw_only=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=12)]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent the event, and how to answer them alone (`resync` sends the state of the
    caller's classes, holding back broadcasts until it has)."""

    identity: Identity
    attendance: AttendanceService
    check_in: CheckInService
    reply: Callable[[str], None]
    resync: Callable[[], Awaitable[None]]


async def _mark_all(caller: Caller, payloads: list[Mark]) -> list[Exception | None]:
    refusals = await caller.attendance.mark_all(
        caller.identity,
        [(UUID(payload.studentId), AttendanceStatus(payload.status)) for payload in payloads],
        class_id=payloads[0].class_id,
    )
    return list(refusals)


async def _share_summary(caller: Caller, payload: Addressed) -> None:
    await caller.attendance.share_summary(caller.identity, payload.class_id)


async def _finish(caller: Caller, payload: Addressed) -> None:
    await caller.attendance.finish(caller.identity, payload.class_id)


async def _my_attendance(caller: Caller, payload: Addressed) -> None:
    status = await caller.attendance.my_live_status(caller.identity, payload.class_id)
    caller.reply(my_attendance_frame(status))


async def _resync(caller: Caller, payload: Addressed) -> None:
    await caller.resync()


async def _check_in(caller: Caller, payload: CheckIn) -> None:
    with throttling_counted("check_in"):
        await caller.check_in.check_in(caller.identity, payload.class_uuid, payload.code)
    caller.reply(frame(CHECKED_IN, {"classId": str(payload.class_uuid), "status": "present"}))


async def _open_check_in(caller: Caller, payload: ForClass) -> None:
    await caller.check_in.open(caller.identity, payload.class_uuid)


async def _close_check_in(caller: Caller, payload: ForClass) -> None:
    await caller.check_in.close(caller.identity, payload.class_uuid)


@dataclass(frozen=True, slots=True)
class ClientEvent:
    name: str
    sender: Role | None  # None: anyone
    payload: type[Addressed]
    run: Callable[[Caller, Any], Awaitable[Any]]
    v2_only: bool = False  # a v1 socket gets `Unknown event`
    needs_session: bool = True  # a bad payload is answered after the session check
    # Consecutive frames of this event for one class, when they arrive together, are run in
    # one call: `run` takes the list of payloads and answers, for each, None or why it was
    # refused.
    batched: bool = False
    # Its only effect is the answer to the sender: once the client hung up, it is not run.
    answers_sender_only: bool = False


CLIENT_EVENTS: dict[str, ClientEvent] = {
    event.name: event
    for event in (
        ClientEvent("ATTENDANCE_MARKED", Role.TEACHER, Mark, _mark_all, batched=True),
        ClientEvent("TODAY_SUMMARY", Role.TEACHER, Addressed, _share_summary),
        ClientEvent("DONE", Role.TEACHER, Addressed, _finish),
        ClientEvent(
            "MY_ATTENDANCE", Role.STUDENT, Addressed, _my_attendance, answers_sender_only=True
        ),
        ClientEvent(
            "RESYNC",
            None,
            Addressed,
            _resync,
            v2_only=True,
            needs_session=False,
            answers_sender_only=True,
        ),
        ClientEvent("CHECK_IN", Role.STUDENT, CheckIn, _check_in, v2_only=True),
        ClientEvent("CHECK_IN_OPEN", Role.TEACHER, ForClass, _open_check_in, v2_only=True),
        ClientEvent("CHECK_IN_CLOSE", Role.TEACHER, ForClass, _close_check_in, v2_only=True),
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
