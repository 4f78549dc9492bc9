"""Answers a live socket's frames in the contract's order of checks: message format, known
event, role, session, payload."""

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span

from api.errors import INTERNAL_SERVER_ERROR, answer_for
from api.limits import ApiLimits
from api.live.connection import LiveConnection
from api.live.protocol import (
    CLIENT_EVENTS,
    INVALID_MESSAGE_FORMAT,
    STUDENT_EVENT_ONLY,
    TEACHER_EVENT_ONLY,
    UNKNOWN_EVENT,
    Addressed,
    Caller,
    ClientEvent,
    ClientMessage,
    InvalidFrame,
    error_frame,
    parse_addressed,
    parse_client_frame,
    parse_payload,
)
from domain.errors import DomainError, StatusNotAllowed
from domain.ports import Unavailable
from domain.users import Role

log = logging.getLogger(__name__)
# A span per live event (a burst of marks is one) while tracing is on. Off, not even the
# OpenTelemetry API's span that records nothing is made: that costs about 5 us an event.
tracer = trace.get_tracer("live_attendance.live")
_UNTRACED = nullcontext(trace.INVALID_SPAN)
SpanOf = Callable[[str], AbstractContextManager[Span]]


def _untraced(_name: str) -> AbstractContextManager[Span]:
    return _UNTRACED


def live_spans(tracing: bool) -> SpanOf:
    """What makes a live event's span: OpenTelemetry's tracer, or nothing at all."""
    return tracer.start_as_current_span if tracing else _untraced


ROLE_ERRORS = {Role.TEACHER: TEACHER_EVENT_ONLY, Role.STUDENT: STUDENT_EVENT_ONLY}


@dataclass(slots=True)
class _Batch:
    """Consecutive frames of one batched event for one class."""

    event: ClientEvent
    payloads: list[Addressed]

    def takes(self, event: ClientEvent, payload: Addressed) -> bool:
        return event is self.event and payload.class_id == self.payloads[0].class_id


class LiveEventHandler:
    """Answers one connection's frames in the order they came."""

    def __init__(
        self,
        caller: Caller,
        connection: LiveConnection,
        limits: ApiLimits,
        span_of: SpanOf,
    ) -> None:
        self._identity = caller.identity
        self._connection = connection
        self._caller = caller
        self._max_frame_bytes = limits.max_frame_bytes
        self._span_of = span_of

    async def handle(self, asgi_messages: list[dict[str, Any]]) -> None:
        """Answers frames that arrived together, in order. Consecutive frames of a batched
        event (marks) for one class run as one call: one transaction for a burst of marks."""
        batch: _Batch | None = None
        for asgi_message in asgi_messages:
            try:
                message: ClientMessage | None = parse_client_frame(
                    asgi_message, self._max_frame_bytes
                )
            except InvalidFrame:
                message = None
            if self._connection.client_gone and self._only_answers(message):
                continue  # no one is left to hear it
            batchable = self._batchable(message)
            if batch is not None and (batchable is None or not batch.takes(*batchable)):
                await self._run(batch.event, batch.payloads)
                batch = None
            if batchable is None:
                await self._answer(message)
            elif batch is None:
                batch = _Batch(batchable[0], [batchable[1]])
            else:
                batch.payloads.append(batchable[1])
        if batch is not None:
            await self._run(batch.event, batch.payloads)

    def _only_answers(self, message: ClientMessage | None) -> bool:
        """The frame's only effect would be an answer to its sender (an ERROR included)."""
        event = CLIENT_EVENTS.get(message.event) if message is not None else None
        return (
            event is None
            or event.answers_sender_only
            or (event.v2_only and not self._connection.v2)
            or (event.sender is not None and self._identity.role is not event.sender)
        )

    def _batchable(self, message: ClientMessage | None) -> tuple[ClientEvent, Addressed] | None:
        """The event and payload of a frame of a batched event that passed every check."""
        if message is None:
            return None
        event = CLIENT_EVENTS.get(message.event)
        if (
            event is None
            or not event.batched
            or (event.v2_only and not self._connection.v2)
            or (event.sender is not None and self._identity.role is not event.sender)
        ):
            return None
        payload = parse_payload(event, message.data)
        return (event, payload) if payload is not None else None

    async def _answer(self, message: ClientMessage | None) -> None:
        name = message.event if message is not None and message.event in CLIENT_EVENTS else "other"
        with self._span_of(f"live {name}"):
            try:
                if message is None:
                    raise InvalidFrame()
                await self._dispatch(message)
            except Exception as error:
                self._connection.push_text(error_frame(self._refusal(error)))

    async def _run(self, event: ClientEvent, payloads: list[Addressed]) -> None:
        refusals: list[Exception | None]
        with self._span_of(f"live {event.name}") as span:
            span.set_attribute("live.frames", len(payloads))
            try:
                refusals = list(await event.run(self._caller, payloads))
            except Exception as error:
                refusals = [error for _ in payloads]
        for refusal in refusals:
            if refusal is not None:
                self._connection.push_text(error_frame(self._refusal(refusal)))

    @staticmethod
    def _refusal(error: Exception) -> str:
        if isinstance(error, (InvalidFrame, StatusNotAllowed)):  # late or excused not allowed
            return INVALID_MESSAGE_FORMAT
        if isinstance(error, (DomainError, Unavailable)):
            return answer_for(error).message
        log.error("live event failed", exc_info=error)
        return INTERNAL_SERVER_ERROR

    async def _dispatch(self, message: ClientMessage) -> None:
        """In the contract's order: known event, role, session, payload."""
        event = CLIENT_EVENTS.get(message.event)
        if event is None or (event.v2_only and not self._connection.v2):
            self._connection.push_text(error_frame(UNKNOWN_EVENT))
            return
        if event.sender is not None and self._identity.role is not event.sender:
            self._connection.push_text(error_frame(ROLE_ERRORS[event.sender]))
            return
        payload = parse_payload(event, message.data)  # every payload includes its classId
        if payload is None:
            # A bad classId is a bad frame; otherwise the session is checked before the payload.
            addressed = parse_addressed(message.data)
            if event.needs_session:
                await self._caller.attendance.require_active_session(
                    self._identity, addressed.class_id
                )
            raise InvalidFrame()
        if event.batched:
            await self._run(event, [payload])
        else:
            await event.run(self._caller, payload)
