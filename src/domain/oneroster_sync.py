"""A OneRoster bundle taken against what earlier syncs made (sync_oneroster): accounts and
classes are matched by their sourcedId, so running the same bundle again changes nothing and a
nightly bundle updates what changed. The caller keeps the result (apply) or drops it (preview).

Rules (docs/imports.md says them for administrators):
- Users: role `student` and `teacher` are imported; other roles (parents, aides, SIS
  administrators) are skipped. A sourcedId seen before updates its account's name and email; a
  new one is matched to an existing account by email (of the same role), else gets a new
  account. A user inactive in the SIS (status `inactive` or `tobedeleted`, or `enabledUser`
  false), or left out of a bulk users.csv, is not made, and an existing account is
  deactivated (`to_deactivate`; its tokens revoked), but not an administrator's (a role
  conflict). A synced account active in the SIS again is reactivated if a sync deactivated it
  and nobody changed that since; one an administrator deactivated stays so (the sync still
  updates its name and email, says so, and enrols it nowhere).
- Classes: a new class is made for its primary teacher (`primary` true in enrollments.csv, else
  the first teacher enrolled); a known class follows its title and teacher. A class inactive in
  the SIS, or left out of a bulk classes.csv, is archived (records kept); the sync never
  unarchives.
- Enrolments: active student enrolments enrol (not a deactivated student: refused);
  inactive ones take the student off. With a bulk
  enrollments.csv, a synced class's roster is the file's: its students who came from the SIS and
  are not enrolled there are taken off; students added by hand who are not from the SIS stay."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from domain.classrooms import MAX_CLASS_NAME_LENGTH, Classroom
from domain.imports import display_name, has_control_characters
from domain.oneroster import (
    CLASSES_FILE,
    ENROLLMENTS_FILE,
    MAX_SOURCED_ID_LENGTH,
    USERS_FILE,
    FileMode,
    OneRosterBundle,
    OneRosterClass,
    OneRosterUser,
    RecordStatus,
    SyncOutcome,
    SyncProblem,
    SyncRow,
    record_status,
)
from domain.oneroster_enrollments import SyncedState, take_enrollments
from domain.users import MAX_NAME_LENGTH, NO_PASSWORD, Role, User, is_valid_email

IMPORTED_ROLES = {"student": Role.STUDENT, "teacher": Role.TEACHER}


@dataclass(frozen=True, slots=True)
class OneRosterSituation:
    users: Mapping[str, User]  # every account synced before, by its sourcedId
    classes: Mapping[str, Classroom]  # every class synced before, by its sourcedId
    by_email: Mapping[str, User]  # the accounts of the bundle's emails, by lower-cased email
    now: datetime  # when the sync runs: its deactivations are dated then
    # The synced accounts whose deactivation a sync made (nobody reactivated or deactivated
    # them since): a sync may reactivate these, and no others.
    deactivated_by_sync: frozenset[UUID] = frozenset()


@dataclass(slots=True)
class OneRosterSync:
    rows: list[SyncRow] = field(default_factory=list)
    new_users: list[User] = field(default_factory=list)
    changed_users: list[User] = field(default_factory=list)  # a new name or email
    user_sources: list[tuple[str, UUID]] = field(default_factory=list)  # sourcedIds to keep
    new_classes: list[Classroom] = field(default_factory=list)
    changed_classes: list[Classroom] = field(default_factory=list)  # their events recorded
    class_sources: list[tuple[str, UUID]] = field(default_factory=list)
    # Accounts inactive in the SIS, or gone from it, deactivated by this sync (their
    # TokensRevoked recorded), and those active again that a sync had deactivated.
    to_deactivate: list[User] = field(default_factory=list)
    reactivated: list[User] = field(default_factory=list)

    def count(self, file: str, outcome: SyncOutcome) -> int:
        return sum(row.file == file and row.outcome is outcome for row in self.rows)


class _Refused(Exception):
    def __init__(
        self,
        problem: SyncProblem,
        outcome: SyncOutcome = SyncOutcome.REFUSED,
        earlier: int | None = None,
    ) -> None:
        self.problem = problem
        self.outcome = outcome
        self.earlier = earlier


def _check_id(sourced_id: str, seen: Mapping[str, int]) -> None:
    if not sourced_id:
        raise _Refused(SyncProblem.MISSING_SOURCED_ID)
    if len(sourced_id) > MAX_SOURCED_ID_LENGTH or has_control_characters(sourced_id):
        raise _Refused(SyncProblem.SOURCED_ID_TOO_LONG)
    if sourced_id in seen:
        raise _Refused(SyncProblem.DUPLICATE, earlier=seen[sourced_id])


def _status(text: str) -> RecordStatus:
    status = record_status(text)
    if status is None:
        raise _Refused(SyncProblem.BAD_STATUS)
    return status


def _check_name(name: str) -> None:
    if not name:
        raise _Refused(SyncProblem.MISSING_NAME)
    if len(name) > MAX_NAME_LENGTH:
        raise _Refused(SyncProblem.NAME_TOO_LONG)
    if has_control_characters(name):
        raise _Refused(SyncProblem.BAD_NAME)


def _is_true(text: str) -> bool:
    return text.lower() == "true"


class _Sync:
    def __init__(self, bundle: OneRosterBundle, situation: OneRosterSituation) -> None:
        self._bundle = bundle
        self._situation = situation
        self._result = OneRosterSync()
        self._users: dict[str, User] = dict(situation.users)  # by sourcedId
        self._synced_ids = {user.id for user in situation.users.values()}  # from the SIS
        self._emails: dict[str, int] = {}  # lower-cased emails the file's users take -> line
        self._classes: dict[str, Classroom] = dict(situation.classes)  # by sourcedId
        self._new_class_ids: set[UUID] = set()
        self._changed: dict[UUID, Classroom] = {}

    def run(self) -> OneRosterSync:
        self._take_users()
        teachers = self._main_teachers()
        self._take_classes(teachers)
        state = SyncedState(
            users=self._users,
            classes=self._classes,
            synced_ids=frozenset(self._synced_ids),
            new_class_ids=frozenset(self._new_class_ids),
            teachers=teachers,
        )
        enrollments = take_enrollments(
            self._bundle.enrollments, self._bundle.mode(ENROLLMENTS_FILE), state
        )
        self._result.rows.extend(enrollments.rows)
        self._changed.update(enrollments.changed)
        new = {classroom.id for classroom in self._result.new_classes}
        self._result.changed_classes = [c for c in self._changed.values() if c.id not in new]
        return self._result

    def _row(self, file: str, line: int | None, sid: str, subject: str, outcome: SyncOutcome,
             problem: SyncProblem | None = None, earlier: int | None = None) -> None:  # fmt: skip
        self._result.rows.append(SyncRow(file, line, sid, subject, outcome, problem, earlier))

    def _refused(self, file: str, line: int, sid: str, subject: str, refused: _Refused) -> None:
        self._row(file, line, sid, subject, refused.outcome, refused.problem, refused.earlier)

    # users.csv

    def _take_users(self) -> None:
        seen: dict[str, int] = {}
        for record in self._bundle.users:
            name = display_name(
                record.preferred_given_name or record.given_name,
                record.preferred_family_name or record.family_name,
            )
            try:
                outcome, problem = self._user(record, name, seen)
            except _Refused as refused:
                self._refused(USERS_FILE, record.line, record.sourced_id, name, refused)
            else:
                self._row(USERS_FILE, record.line, record.sourced_id, name, outcome, problem)
            seen.setdefault(record.sourced_id, record.line)
        if self._bundle.mode(USERS_FILE) is FileMode.BULK:
            for sid, user in self._situation.users.items():
                if sid in seen or not user.is_active:
                    continue  # a deactivated account stays so, and is said once
                try:
                    outcome, problem = self._deactivate(user, None), SyncProblem.ABSENT_FROM_BULK
                except _Refused as refused:
                    outcome, problem = refused.outcome, refused.problem
                self._row(USERS_FILE, None, sid, user.name, outcome, problem)

    def _deactivate(self, user: User, role: Role | None) -> SyncOutcome:
        """An account the SIS says is inactive or gone (as `role`, if it says): deactivated,
        unless it has another role here (an administrator's is never the sync's to
        deactivate)."""
        if user.role not in IMPORTED_ROLES.values() or (role is not None and user.role is not role):
            raise _Refused(SyncProblem.ROLE_CONFLICT)
        if not user.is_active:
            return SyncOutcome.UNCHANGED
        user.deactivate(self._situation.now)
        self._result.to_deactivate.append(user)
        return SyncOutcome.DEACTIVATED

    def _user(
        self, record: OneRosterUser, name: str, seen: Mapping[str, int]
    ) -> tuple[SyncOutcome, SyncProblem | None]:
        _check_id(record.sourced_id, seen)
        active = _status(record.status) is RecordStatus.ACTIVE
        active = active and record.enabled_user.lower() != "false"
        if not record.roles or not record.roles[0]:
            raise _Refused(SyncProblem.MISSING_ROLE)
        role = IMPORTED_ROLES.get(record.roles[0].lower())
        if role is None:
            raise _Refused(SyncProblem.ROLE_NOT_IMPORTED, SyncOutcome.SKIPPED)
        known = self._situation.users.get(record.sourced_id)
        if not active:
            if known is None:
                raise _Refused(SyncProblem.INACTIVE, SyncOutcome.SKIPPED)
            return self._deactivate(known, role), None
        _check_name(name)
        email = record.email or (record.username if is_valid_email(record.username) else "")
        if not is_valid_email(email):
            raise _Refused(SyncProblem.MALFORMED_EMAIL)
        if email.lower() in self._emails:
            raise _Refused(SyncProblem.EMAIL_TAKEN, earlier=self._emails[email.lower()])
        if known is None:
            outcome = self._new_user(record.sourced_id, name, email, role)
        else:
            outcome = self._known_user(known, name, email, role)
        self._emails[email.lower()] = record.line
        return self._active_again(self._users[record.sourced_id], outcome)

    def _active_again(
        self, user: User, outcome: SyncOutcome
    ) -> tuple[SyncOutcome, SyncProblem | None]:
        """An account the SIS says is active: reactivated if a sync deactivated it (its tokens
        from before stay revoked); one an administrator deactivated stays so."""
        if user.is_active:
            return outcome, None
        if user.id not in self._situation.deactivated_by_sync:
            return outcome, SyncProblem.DEACTIVATED_HERE
        user.reactivate()
        self._result.reactivated.append(user)
        return SyncOutcome.REACTIVATED, None

    def _new_user(self, sid: str, name: str, email: str, role: Role) -> SyncOutcome:
        existing = self._situation.by_email.get(email.lower())
        if existing is None:
            user = User(uuid4(), name, email, NO_PASSWORD, role)
            self._result.new_users.append(user)
            outcome = SyncOutcome.CREATED
        elif existing.id in self._synced_ids:  # synced under another sourcedId
            raise _Refused(SyncProblem.EMAIL_TAKEN)
        elif existing.role is not role:
            raise _Refused(SyncProblem.ROLE_CONFLICT)
        else:
            user = existing
            if user.name != name:
                user.name = name
                self._result.changed_users.append(user)
            outcome = SyncOutcome.LINKED
        self._synced_ids.add(user.id)
        self._users[sid] = user
        self._result.user_sources.append((sid, user.id))
        return outcome

    def _known_user(self, user: User, name: str, email: str, role: Role) -> SyncOutcome:
        if user.role is not role:
            raise _Refused(SyncProblem.ROLE_CONFLICT)
        other = self._situation.by_email.get(email.lower())
        if other is not None and other.id != user.id:
            raise _Refused(SyncProblem.EMAIL_TAKEN)
        if (user.name, user.email) == (name, email):
            return SyncOutcome.UNCHANGED
        user.name, user.email = name, email
        self._result.changed_users.append(user)
        return SyncOutcome.UPDATED

    # The teacher of each class: its primary teacher, else the first teacher enrolled.

    def _main_teachers(self) -> dict[str, User]:
        chosen: dict[str, tuple[User, bool]] = {}
        for record in self._bundle.enrollments:
            active = record_status(record.status) is RecordStatus.ACTIVE
            if record.role.lower() != "teacher" or not active:
                continue
            user = self._users.get(record.user_sourced_id)
            if user is None or user.role is not Role.TEACHER:
                continue
            primary = _is_true(record.primary)
            current = chosen.get(record.class_sourced_id)
            if current is None or (primary and not current[1]):
                chosen[record.class_sourced_id] = (user, primary)
        return {sid: user for sid, (user, _) in chosen.items()}

    # classes.csv

    def _take_classes(self, teachers: Mapping[str, User]) -> None:
        seen: dict[str, int] = {}
        for record in self._bundle.classes:
            try:
                outcome = self._class(record, seen, teachers)
            except _Refused as refused:
                self._refused(CLASSES_FILE, record.line, record.sourced_id, record.title, refused)
            else:
                self._row(CLASSES_FILE, record.line, record.sourced_id, record.title, outcome)
            seen.setdefault(record.sourced_id, record.line)
        if self._bundle.mode(CLASSES_FILE) is FileMode.BULK:
            for sid, classroom in self._situation.classes.items():
                if sid not in seen and self._archive(classroom):
                    self._row(CLASSES_FILE, None, sid, classroom.class_name,
                              SyncOutcome.ARCHIVED, SyncProblem.ABSENT_FROM_BULK)  # fmt: skip

    def _class(
        self, record: OneRosterClass, seen: Mapping[str, int], teachers: Mapping[str, User]
    ) -> SyncOutcome:
        _check_id(record.sourced_id, seen)
        status = _status(record.status)
        known = self._situation.classes.get(record.sourced_id)
        if status is not RecordStatus.ACTIVE:
            if known is None:
                raise _Refused(SyncProblem.INACTIVE, SyncOutcome.SKIPPED)
            return SyncOutcome.ARCHIVED if self._archive(known) else SyncOutcome.UNCHANGED
        title = " ".join(record.title.split())
        if not title or len(title) > MAX_CLASS_NAME_LENGTH or has_control_characters(title):
            raise _Refused(SyncProblem.BAD_TITLE)
        if known is not None:
            if not known.change(class_name=title):
                return SyncOutcome.UNCHANGED
            self._changed[known.id] = known
            return SyncOutcome.UPDATED
        teacher = teachers.get(record.sourced_id)
        if teacher is None:
            raise _Refused(SyncProblem.NO_TEACHER)
        classroom = Classroom.create(uuid4(), title, teacher.id)
        self._classes[record.sourced_id] = classroom
        self._new_class_ids.add(classroom.id)
        self._result.new_classes.append(classroom)
        self._result.class_sources.append((record.sourced_id, classroom.id))
        return SyncOutcome.CREATED

    def _archive(self, classroom: Classroom) -> bool:
        if classroom.archived:
            return False
        classroom.change(archived=True)
        self._changed[classroom.id] = classroom
        return True


def sync_oneroster(bundle: OneRosterBundle, situation: OneRosterSituation) -> OneRosterSync:
    """Takes the bundle's users, then its classes, then its enrolments: the accounts and
    classes to make, and those changed (their events recorded)."""
    return _Sync(bundle, situation).run()
