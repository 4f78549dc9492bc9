"""The event bus over PostgreSQL LISTEN/NOTIFY: no infrastructure beyond the database.

Each process holds one long-lived LISTEN connection, reconnecting when it drops (retrying every
second at most, so it is back soon after the database is), and one connection that publishes.
A message reaches this process's subscribers at once and every other process through one
NOTIFY; a process ignores its own notifications.

NOTIFY is not stored: what was published while a listener was away never reaches it. So after
a reconnect the bus asks for what was published since it last knew itself to be listening
(`on_reconnect`), delivers that, and only then what arrived meanwhile."""

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from asyncpg.pool import PoolConnectionProxy

from domain.events import (
    AttendanceCorrected,
    AttendanceFinished,
    AttendanceMarked,
    CheckInChanged,
    ClassBroadcast,
    ClassEvent,
    ClassJoined,
    ClassLeft,
    ClassUpdated,
    LiveMessage,
    SessionStarted,
    SummaryShared,
)
from domain.statuses import AttendanceStatus, AttendanceSummary
from domain.users import RevocationReason, TokensRevoked
from infrastructure import metrics
from infrastructure.database.outages import DATABASE_UNREACHABLE

log = logging.getLogger(__name__)

CHANNEL = "live_attendance"
LISTENER_APPLICATION_NAME = "live-attendance-listener"
MAX_BACKOFF_SECONDS = 1.0
KEEPALIVE_SECONDS = 10.0
MAX_NOTIFICATIONS_AT_ONCE = 500
# How far before the last moment the listener was known to work the catch-up starts: covers
# the clocks of this host and the database's disagreeing a little.
CATCH_UP_MARGIN = timedelta(seconds=5)

MissedSince = Callable[[datetime], Awaitable[list[LiveMessage]]]


class PostgresEventBus:
    def __init__(self, dsn: str, channel: str = CHANNEL) -> None:
        self._dsn = dsn
        self._channel = channel
        self._origin = uuid.uuid4().hex
        self._subscribers: list[Callable[[LiveMessage], None]] = []
        self._missed_since: MissedSince | None = None
        # While catching up after a reconnect, newer messages wait here.
        self._held: list[LiveMessage] | None = None
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self.listening = asyncio.Event()

    def is_listening(self) -> bool:
        return self.listening.is_set()

    def subscribe(self, deliver: Callable[[LiveMessage], None]) -> None:
        self._subscribers.append(deliver)

    def on_reconnect(self, missed_since: MissedSince) -> None:
        self._missed_since = missed_since

    async def publish(self, *messages: LiveMessage) -> None:
        for message in messages:
            metrics.count_published(message)
            self._deliver_in_order(message)
            self._outbox.put_nowait(encode(message, self._origin))

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._listen_forever(), name="bus-listener"),
            loop.create_task(self._publish_forever(), name="bus-publisher"),
        ]
        # Serve only once other processes can be heard (bounded: the listener keeps trying).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), timeout=10)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def _deliver_in_order(self, message: LiveMessage) -> None:
        if self._held is not None:
            self._held.append(message)
        else:
            self._deliver(message)

    async def _catch_up(self, since: datetime) -> None:
        """Delivers what was published since that moment, then what arrived meanwhile. If the
        question fails, so does the reconnect, and the next one asks again."""
        self._held = []
        try:
            if self._missed_since is not None:
                missed = await self._missed_since(since - CATCH_UP_MARGIN)
                log.warning("event bus: caught up on %d missed message(s)", len(missed))
                for message in missed:
                    self._deliver(message)
        finally:
            held, self._held = self._held, None
            for message in held:
                self._deliver(message)

    def _deliver(self, message: LiveMessage) -> None:
        for deliver in self._subscribers:
            try:
                deliver(message)
            except Exception:
                log.exception("a subscriber failed on %r", message)

    def _on_notification(
        self,
        _connection: asyncpg.Connection | PoolConnectionProxy,
        _pid: int,
        _channel: str,
        payload: object,
    ) -> None:
        text = str(payload)
        if published_by(text, self._origin):  # delivered here when it was published
            return
        try:
            _, message = decode(text)
        except Exception:
            log.warning("ignoring a malformed notification on %s", self._channel)
            metrics.BUS_DROPPED.inc()
            return
        self._deliver_in_order(message)

    async def _listen_forever(self) -> None:
        backoff = 0.1
        # The last moment this process was known to hear every notification; None before the
        # first connection (nothing was missed then: no socket was served yet).
        heard_until: datetime | None = None
        while True:
            connection = None
            try:
                connection = await asyncpg.connect(
                    self._dsn,
                    # Which process listens, for an operator reading pg_stat_activity.
                    server_settings={
                        "application_name": f"{LISTENER_APPLICATION_NAME}/{os.getpid()}"
                    },
                )
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _, lost=lost: lost.set())
                await connection.add_listener(self._channel, self._on_notification)
                backoff = 0.1
                self.listening.set()
                if heard_until is not None:
                    log.warning("event bus: listening again on %s", self._channel)
                    metrics.BUS_RECONNECTS.inc()
                    await self._catch_up(heard_until)
                heard_until = await _until_lost(connection, lost)
                log.warning("event bus: the LISTEN connection was lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("event bus: cannot LISTEN (%s); retrying", type(error).__name__)
            finally:
                self.listening.clear()
                if connection is not None and not connection.is_closed():
                    connection.terminate()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    async def _publish_forever(self) -> None:
        """Sends queued notifications in order, on one connection, reconnecting as needed.
        What queued up meanwhile goes in one statement (one round trip for a burst)."""
        connection: asyncpg.Connection | None = None
        carried: str | None = None
        try:
            while True:
                first = carried if carried is not None else await self._outbox.get()
                payloads, carried = self._take_queued(first)
                for attempt in range(3):
                    try:
                        if connection is None or connection.is_closed():
                            connection = await asyncpg.connect(self._dsn)
                        await connection.execute(
                            "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload",
                            self._channel,
                            payloads,
                        )
                        break
                    except DATABASE_UNREACHABLE as error:
                        connection = None
                        log.warning("event bus: NOTIFY failed (%s)", type(error).__name__)
                        await asyncio.sleep(0.1 * (attempt + 1))
                    except asyncpg.PostgresError as error:  # these payloads, not the connection
                        log.error("event bus: NOTIFY refused (%s)", type(error).__name__)
                        break
                else:
                    log.error(
                        "event bus: dropped %d notification(s) for other processes", len(payloads)
                    )
                    metrics.BUS_DROPPED.inc(len(payloads))
        finally:
            if connection is not None and not connection.is_closed():
                connection.terminate()

    def _take_queued(self, first: str) -> tuple[list[str], str | None]:
        """`first` and what queued behind it, up to a repeat: PostgreSQL delivers identical
        notifications of one transaction once, so a repeat starts the next batch (it is
        answered as carried over)."""
        payloads, seen = [first], {first}
        while not self._outbox.empty() and len(payloads) < MAX_NOTIFICATIONS_AT_ONCE:
            payload = self._outbox.get_nowait()
            if payload in seen:
                return payloads, payload
            payloads.append(payload)
            seen.add(payload)
        return payloads, None


async def _until_lost(connection: asyncpg.Connection, lost: asyncio.Event) -> datetime:
    """Returns when the connection is gone: closed by the server, or silently dead (a
    half-open TCP connection never says so; a ping that gets no answer does). Answers the last
    moment the connection was known to work."""
    known_alive = datetime.now(UTC)
    while not lost.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lost.wait(), timeout=KEEPALIVE_SECONDS)
            break
        try:
            await asyncio.wait_for(connection.execute("SELECT 1"), timeout=KEEPALIVE_SECONDS)
        except (*DATABASE_UNREACHABLE, asyncpg.PostgresError):
            break
        known_alive = datetime.now(UTC)
    return known_alive


# Live messages as NOTIFY payloads: compact JSON, far under PostgreSQL's 8,000-byte limit (a
# message names its class, never its audience).
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def _event_fields(event: ClassEvent) -> dict[str, Any]:
    match event:
        case AttendanceMarked(student_id=student_id, status=status, checked_in=checked_in):
            return {"e": "marked", "s": str(student_id), "v": status.value, "k": checked_in}
        case SummaryShared(summary=summary):
            return {"e": "summary", "n": _counts(summary)}
        case AttendanceFinished(summary=summary, session_id=session_id):
            return {"e": "finished", "n": _counts(summary), "i": _text(session_id)}
        case SessionStarted(session_id=session_id, started_at=started_at):
            return {"e": "started", "i": str(session_id), "t": started_at.isoformat()}
        case CheckInChanged(session_id=session_id, open=is_open):
            return {"e": "check-in", "i": str(session_id), "x": is_open}
        case ClassUpdated():
            return {
                "e": "updated",
                "m": event.class_name,
                "r": event.archived,
                "p": event.private_marks,
                "v": [status.value for status in event.statuses],
            }
    raise TypeError(f"cannot encode {event!r}")


def _counts(summary: AttendanceSummary) -> list[int]:
    counts = [summary.present, summary.absent, summary.total]
    if summary.late is not None:  # a class that uses late and excused
        counts += [summary.late, summary.excused or 0]
    return counts


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def _event(fields: dict[str, Any]) -> ClassEvent:
    match fields["e"]:
        case "marked":
            return AttendanceMarked(UUID(fields["s"]), AttendanceStatus(fields["v"]), fields["k"])
        case "summary":
            return SummaryShared(AttendanceSummary(*fields["n"]))
        case "finished":
            session_id = UUID(fields["i"]) if fields["i"] else None
            return AttendanceFinished(AttendanceSummary(*fields["n"]), session_id)
        case "started":
            return SessionStarted(UUID(fields["i"]), datetime.fromisoformat(fields["t"]))
        case "check-in":
            return CheckInChanged(UUID(fields["i"]), fields["x"])
        case "updated":
            statuses = tuple(AttendanceStatus(status) for status in fields["v"])
            return ClassUpdated(fields["m"], fields["r"], fields["p"], statuses)
    raise ValueError(f"unknown event {fields['e']!r}")


def encode(message: LiveMessage, origin: str) -> str:
    match message:
        case ClassBroadcast(class_id=class_id, event=event, seq=seq, audience=audience):
            fields = {"o": origin, "c": str(class_id), "q": seq, **_event_fields(event)}
            if audience is not None:
                fields["a"] = [str(user_id) for user_id in audience]
        case ClassJoined(class_id=class_id, user_id=user_id):
            fields = {"o": origin, "c": str(class_id), "e": "joined", "u": str(user_id)}
        case ClassLeft(class_id=class_id, user_id=user_id):
            fields = {"o": origin, "c": str(class_id), "e": "left", "u": str(user_id)}
        case AttendanceCorrected():
            fields = {
                "o": origin,
                "c": str(message.class_id),
                "e": "corrected",
                "i": str(message.session_id),
                "u": str(message.student_id),
                "v": message.status.value,
                "t": str(message.teacher_id),
            }
        case TokensRevoked(user_id=user_id, valid_from=valid_from, reason=reason):
            fields = {
                "o": origin,
                "e": "revoked",
                "u": str(user_id),
                "t": valid_from.isoformat(),
                "r": reason.value,
            }
        case _:
            raise TypeError(f"cannot encode {message!r}")
    return _encoder.encode(fields).decode()


def published_by(payload: str, origin: str) -> bool:
    """Whether that process published the notification, told without decoding it: `encode`
    writes the origin first (a process hears its own notifications too)."""
    return payload.startswith(f'{{"o":"{origin}"')


def decode(payload: str) -> tuple[str, LiveMessage]:
    """The origin (publishing process) and the message."""
    fields = _decoder.decode(payload)
    if fields["e"] == "revoked":
        return fields["o"], TokensRevoked(
            UUID(fields["u"]), datetime.fromisoformat(fields["t"]), RevocationReason(fields["r"])
        )
    class_id = UUID(fields["c"])
    if fields["e"] == "joined":
        return fields["o"], ClassJoined(class_id, UUID(fields["u"]))
    if fields["e"] == "left":
        return fields["o"], ClassLeft(class_id, UUID(fields["u"]))
    if fields["e"] == "corrected":
        return fields["o"], AttendanceCorrected(
            class_id,
            UUID(fields["i"]),
            UUID(fields["u"]),
            AttendanceStatus(fields["v"]),
            UUID(fields["t"]),
        )
    audience = fields.get("a")
    return fields["o"], ClassBroadcast(
        class_id,
        _event(fields),
        fields["q"],
        None if audience is None else frozenset(UUID(user_id) for user_id in audience),
    )
