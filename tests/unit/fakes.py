"""In-memory stand-ins for the domain's ports, for unit tests of services: no database."""

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID

from api.csv_export import csv_text
from api.schemas import iso_timestamp
from domain.account_ports import MailNotSent
from domain.attendance import AttendanceSession, FinishedSession, MarkCount
from domain.classrooms import Classroom
from domain.corrections import Correction
from domain.errors import InvalidToken
from domain.events import AttendanceFinished, AttendanceMarked, ClassBroadcast
from domain.history import HISTORY_COLUMNS, HistoryCsvPage
from domain.live_state import ClassLiveState, LiveMark, LiveSessionState
from domain.mail import Mail
from domain.reports import ReportPeriod, StudentTally
from domain.statuses import AttendanceStatus
from domain.users import Identity, IssuedToken, Role, User, UserSummary
from tests.unit.fake_account_links import FakeAccountLinks
from tests.unit.fake_external_identities import FakeExternalIdentities
from tests.unit.fake_invitations import FakeInvitations
from tests.unit.fake_users import FakeUsers


@dataclass
class InMemoryStore:
    """What the fake database holds. Units of work copy it, so rollback really undoes."""

    users: dict[UUID, User] = field(default_factory=dict)
    classes: dict[UUID, Classroom] = field(default_factory=dict)
    sessions: dict[UUID, AttendanceSession] = field(default_factory=dict)
    finished: list[FinishedSession] = field(default_factory=list)
    marked_at: dict[tuple[UUID, UUID], datetime] = field(default_factory=dict)
    live_seq: dict[UUID, int] = field(default_factory=dict)  # per class
    corrections: list[Correction] = field(default_factory=list)
    account_links: dict = field(default_factory=dict)  # see FakeAccountLinks
    invitations: dict = field(default_factory=dict)  # see FakeInvitations
    external_identities: dict = field(default_factory=dict)  # see FakeExternalIdentities


def stored(aggregate):
    """What a database keeps of an aggregate: its state, not the events it recorded."""
    kept = copy.deepcopy(aggregate)
    kept.events = []
    return kept


class FakeClasses:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def get(self, class_id: UUID, *, for_update: bool = False) -> Classroom | None:
        classroom = self._store.classes.get(class_id)
        return copy.deepcopy(classroom) if classroom else None

    async def add(self, classroom: Classroom) -> None:
        self._store.classes[classroom.id] = stored(classroom)

    async def save(self, classroom: Classroom) -> None:
        self._store.classes[classroom.id] = stored(classroom)


class FakeAttendance:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def find_active(
        self,
        addressee: Identity,
        class_id: UUID | None = None,
        *,
        with_marks: bool = False,
        student_view: UUID | None = None,
    ) -> AttendanceSession | None:
        candidates = []
        for session in self._store.sessions.values():
            addressed = self._store.classes[session.class_id].is_visible_to(addressee)
            if session.is_active and addressed and class_id in (None, session.class_id):
                candidates.append(session)
        if not candidates:
            return None
        found = copy.deepcopy(max(candidates, key=lambda s: s.started_at))
        found.roster = frozenset(self._store.classes[found.class_id].student_ids)
        if student_view is not None:
            found.roster &= {student_view}
        found.private_marks = self._store.classes[found.class_id].private_marks
        found.extra_statuses = frozenset(self._store.classes[found.class_id].extra_statuses)
        if not with_marks:
            found.marks = {}
            found.checked_in = set()
        elif student_view is not None:
            found.marks = {s: v for s, v in found.marks.items() if s == student_view}
            found.checked_in = found.checked_in & {student_view}
        return found

    async def lock_for_finish(self, session_id: UUID) -> AttendanceSession | None:
        session = self._store.sessions.get(session_id)
        if session is None or not session.is_active:
            return None
        found = copy.deepcopy(session)
        found.roster = frozenset(self._store.classes[found.class_id].student_ids)
        found.private_marks = self._store.classes[found.class_id].private_marks
        found.extra_statuses = frozenset(self._store.classes[found.class_id].extra_statuses)
        return found

    async def add(self, session: AttendanceSession) -> None:
        self._store.sessions[session.id] = stored(session)

    async def save_marks(self, session: AttendanceSession, marked: Sequence[UUID]) -> int | None:
        stored = self._store.sessions.get(session.id)
        if stored is None or not stored.is_active:
            return None
        for student_id in set(marked):
            checked_in = student_id in session.checked_in
            if checked_in and student_id in stored.marks:
                return None  # a check-in only ever adds a mark
            stored.marks[student_id] = session.marks[student_id]
            if checked_in:
                stored.checked_in.add(student_id)
            else:
                stored.checked_in.discard(student_id)
            self._store.marked_at[(session.id, student_id)] = datetime.now(UTC)
        seq = None
        for _ in marked:
            seq = await self.next_broadcast_number(session.class_id)
        return seq

    async def save_check_in(self, session: AttendanceSession) -> bytes | None:
        stored = self._store.sessions[session.id]
        stored.check_in_open = session.check_in_open
        if stored.check_in_secret is None:
            stored.check_in_secret = session.check_in_secret
        return stored.check_in_secret

    async def get_finished(self, class_id: UUID, session_id: UUID) -> FinishedSession | None:
        found = next(
            (f for f in self._store.finished if f.id == session_id and f.class_id == class_id),
            None,
        )
        return copy.deepcopy(found)

    async def save_correction(self, correction: Correction) -> None:
        self._store.corrections.append(correction)
        for index, finished in enumerate(self._store.finished):
            if finished.id == correction.session_id:
                records = [
                    replace(r, status=correction.to_status, corrected=True)
                    if r.student_id == correction.student_id
                    else r
                    for r in finished.records
                ]
                self._store.finished[index] = replace(finished, records=records)

    async def count_for_summary(
        self, addressee: Identity, class_id: UUID | None = None
    ) -> tuple[MarkCount, int] | None:
        session = await self.find_active(addressee, class_id, with_marks=True)
        if session is None:
            return None
        return session.count_marks(), await self.next_broadcast_number(session.class_id)

    async def next_broadcast_number(self, class_id: UUID) -> int:
        self._store.live_seq[class_id] = self._store.live_seq.get(class_id, 0) + 1
        return self._store.live_seq[class_id]

    async def lock_starts(self, class_id: UUID) -> None:
        pass  # one unit of work at a time here

    async def discard_active(self, class_id: UUID) -> None:
        for session_id, session in list(self._store.sessions.items()):
            if session.class_id == class_id and session.is_active:
                del self._store.sessions[session_id]

    async def save_finished(self, finished: FinishedSession) -> None:
        stored = self._store.sessions[finished.id]
        stored.ended_at = finished.ended_at
        stored.marks = {}
        self._store.finished.append(finished)


class FakeViews:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def list_students(
        self, search: str | None = None, limit: int | None = None, *, whole_email: bool = False
    ) -> list[UserSummary]:
        prefix = (search or "").lower()

        def email_matches(email: str) -> bool:
            return email.lower() == prefix if whole_email else email.lower().startswith(prefix)

        found = sorted(
            (
                UserSummary(u.id, u.name, u.email)
                for u in self._store.users.values()
                if u.role is Role.STUDENT
                and u.is_active
                and (u.name.lower().startswith(prefix) or email_matches(u.email))
            ),
            key=lambda s: (not (whole_email and s.email.lower() == prefix), s.name, str(s.id)),
        )
        return found[:limit] if limit is not None else found

    async def list_for(self, member: Identity, include_archived: bool = False) -> list[Classroom]:
        return sorted(
            (
                copy.deepcopy(c)
                for c in self._store.classes.values()
                if c.is_visible_to(member) and (include_archived or not c.archived)
            ),
            key=lambda c: (c.class_name, str(c.id)),
        )

    async def get_with_students(self, class_id: UUID):
        classroom = copy.deepcopy(self._store.classes.get(class_id))
        if classroom is None:
            return None
        users = self._store.users
        students = [
            UserSummary(users[i].id, users[i].name, users[i].email)
            for i in classroom.student_ids
            if i in users
        ]
        return classroom, students

    async def ids_for(self, members: Sequence[Identity]):
        ids = {}
        for member in members:
            user = self._store.users.get(member.user_id)
            if user is not None and user.role is member.role:
                classes = await self.list_for(member, True)
                ids[member] = (user.standing, [classroom.id for classroom in classes])
        return ids

    async def latest_status(self, class_id: UUID, student_id: UUID) -> AttendanceStatus | None:
        for finished in await self.finished_sessions(class_id):
            for record in finished.records:
                if record.student_id == student_id:
                    return record.status
        return None

    async def student_history(self, class_id: UUID, student_id: UUID):
        return [
            (finished, record)
            for finished in await self.finished_sessions(class_id)
            for record in finished.records
            if record.student_id == student_id
        ]

    async def corrections(self, class_id: UUID) -> list[Correction]:
        return sorted(
            (c for c in self._store.corrections if c.class_id == class_id),
            key=lambda c: c.corrected_at,
            reverse=True,
        )

    def _tallies(self, class_id: UUID, period: ReportPeriod):
        held = [
            f
            for f in self._store.finished
            if f.class_id == class_id
            and (period.since is None or f.started_at >= period.since)
            and (period.until is None or f.started_at < period.until)
        ]
        by_student: dict[UUID, list[AttendanceStatus]] = {}
        for finished in held:
            for record in finished.records:
                by_student.setdefault(record.student_id, []).append(record.status)

        def tally(student_id: UUID) -> StudentTally:
            statuses = by_student.get(student_id, [])
            return StudentTally(
                class_id,
                student_id,
                len(statuses),
                *(statuses.count(s) for s in AttendanceStatus),
            )

        return len(held), tally

    async def class_report(self, class_id: UUID, period: ReportPeriod):
        held, tally = self._tallies(class_id, period)
        _, students = await self.get_with_students(class_id)
        return held, [(s, tally(s.id)) for s in sorted(students, key=lambda s: (s.name, str(s.id)))]

    async def student_report(self, student_id: UUID, period: ReportPeriod):
        found = []
        for classroom in await self.list_for(Identity(student_id, Role.STUDENT), True):
            held, tally = self._tallies(classroom.id, period)
            found.append((classroom, held, tally(student_id)))
        return found

    async def history_csv_page(
        self, class_id: UUID, after, sessions: int, *, header: bool = False
    ) -> HistoryCsvPage:
        """As the CSV writer in Python writes it (the database writes it with COPY)."""
        found = sorted(
            (f for f in self._store.finished if f.class_id == class_id),
            key=lambda f: (f.started_at, str(f.id)),
        )
        if after is not None:
            found = [f for f in found if (f.started_at, str(f.id)) > (after[0], str(after[1]))]
        page = found[:sessions]
        rows = [row for finished in page for row in self._history_of(finished)]
        text = csv_text(HISTORY_COLUMNS, rows)[1:]  # without the byte-order mark
        if not header:
            text = text.split("\r\n", 1)[1]
        more = len(found) > sessions
        return HistoryCsvPage(
            text.encode(),
            len(rows),
            len(page),
            (page[-1].started_at, page[-1].id) if more else None,
        )

    def _history_of(self, finished: FinishedSession):
        users = self._store.users
        for record in sorted(
            finished.records, key=lambda r: (users[r.student_id].name, str(r.student_id))
        ):
            original = next(
                (
                    c.from_status
                    for c in sorted(self._store.corrections, key=lambda c: c.corrected_at)
                    if c.session_id == finished.id and c.student_id == record.student_id
                ),
                record.status,
            )
            user = users[record.student_id]
            yield (
                str(finished.id),
                iso_timestamp(finished.started_at),
                iso_timestamp(finished.ended_at),
                str(record.student_id),
                user.name,
                user.email,
                record.status.value,
                original.value,
                "true" if record.corrected else "false",
            )

    async def finished_sessions(self, class_id: UUID) -> list[FinishedSession]:
        return sorted(
            (f for f in self._store.finished if f.class_id == class_id),
            key=lambda f: f.ended_at,
            reverse=True,
        )

    async def live_state(self, member: Identity) -> list[ClassLiveState]:
        states = []
        for classroom in await self.list_for(member, include_archived=True):
            session = next(
                (
                    s
                    for s in self._store.sessions.values()
                    if s.class_id == classroom.id and s.is_active
                ),
                None,
            )
            live = None
            if session is not None:
                marks = [
                    LiveMark(student_id, status, student_id in session.checked_in)
                    for student_id, status in session.marks.items()
                    if member.role is Role.TEACHER or student_id == member.user_id
                ]
                live = LiveSessionState(
                    session.id, session.started_at, session.check_in_open, marks
                )
            seq = self._store.live_seq.get(classroom.id, 0)
            states.append(
                ClassLiveState(
                    classroom.id,
                    seq,
                    classroom.private_marks,
                    live,
                    classroom.statuses,
                    classroom.archived,
                    classroom.class_name,
                )
            )
        return states

    async def broadcasts_since(self, class_ids, since: datetime) -> list[ClassBroadcast]:
        happened = [
            (at, ClassBroadcast(s.class_id, AttendanceMarked(student_id, s.marks[student_id])))
            for (session_id, student_id), at in self._store.marked_at.items()
            if (s := self._store.sessions.get(session_id)) is not None
            and s.is_active
            and s.class_id in class_ids
            and at >= since
        ] + [
            (f.ended_at, ClassBroadcast(f.class_id, AttendanceFinished(f.summary, f.id)))
            for f in self._store.finished
            if f.class_id in class_ids and f.ended_at >= since
        ]
        return [broadcast for _, broadcast in sorted(happened, key=lambda pair: pair[0])]


class RecordingEventBus:
    def __init__(self) -> None:
        self.published: list[ClassBroadcast] = []
        self._subscribers: list = []

    def subscribe(self, deliver) -> None:
        self._subscribers.append(deliver)

    def on_reconnect(self, missed_since) -> None:
        self.missed_since = missed_since

    async def publish(self, *messages) -> None:
        for message in messages:
            self.published.append(message)
            for deliver in self._subscribers:
                deliver(message)


class FakeUnitOfWork:
    def __init__(self, store: InMemoryStore) -> None:
        self._committed_store = store
        self.commits = 0

    async def __aenter__(self) -> Self:
        self._working = copy.deepcopy(self._committed_store)
        self.users = FakeUsers(self._working.users)
        self.account_links = FakeAccountLinks(self._working.account_links)
        self.invitations = FakeInvitations(self._working)
        self.external_identities = FakeExternalIdentities(self._working.external_identities)
        self.classes = FakeClasses(self._working)
        self.attendance = FakeAttendance(self._working)
        self.views = FakeViews(self._working)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        pass

    async def commit(self) -> None:
        self.commits += 1
        names = (
            "users", "classes", "sessions", "finished", "marked_at", "live_seq", "corrections",
            "account_links", "invitations", "external_identities",
        )  # fmt: skip
        for name in names:
            setattr(self._committed_store, name, getattr(self._working, name))
        self._working = copy.deepcopy(self._committed_store)
        self.users = FakeUsers(self._working.users)
        self.account_links = FakeAccountLinks(self._working.account_links)
        self.invitations = FakeInvitations(self._working)
        self.external_identities = FakeExternalIdentities(self._working.external_identities)
        self.classes = FakeClasses(self._working)
        self.attendance = FakeAttendance(self._working)
        self.views = FakeViews(self._working)


class FakeUnitOfWorkFactory:
    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.opened: list[FakeUnitOfWork] = []

    def __call__(self) -> FakeUnitOfWork:
        uow = FakeUnitOfWork(self.store)
        self.opened.append(uow)
        return uow


class PlainHasher:
    """Reversible and instant; counts checks so tests can see a decoy check happen."""

    def __init__(self) -> None:
        self.checks = 0

    async def hash(self, password: str) -> str:
        return f"hashed:{password}"

    async def verify(self, password: str, password_hash: str | None) -> bool:
        self.checks += 1
        return password_hash is not None and password_hash == f"hashed:{password}"


class FakeTokens:
    """Tokens that say who and when (in whole seconds, on the clock given; else all at one
    moment)."""

    def __init__(self, clock=None) -> None:
        self._clock = clock

    def issue(self, identity: Identity, issued_at: datetime | None = None) -> str:
        if issued_at is None:
            issued_at = self._clock.now() if self._clock else datetime(2025, 3, 11, 9, tzinfo=UTC)
        return f"{identity.user_id}:{identity.role.value}:{int(issued_at.timestamp())}"

    def decode(self, token: str) -> IssuedToken:
        try:
            user_id, role, issued_at = token.split(":")
            identity = Identity(UUID(user_id), Role(role))
            return IssuedToken(identity, datetime.fromtimestamp(int(issued_at), UTC))
        except ValueError as error:
            raise InvalidToken() from error

    def forget_tokens_of(self, user_id: UUID) -> None:
        self.forgotten = [*getattr(self, "forgotten", []), user_id]

    def issue_device_token(self, email: str) -> str:
        self.devices_issued = getattr(self, "devices_issued", 0) + 1
        return f"device:{email.lower()}:{self.devices_issued}"

    def device_of(self, device_token: str, email: str) -> str | None:
        kind, _, rest = device_token.partition(":")
        owner, _, device = rest.partition(":")
        return device if kind == "device" and owner == email.lower() and device else None


class SteppingClock:
    """Each reading is one second after the last."""

    def __init__(self, start: datetime | None = None) -> None:
        self._next = start or datetime(2025, 3, 11, 10, 0, tzinfo=UTC)

    def now(self) -> datetime:
        moment = self._next
        self._next += timedelta(seconds=1)
        return moment


class InMemoryAttemptCounter:
    """Counts attempts; windows never run out within a test."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.turns: dict[str, int] = {}

    async def take(self, checks) -> bool:
        keys = [(rule.key(subject), rule.limit) for rule, subject in checks]
        if any(self.hits.get(key, 0) >= limit for key, limit in keys):
            return False
        for key, _ in keys:
            self.hits[key] = self.hits.get(key, 0) + 1
        return True

    async def give_back(self, checks) -> None:
        for rule, subject in checks:
            key = rule.key(subject)
            self.hits[key] = max(self.hits.get(key, 0) - 1, 0)

    async def clear(self, rule, subject) -> None:
        self.hits.pop(rule.key(subject), None)

    async def turn(self, rule, subject) -> float | None:
        """Turns as the database gives them, on a clock that stands still."""
        taken = self.turns.get(rule.key(subject), 0)
        wait = taken * rule.interval_seconds
        if wait > rule.max_wait_seconds:
            return None
        self.turns[rule.key(subject)] = taken + 1
        return wait


class RecordingMailer:
    """Keeps what it is given to send; `failing` makes it fail as a mail server that is down."""

    def __init__(self, configured: bool = True) -> None:
        self.configured = configured
        self.failing = False
        self.sent: list[Mail] = []

    async def send(self, mail: Mail) -> None:
        if self.failing or not self.configured:
            raise MailNotSent("the mail server at test:25 failed: SMTPConnectError")
        self.sent.append(mail)
