"""In-memory stand-ins for the domain's ports, for unit tests of services: no database."""

import copy
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID

from domain.account_ports import MailNotSent
from domain.errors import InvalidToken
from domain.events import ClassBroadcast
from domain.mail import Mail
from domain.users import Identity, IssuedToken, Role
from tests.unit.fake_account_links import FakeAccountLinks
from tests.unit.fake_attendance import FakeAttendance, FakeClasses
from tests.unit.fake_external_identities import FakeExternalIdentities
from tests.unit.fake_invitations import FakeInvitations
from tests.unit.fake_store import InMemoryStore
from tests.unit.fake_users import FakeUsers
from tests.unit.fake_views import FakeViews


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
        self._work_on(copy.deepcopy(self._committed_store))
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
        for held in fields(InMemoryStore):
            setattr(self._committed_store, held.name, getattr(self._working, held.name))
        self._work_on(copy.deepcopy(self._committed_store))

    def _work_on(self, working: InMemoryStore) -> None:
        """The repositories over a copy of the store, which becomes the store on commit."""
        self._working = working
        self.users = FakeUsers(working.users)
        self.account_links = FakeAccountLinks(working.account_links)
        self.invitations = FakeInvitations(working)
        self.external_identities = FakeExternalIdentities(working.external_identities)
        self.classes = FakeClasses(working)
        self.attendance = FakeAttendance(working)
        self.views = FakeViews(working)


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
