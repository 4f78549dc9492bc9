"""A roster CSV: one student a row (`name,email`), and the class to enrol them in (`class`;
for an administrator, with the class's teacher: `teacher`, the teacher's email, which makes
the class when that teacher has none of that name). `import_roster` takes the rows in order
against what exists: each row makes a student account, enrols a student, finds all as it is,
or is refused with its reason; the caller keeps the result (apply) or drops it (preview).

Rules:
- Emails are one account whatever their letter case. An existing account keeps its name.
- The same email twice for one class (or twice without a class) is a duplicate: the later line
  is refused. A new account's email again with another name is refused (two people, one email).
- Only students are imported: an email of a teacher's or administrator's account is refused.
- A deactivated student's account is refused: an import neither enrolls nor reactivates it.
- Classes are found by name (any letter case), among those not archived. A teacher's import
  goes into the class whose page it came from, or into another class of theirs named in the
  row; an administrator's into the class of that name (of the teacher given, if one is), made
  for that teacher when they have none.
- The same file twice changes nothing the second time: a row found no class the first time
  finds none the second, and a class the first made is the one the second finds."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID, uuid4

from domain.classrooms import MAX_CLASS_NAME_LENGTH, Classroom
from domain.imports import has_control_characters
from domain.users import MAX_NAME_LENGTH, NO_PASSWORD, Identity, Role, User, is_valid_email


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One row, its cells trimmed ("" for a cell left empty or a column not in the file)."""

    line: int
    name: str
    email: str
    class_name: str = ""
    teacher_email: str = ""


@dataclass(frozen=True, slots=True)
class RosterFile:
    entries: list[RosterEntry]
    ignored_columns: list[str]  # columns of the file that are none of the roster's


class RowOutcome(StrEnum):
    CREATED = "created"  # a new student account (enrolled, with a class)
    ENROLLED = "enrolled"  # a student enrolled in the class
    UNCHANGED = "unchanged"  # already so
    REFUSED = "refused"


class RowProblem(StrEnum):
    MISSING_NAME = "missing-name"
    NAME_TOO_LONG = "name-too-long"
    BAD_NAME = "bad-name"
    MALFORMED_EMAIL = "malformed-email"
    DUPLICATE = "duplicate"
    CONFLICTING_NAME = "conflicting-name"
    ROLE_CONFLICT = "role-conflict"
    ACCOUNT_DEACTIVATED = "account-deactivated"
    BAD_CLASS_NAME = "bad-class-name"
    UNKNOWN_CLASS = "unknown-class"
    NOT_YOUR_CLASS = "not-your-class"
    AMBIGUOUS_CLASS = "ambiguous-class"
    TEACHER_NOT_ALLOWED = "teacher-not-allowed"
    MALFORMED_TEACHER_EMAIL = "malformed-teacher-email"
    UNKNOWN_TEACHER = "unknown-teacher"
    NOT_A_TEACHER = "not-a-teacher"


@dataclass(frozen=True, slots=True)
class RowResult:
    entry: RosterEntry
    outcome: RowOutcome
    problem: RowProblem | None = None
    earlier_line: int | None = None  # the line a duplicate or conflicting name repeats
    user_id: UUID | None = None
    class_id: UUID | None = None
    new_class: bool = False  # the row's class is made by this import


@dataclass(frozen=True, slots=True)
class RosterSituation:
    """What exists, as far as the file is concerned."""

    importer: Identity
    users: Mapping[str, User]  # by lower-cased email: the file's students and teachers (a
    # teacher's own account among them when the file names them)
    classes: Sequence[Classroom]  # not archived, of the names in the file
    target: Classroom | None = None  # a teacher's import: the class of the page


@dataclass(slots=True)
class RosterImport:
    rows: list[RowResult] = field(default_factory=list)
    new_users: list[User] = field(default_factory=list)
    new_classes: list[Classroom] = field(default_factory=list)
    # Every class a student was enrolled in (new ones too), with the enrolments made.
    changed_classes: list[Classroom] = field(default_factory=list)

    def count(self, outcome: RowOutcome) -> int:
        return sum(row.outcome is outcome for row in self.rows)


class _Refused(Exception):
    def __init__(self, problem: RowProblem, earlier_line: int | None = None) -> None:
        self.problem = problem
        self.earlier_line = earlier_line


@dataclass(frozen=True, slots=True)
class _ClassChoice:
    classroom: Classroom | None  # None: a class still to make
    key: tuple[UUID, str] | None = None  # a class this import makes: its teacher, its name

    @property
    def identity(self) -> UUID | tuple[UUID, str]:
        if self.key is not None:
            return self.key
        assert self.classroom is not None
        return self.classroom.id


class _Importer:
    def __init__(self, situation: RosterSituation) -> None:
        self._situation = situation
        self._admin = situation.importer.role is Role.ADMIN
        self._by_name: dict[str, list[Classroom]] = {}
        for classroom in situation.classes:
            self._by_name.setdefault(classroom.class_name.lower(), []).append(classroom)
        self._new_classes: dict[tuple[UUID, str], Classroom] = {}
        # The classes an admin's rows name with a teacher who has none of that name: made
        # with the first enrolment into them, and found by name by rows naming no teacher
        # (wherever they are in the file: the same file again finds what the first made).
        self._planned: dict[str, list[tuple[UUID, str]]] = {}
        self._new_users: dict[str, tuple[User, int]] = {}  # by email: the account, its line
        self._seen: dict[tuple[str, UUID | tuple[UUID, str] | None], int] = {}  # -> line
        self._members: dict[UUID, set[UUID]] = {}
        self._enrolments: dict[UUID, list[UUID]] = {}
        self._classes: dict[UUID, Classroom] = {}

    def plan_classes(self, entries: Sequence[RosterEntry]) -> None:
        for entry in entries:
            if not (self._admin and entry.class_name and entry.teacher_email):
                continue
            try:
                teacher = self._teacher(entry.teacher_email)
            except _Refused:
                continue
            key = (teacher.id, entry.class_name.lower())
            named = self._by_name.get(key[1], [])
            planned = self._planned.setdefault(key[1], [])
            if key not in planned and not any(c.is_taught_by(teacher.id) for c in named):
                planned.append(key)

    def row(self, entry: RosterEntry) -> RowResult:
        try:
            return self._take(entry)
        except _Refused as refused:
            return RowResult(entry, RowOutcome.REFUSED, refused.problem, refused.earlier_line)

    def _take(self, entry: RosterEntry) -> RowResult:
        _check_name(entry.name)
        if not is_valid_email(entry.email):
            raise _Refused(RowProblem.MALFORMED_EMAIL)
        choice = self._class_of(entry)
        email = entry.email.lower()
        seen_key = (email, None if choice is None else choice.identity)
        earlier = self._seen.get(seen_key)
        if earlier is not None:
            raise _Refused(RowProblem.DUPLICATE, earlier)
        user, created = self._account(entry, email)
        self._seen[seen_key] = entry.line
        if choice is None:
            return RowResult(entry, _outcome(created, False), user_id=user.id)
        classroom = choice.classroom or self._make_class(choice, entry.class_name)
        enrolled = self._enrol(classroom, user.id)
        return RowResult(
            entry,
            _outcome(created, enrolled),
            user_id=user.id,
            class_id=classroom.id,
            new_class=choice.key is not None,
        )

    def _account(self, entry: RosterEntry, email: str) -> tuple[User, bool]:
        existing = self._situation.users.get(email)
        if existing is not None:
            if existing.role is not Role.STUDENT:
                raise _Refused(RowProblem.ROLE_CONFLICT)
            if not existing.is_active:  # neither enrolled nor reactivated by a file
                raise _Refused(RowProblem.ACCOUNT_DEACTIVATED)
            return existing, False
        planned = self._new_users.get(email)
        if planned is not None:
            user, line = planned
            if user.name != entry.name:
                raise _Refused(RowProblem.CONFLICTING_NAME, line)
            return user, False
        user = User(uuid4(), entry.name, entry.email, NO_PASSWORD, Role.STUDENT)
        self._new_users[email] = (user, entry.line)
        return user, True

    def _class_of(self, entry: RosterEntry) -> _ClassChoice | None:
        if not entry.class_name:
            return None if self._situation.target is None else _ClassChoice(self._situation.target)
        if len(entry.class_name) > MAX_CLASS_NAME_LENGTH or has_control_characters(
            entry.class_name
        ):
            raise _Refused(RowProblem.BAD_CLASS_NAME)
        named = self._by_name.get(entry.class_name.lower(), [])
        if not self._admin:
            if entry.teacher_email and not self._is_importer(entry.teacher_email):
                raise _Refused(RowProblem.TEACHER_NOT_ALLOWED)
            return self._one_of(named, self._situation.importer.user_id, entry)
        if not entry.teacher_email:
            planned = self._planned.get(entry.class_name.lower(), [])
            if len(named) + len(planned) > 1:
                raise _Refused(RowProblem.AMBIGUOUS_CLASS)
            if planned:
                return _ClassChoice(self._new_classes.get(planned[0]), planned[0])
            if not named:
                raise _Refused(RowProblem.UNKNOWN_CLASS)
            return _ClassChoice(named[0])
        return self._one_of(named, self._teacher(entry.teacher_email).id, entry, make=True)

    def _one_of(
        self,
        named: list[Classroom],
        teacher_id: UUID | None,
        entry: RosterEntry,
        make: bool = False,
    ) -> _ClassChoice:
        found = [c for c in named if teacher_id is None or c.is_taught_by(teacher_id)]
        if len(found) > 1:
            raise _Refused(RowProblem.AMBIGUOUS_CLASS)
        if found:
            return _ClassChoice(found[0])
        if make and teacher_id is not None:
            key = (teacher_id, entry.class_name.lower())
            return _ClassChoice(self._new_classes.get(key), key)
        raise _Refused(RowProblem.NOT_YOUR_CLASS if named else RowProblem.UNKNOWN_CLASS)

    def _teacher(self, email: str) -> User:
        if not is_valid_email(email):
            raise _Refused(RowProblem.MALFORMED_TEACHER_EMAIL)
        teacher = self._situation.users.get(email.lower())
        if teacher is None:
            raise _Refused(RowProblem.UNKNOWN_TEACHER)
        if teacher.role is not Role.TEACHER:
            raise _Refused(RowProblem.NOT_A_TEACHER)
        return teacher

    def _is_importer(self, email: str) -> bool:
        named = self._situation.users.get(email.lower())
        return named is not None and named.id == self._situation.importer.user_id

    def _make_class(self, choice: _ClassChoice, name: str) -> Classroom:
        assert choice.key is not None
        teacher_id, _ = choice.key
        classroom = Classroom.create(uuid4(), name, teacher_id)
        self._new_classes[choice.key] = classroom
        return classroom

    def _enrol(self, classroom: Classroom, student_id: UUID) -> bool:
        members = self._members.get(classroom.id)
        if members is None:
            members = self._members[classroom.id] = set(classroom.student_ids)
            self._classes[classroom.id] = classroom
        if student_id in members:
            return False
        members.add(student_id)
        self._enrolments.setdefault(classroom.id, []).append(student_id)
        return True

    def result(self, rows: list[RowResult]) -> RosterImport:
        changed = []
        for class_id, students in self._enrolments.items():
            classroom = self._classes[class_id]
            classroom.enroll_all(students)
            changed.append(classroom)
        return RosterImport(
            rows=rows,
            new_users=[user for user, _ in self._new_users.values()],
            new_classes=list(self._new_classes.values()),
            changed_classes=changed,
        )


def _check_name(name: str) -> None:
    if not name:
        raise _Refused(RowProblem.MISSING_NAME)
    if len(name) > MAX_NAME_LENGTH:
        raise _Refused(RowProblem.NAME_TOO_LONG)
    if has_control_characters(name):
        raise _Refused(RowProblem.BAD_NAME)


def _outcome(created: bool, enrolled: bool) -> RowOutcome:
    if created:
        return RowOutcome.CREATED
    return RowOutcome.ENROLLED if enrolled else RowOutcome.UNCHANGED


def import_roster(entries: Sequence[RosterEntry], situation: RosterSituation) -> RosterImport:
    """Takes the rows in order: the accounts to make, the classes to make, and the classes'
    aggregates with their students enrolled (their events recorded)."""
    importer = _Importer(situation)
    importer.plan_classes(entries)
    rows = [importer.row(entry) for entry in entries]
    return importer.result(rows)
