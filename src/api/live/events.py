"""The live events clients send, in one table: the event, who may send it, the shape of its
payload, and what it does. The socket's handler reads everything from here (dispatch, the role
check, the parsing); `protocol.py` encodes what goes back."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import msgspec

from api.live.protocol import InvalidFrame, my_attendance_frame
from api.schemas import UuidText
from domain.statuses import AttendanceStatus
from domain.users import Identity, Role
from services.attendance import AttendanceService


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
