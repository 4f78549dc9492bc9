"""The interfaces the outer layers implement: repositories, the unit of work, and adapters."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from domain.account_ports import AccountLinkRepository, InvitationRepository, PrivacyRepository
from domain.attendance import AttendanceRecord, AttendanceSession, FinishedSession, MarkCount
from domain.classrooms import Classroom
from domain.corrections import Correction
from domain.events import ClassBroadcast, LiveMessage
from domain.history import HistoryCsvPage
from domain.import_ports import ImportRepository
from domain.live_state import ClassLiveState
from domain.reports import ClassOverview, ReportLine, ReportPeriod, StudentTally
from domain.sign_in_ports import ExternalIdentityRepository
from domain.statuses import AttendanceStatus
from domain.throttling import AttemptChecks, AttemptRule, PaceRule
from domain.users import Identity, IssuedToken, TokenStanding, User, UserQuery, UserSummary


class Unavailable(Exception):
    """What any port raises when what it stands for (the database) cannot be reached right
    now; nothing was changed. Not a rule of the domain: the outer layers say "try again"."""


class UserRepository(Protocol):
    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        """With for_update, the user stays locked against concurrent changes until commit."""
        ...

    async def get_by_email(self, email: str) -> User | None:
        """Emails match regardless of letter case."""
        ...

    async def add(self, user: User) -> None:
        """Raises EmailAlreadyExists when the email is taken in any letter case."""
        ...

    async def add_if_new(self, user: User) -> User:
        """The account with the user's email (in any letter case): the one given, added, or
        the one that had it. However many add one at once, one account is made."""
        ...

    async def search(self, query: UserQuery) -> list[User]:
        """The users the query names, ordered by name (then id)."""
        ...

    async def save(self, user: User) -> None:
        """Stores what may change of a user: name, password hash, role, deactivation, and
        from when its tokens work."""
        ...

    async def lock_admins(self) -> list[UUID]:
        """The active (not deactivated) administrators' ids, each locked against concurrent
        changes until commit."""
        ...

    async def revoked_since(self, moment: datetime) -> list[User]:
        """The users whose tokens were revoked at or after that moment (their
        tokens_valid_from is later than it)."""
        ...


class ClassroomRepository(Protocol):
    async def get(self, class_id: UUID, *, for_update: bool = False) -> Classroom | None:
        """With for_update, the class stays locked against concurrent changes until commit."""
        ...

    async def add(self, classroom: Classroom) -> None: ...

    async def save(self, classroom: Classroom) -> None: ...


class AttendanceRepository(Protocol):
    async def find_active(
        self,
        addressee: Identity,
        class_id: UUID | None = None,
        *,
        with_marks: bool = False,
        student_view: UUID | None = None,
    ) -> AttendanceSession | None:
        """The unfinished session a user's live event addresses: of a class the teacher owns or
        the student is enrolled in, the one of class_id if given, else the most recently
        started. Marks are loaded only with_marks. Given student_view, the session as that
        student sees it: their own place on the roster and their own mark, no classmate's
        (what a student's own status or check-in needs, at any size of class)."""
        ...

    async def lock_for_finish(self, session_id: UUID) -> AttendanceSession | None:
        """The session with its marks, locked until commit; None if it is no longer active
        (finished or replaced meanwhile)."""
        ...

    async def add(self, session: AttendanceSession) -> None: ...

    async def save_marks(self, session: AttendanceSession, marked: Sequence[UUID]) -> int | None:
        """Stores the session's current mark for each of those students (in one statement,
        whatever their number) and takes one broadcast number of the class for each entry of
        `marked` (the students in the order they were marked, repeats included), atomically
        with checking that the session is still active and that a check-in adds a mark and
        replaces none. Answers the last number taken; None (nothing stored) if the session
        finished or was replaced, or a check-in met a mark already there."""
        ...

    async def save_check_in(self, session: AttendanceSession) -> bytes | None:
        """Stores whether check-in is open, and the session's secret unless it has one
        already (two teachers' tabs opening at once agree on one); answers the stored one."""
        ...

    async def get_finished(self, class_id: UUID, session_id: UUID) -> FinishedSession | None:
        """A finished session of that class, with every record as corrected, kept from
        deletion (retention) until the unit of work ends, so that what is written about it
        then finds it; if its deletion was under way, it is waited for and None answered."""
        ...

    async def save_correction(self, correction: Correction) -> None:
        """Adds the correction to the class's audit trail and makes its status the record's
        current one (the status the session ended with is kept)."""
        ...

    async def count_for_summary(
        self, addressee: Identity, class_id: UUID | None = None
    ) -> tuple[MarkCount, int] | None:
        """The marks of the session find_active finds, counted (MarkCount), and the class's
        next broadcast number, taken for sharing the count: one step, committed by itself.
        None, and no number taken, without an active session."""
        ...

    async def next_broadcast_number(self, class_id: UUID) -> int:
        """Takes the class's next broadcast number (1, 2, 3, ...); kept until commit."""
        ...

    async def lock_starts(self, class_id: UUID) -> None:
        """Until commit, no other start of a session of the class runs. (The class's row is
        not locked: marks update it while they hold their session, and a start that held it
        while waiting for their session would deadlock with them.)"""
        ...

    async def discard_active(self, class_id: UUID) -> None:
        """Drops the class's unfinished session, if any, with its marks."""
        ...

    async def save_finished(self, finished: FinishedSession) -> None:
        """Closes the session and stores one record per student in place of its marks."""
        ...


class Views(Protocol):
    """The read side: plain queries returning plain data, for what users look at."""

    async def list_students(
        self, search: str | None = None, limit: int | None = None, *, whole_email: bool = False
    ) -> list[UserSummary]:
        """Students by name (deactivated ones left out); with search, those whose name or
        email starts with it (in any letter case); at most limit of them. With whole_email,
        the email must be the search itself (in any letter case), and such a student comes
        first."""
        ...

    async def list_for(self, member: Identity, include_archived: bool = False) -> list[Classroom]:
        """The classes a teacher owns or a student is enrolled in, by name; archived ones only
        if asked."""
        ...

    async def get_with_students(self, class_id: UUID) -> tuple[Classroom, list[UserSummary]] | None:
        """The class and its enrolled students (in enrolment order), read together."""
        ...

    async def ids_for(
        self, members: Sequence[Identity]
    ) -> dict[Identity, tuple[TokenStanding, list[UUID]]]:
        """Just the ids of those classes (a class's roster can be thousands of ids), for each
        member, with the standing of its account (which tokens it accepts); one without an
        account (of that role) is left out. One query for all."""
        ...

    async def latest_status(self, class_id: UUID, student_id: UUID) -> AttendanceStatus | None:
        """The student's status in the class's most recently finished session."""
        ...

    async def finished_sessions(self, class_id: UUID) -> list[FinishedSession]:
        """The class's finished sessions, newest first."""
        ...

    async def broadcasts_since(
        self, class_ids: list[UUID], since: datetime
    ) -> list[ClassBroadcast]:
        """What those classes heard since a moment, as it stands now: each live mark set
        since then, and each session finished since then (with its summary), oldest first."""
        ...

    async def live_state(self, member: Identity) -> list[ClassLiveState]:
        """For each class of the member: its latest broadcast number and its live session, if
        any, with every mark for its teacher and only the student's own for a student."""
        ...

    async def student_history(
        self, class_id: UUID, student_id: UUID
    ) -> list[tuple[FinishedSession, AttendanceRecord]]:
        """The class's finished sessions the student has a record in, newest first, with the
        student's record in each, as corrected (the sessions carry no records)."""
        ...

    async def corrections(self, class_id: UUID) -> list[Correction]:
        """The class's audit trail, newest first."""
        ...

    async def class_report(
        self, class_id: UUID, period: ReportPeriod
    ) -> tuple[int, list[ReportLine]]:
        """The finished sessions held in the period, and the counts of each enrolled student
        and of anyone else with records in it (by name). Over the whole history (no period)
        from totals kept as records are written, not from the records."""
        ...

    async def student_report(
        self, student_id: UUID, period: ReportPeriod
    ) -> list[tuple[Classroom, int, StudentTally]]:
        """For each class the student is enrolled in: the sessions held and their counts."""
        ...

    async def history_csv_page(
        self,
        class_id: UUID,
        after: tuple[datetime, UUID] | None,
        sessions: int,
        *,
        header: bool = False,
    ) -> HistoryCsvPage:
        """The class's history as CSV (one line per finished session and student, oldest
        session first), in pages of whole sessions: up to `sessions` of those after `after`
        (when it started, its id); the header line first when asked."""
        ...

    async def school_report(self, period: ReportPeriod) -> list[ClassOverview]:
        """Every class, archived ones too, by name, with its teacher, its number of enrolled
        students, the sessions held in the period and its records' totals (in one query,
        however many classes)."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without commit() rolls back."""

    users: UserRepository
    account_links: AccountLinkRepository
    external_identities: ExternalIdentityRepository
    invitations: InvitationRepository
    imports: ImportRepository
    classes: ClassroomRepository
    attendance: AttendanceRepository
    views: Views
    privacy: PrivacyRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """A None hash still costs one full check, so unknown accounts take as long as known
        ones; it always answers False."""
        ...


class TokenCodec(Protocol):
    def issue(self, identity: Identity, issued_at: datetime | None = None) -> str:
        """A token that says it was issued at that moment (in whole seconds), or now."""
        ...

    def decode(self, token: str) -> IssuedToken:
        """Raises InvalidToken for anything but a valid, unexpired token of ours. A token
        that does not say when it was issued is taken as issued long ago."""
        ...

    def forget_tokens_of(self, user_id: UUID) -> None:
        """The account's tokens were revoked: any of them this codec remembers having verified
        is verified again when it comes back (whether the account still accepts it is the
        account's standing's to say, not the codec's)."""
        ...

    def issue_device_token(self, email: str) -> str:
        """A token a client keeps after logging in to that email, naming a new device."""
        ...

    def device_of(self, device_token: str, email: str) -> str | None:
        """The device a valid device token of that email names; None for anything else."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current UTC time, to the millisecond."""
        ...


class EventBus(Protocol):
    """Carries live messages to every server process, where they reach connected sockets."""

    async def publish(self, *messages: LiveMessage) -> None:
        """Sends the messages, in order (an aggregate's recorded events, after its commit)."""
        ...

    def subscribe(self, deliver: Callable[[LiveMessage], None]) -> None:
        """deliver is called for every message published by any process; messages of one
        publisher arrive in the order they were published."""
        ...

    def on_reconnect(
        self, missed_since: Callable[[datetime], Awaitable[list[LiveMessage]]]
    ) -> None:
        """After the bus could not hear other processes for a while, it asks missed_since
        for what was published from that moment on, and delivers it before anything newer."""
        ...


class AttemptCounter(Protocol):
    """Counts attempts per rule and subject, shared by every server process."""

    async def take(self, checks: AttemptChecks) -> bool:
        """Counts one attempt against every check, atomically for each: True if all had room;
        False if any was used up, and then nothing stays counted. However many attempts
        arrive at once, at most a rule's limit are let through."""
        ...

    async def give_back(self, checks: AttemptChecks) -> None:
        """Uncounts one attempt taken earlier."""
        ...

    async def clear(self, rule: AttemptRule, subject: str) -> None: ...

    async def turn(self, rule: PaceRule, subject: str) -> float | None:
        """Takes the subject's next turn under the rule: the seconds to wait for it, or None
        (nothing taken) when it is further than the rule's longest wait. Turns are one
        interval apart, whichever process takes them."""
        ...


class DatabaseProbe(Protocol):
    async def is_reachable(self) -> bool: ...

    async def schema_is_current(self) -> bool:
        """Migrated to the code's latest revision."""
        ...


class BusProbe(Protocol):
    def is_listening(self) -> bool:
        """Hearing other processes' messages right now."""
        ...
