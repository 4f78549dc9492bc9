"""The enrolments of a OneRoster bundle (enrollments.csv), taken once its users and classes are
known (see domain/oneroster_sync.py for the rules): who teaches each class, who is enrolled in
it, and, with a bulk file, who is no longer."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from domain.classrooms import Classroom
from domain.oneroster import (
    ENROLLMENTS_FILE,
    FileMode,
    OneRosterEnrollment,
    RecordStatus,
    SyncOutcome,
    SyncProblem,
    SyncRow,
    record_status,
)
from domain.users import Role, User

ENROLLED_ROLES = {"student": Role.STUDENT, "teacher": Role.TEACHER}


@dataclass(frozen=True, slots=True)
class SyncedState:
    """What the users and classes of the sync came to."""

    users: Mapping[str, User]  # by sourcedId: the file's and those synced before
    classes: Mapping[str, Classroom]  # by sourcedId: the file's and those synced before
    synced_ids: frozenset[UUID]  # the accounts that came from the SIS
    new_class_ids: frozenset[UUID]  # the classes this sync makes
    teachers: Mapping[str, User]  # each class's teacher in the file, by the class's sourcedId


@dataclass(slots=True)
class EnrollmentsTaken:
    rows: list[SyncRow] = field(default_factory=list)
    changed: dict[UUID, Classroom] = field(default_factory=dict)

    def add(
        self,
        line: int | None,
        sourced_id: str,
        subject: str,
        outcome: SyncOutcome,
        problem: SyncProblem | None = None,
    ) -> None:
        self.rows.append(SyncRow(ENROLLMENTS_FILE, line, sourced_id, subject, outcome, problem))


class _Refused(Exception):
    def __init__(self, problem: SyncProblem, outcome: SyncOutcome = SyncOutcome.REFUSED) -> None:
        self.problem = problem
        self.outcome = outcome


@dataclass(frozen=True, slots=True)
class _Enrollment:
    record: OneRosterEnrollment
    classroom: Classroom
    user: User
    active: bool


def take_enrollments(
    records: Iterable[OneRosterEnrollment], mode: FileMode, state: SyncedState
) -> EnrollmentsTaken:
    taken = EnrollmentsTaken()
    valid: list[_Enrollment] = []
    seen: dict[str, int] = {}
    for record in records:
        try:
            valid.append(_checked(record, seen, state))
        except _Refused as refused:
            subject = f"{record.user_sourced_id} in {record.class_sourced_id}"
            taken.add(record.line, record.sourced_id, subject, refused.outcome, refused.problem)
        seen.setdefault(record.sourced_id, record.line)
    # A student stays enrolled while any of their enrolments in the class is active.
    wanted = {(e.classroom.id, e.user.id) for e in valid if e.active}
    rosters: dict[UUID, set[UUID]] = {}
    joining: dict[UUID, list[UUID]] = {}
    leaving: dict[UUID, list[UUID]] = {}
    for enrollment in valid:
        classroom, user = enrollment.classroom, enrollment.user
        roster = rosters.setdefault(classroom.id, set(classroom.student_ids))
        if user.role is Role.TEACHER:
            outcome, problem = _teacher(enrollment, state, taken)
        elif enrollment.active and user.id not in roster and not user.is_active:
            outcome, problem = SyncOutcome.REFUSED, SyncProblem.ACCOUNT_DEACTIVATED
        elif enrollment.active and user.id not in roster:
            roster.add(user.id)
            joining.setdefault(classroom.id, []).append(user.id)
            outcome, problem = SyncOutcome.ENROLLED, None
        elif not enrollment.active and user.id in roster and (classroom.id, user.id) not in wanted:
            roster.discard(user.id)
            leaving.setdefault(classroom.id, []).append(user.id)
            outcome, problem = SyncOutcome.REMOVED, None
        else:
            outcome, problem = SyncOutcome.UNCHANGED, None
        subject = f"{user.name} in {classroom.class_name}"
        record = enrollment.record
        taken.add(record.line, record.sourced_id, subject, outcome, problem)
    by_id = {classroom.id: classroom for classroom in state.classes.values()}
    if mode is FileMode.BULK:
        names = {user.id: user.name for user in state.users.values()}
        for classroom in state.classes.values():
            roster = rosters.get(classroom.id, set(classroom.student_ids))
            for student_id in classroom.student_ids:
                gone = (classroom.id, student_id) not in wanted and student_id in roster
                if gone and student_id in state.synced_ids:
                    leaving.setdefault(classroom.id, []).append(student_id)
                    subject = f"{names.get(student_id, student_id)} in {classroom.class_name}"
                    taken.add(None, "", subject, SyncOutcome.REMOVED, SyncProblem.ABSENT_FROM_BULK)
    taken.rows.sort(key=lambda row: (row.line is None, row.line or 0))  # in the file's order
    for class_id, students in joining.items():
        by_id[class_id].enroll_all(students)
        taken.changed[class_id] = by_id[class_id]
    for class_id, students in leaving.items():
        by_id[class_id].remove_all(students)
        taken.changed[class_id] = by_id[class_id]
    return taken


def _checked(
    record: OneRosterEnrollment, seen: Mapping[str, int], state: SyncedState
) -> _Enrollment:
    if not record.sourced_id:
        raise _Refused(SyncProblem.MISSING_SOURCED_ID)
    if record.sourced_id in seen:
        raise _Refused(SyncProblem.DUPLICATE)
    status = record_status(record.status)
    if status is None:
        raise _Refused(SyncProblem.BAD_STATUS)
    role = ENROLLED_ROLES.get(record.role.lower())
    if role is None:
        raise _Refused(SyncProblem.ROLE_NOT_IMPORTED, SyncOutcome.SKIPPED)
    classroom = state.classes.get(record.class_sourced_id)
    if classroom is None:
        raise _Refused(SyncProblem.UNKNOWN_CLASS)
    user = state.users.get(record.user_sourced_id)
    if user is None:
        raise _Refused(SyncProblem.UNKNOWN_USER)
    if user.role is not role:
        raise _Refused(SyncProblem.ROLE_CONFLICT)
    return _Enrollment(record, classroom, user, status is RecordStatus.ACTIVE)


def _teacher(
    enrollment: _Enrollment, state: SyncedState, taken: EnrollmentsTaken
) -> tuple[SyncOutcome, SyncProblem | None]:
    """A teacher's enrolment: the class's teacher is the file's main one (a class has one)."""
    classroom, user = enrollment.classroom, enrollment.user
    if not enrollment.active:
        return SyncOutcome.UNCHANGED, None  # a class keeps a teacher until it has another
    teacher = state.teachers.get(enrollment.record.class_sourced_id)
    if teacher is None or teacher.id != user.id:
        return SyncOutcome.SKIPPED, SyncProblem.NOT_PRIMARY_TEACHER
    if classroom.id in state.new_class_ids:
        return SyncOutcome.ENROLLED, None
    if classroom.hand_over(user.id):
        taken.changed[classroom.id] = classroom
        return SyncOutcome.UPDATED, None
    return SyncOutcome.UNCHANGED, None
