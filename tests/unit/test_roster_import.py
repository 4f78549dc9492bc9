"""The roster CSV's rules (domain/rosters.py), row by row, without a database."""

from datetime import UTC, datetime
from uuid import uuid4

from domain.classrooms import Classroom
from domain.events import ClassJoined
from domain.rosters import (
    RosterEntry,
    RosterSituation,
    RowOutcome,
    RowProblem,
    import_roster,
)
from domain.users import NO_PASSWORD, Identity, Role, User
from tests.factories import ClassroomFactory, UserFactory


def entry(line: int, name: str, email: str, class_name: str = "", teacher: str = ""):
    return RosterEntry(line, name, email, class_name, teacher)


def person(role: Role, email: str | None = None) -> User:
    return UserFactory.build(role=role, **({"email": email} if email else {}))


def teacher_situation(teacher: User, target: Classroom, *users: User, classes=()):
    return RosterSituation(
        importer=Identity(teacher.id, Role.TEACHER),
        users={user.email.lower(): user for user in (teacher, *users)},
        classes=[target, *classes],
        target=target,
    )


def admin_situation(*users: User, classes=()):
    return RosterSituation(
        importer=Identity(uuid4(), Role.ADMIN),
        users={user.email.lower(): user for user in users},
        classes=list(classes),
    )


def outcomes(result):
    return [(row.entry.line, row.outcome, row.problem) for row in result.rows]


def test_new_students_get_accounts_with_no_password_and_are_enrolled_in_the_page_class():
    teacher = person(Role.TEACHER)
    target = ClassroomFactory.build(teacher_id=teacher.id, class_name="Maths")
    result = import_roster(
        [entry(2, "Ana", "ana@school.test"), entry(3, "Ben", "ben@school.test")],
        teacher_situation(teacher, target),
    )
    assert outcomes(result) == [(2, RowOutcome.CREATED, None), (3, RowOutcome.CREATED, None)]
    assert [(u.name, u.email, u.role, u.password_hash) for u in result.new_users] == [
        ("Ana", "ana@school.test", Role.STUDENT, NO_PASSWORD),
        ("Ben", "ben@school.test", Role.STUDENT, NO_PASSWORD),
    ]
    assert target.student_ids == [u.id for u in result.new_users]
    assert result.changed_classes == [target]
    assert [e for e in target.events if isinstance(e, ClassJoined)] == [
        ClassJoined(target.id, u.id) for u in result.new_users
    ]


def test_an_existing_student_is_enrolled_once_and_then_unchanged_in_any_letter_case():
    teacher, pupil = person(Role.TEACHER), person(Role.STUDENT, "Pupil@School.test")
    target = ClassroomFactory.build(teacher_id=teacher.id)
    result = import_roster(
        [entry(2, "Whatever", "pupil@school.test")], teacher_situation(teacher, target, pupil)
    )
    assert outcomes(result) == [(2, RowOutcome.ENROLLED, None)]
    assert result.new_users == [] and target.student_ids == [pupil.id]
    assert pupil.name != "Whatever"  # an account keeps its name
    again = import_roster(
        [entry(2, "Whatever", "PUPIL@school.test")], teacher_situation(teacher, target, pupil)
    )
    assert outcomes(again) == [(2, RowOutcome.UNCHANGED, None)]
    assert again.changed_classes == []


def test_bad_rows_are_refused_with_their_reason_and_the_rest_imported():
    teacher = person(Role.TEACHER)
    colleague = person(Role.TEACHER, "colleague@school.test")
    target = ClassroomFactory.build(teacher_id=teacher.id, class_name="Maths")
    result = import_roster(
        [
            entry(2, "", "noname@school.test"),
            entry(3, "x" * 101, "long@school.test"),
            entry(4, "Bell\x07", "bell@school.test"),
            entry(5, "Ana", "not-an-email"),
            entry(6, "Ana", "ana@school.test"),
            entry(7, "Ana", "ANA@school.test"),
            entry(8, "Anna", "ana2@school.test"),
            entry(9, "Anne", "ana2@school.test", "Maths"),
            entry(10, "Col", "colleague@school.test"),
        ],
        teacher_situation(teacher, target, colleague),
    )
    assert outcomes(result) == [
        (2, RowOutcome.REFUSED, RowProblem.MISSING_NAME),
        (3, RowOutcome.REFUSED, RowProblem.NAME_TOO_LONG),
        (4, RowOutcome.REFUSED, RowProblem.BAD_NAME),
        (5, RowOutcome.REFUSED, RowProblem.MALFORMED_EMAIL),
        (6, RowOutcome.CREATED, None),
        (7, RowOutcome.REFUSED, RowProblem.DUPLICATE),
        (8, RowOutcome.CREATED, None),
        (9, RowOutcome.REFUSED, RowProblem.DUPLICATE),  # the page's class is Maths too
        (10, RowOutcome.REFUSED, RowProblem.ROLE_CONFLICT),
    ]
    assert result.rows[1].earlier_line is None and result.rows[5].earlier_line == 6
    assert len(result.new_users) == 2


def test_a_deactivated_student_is_refused_neither_enrolled_nor_reactivated():
    teacher, pupil = person(Role.TEACHER), person(Role.STUDENT, "gone@school.test")
    pupil.deactivate(datetime(2026, 12, 7, 9, tzinfo=UTC))
    target = ClassroomFactory.build(teacher_id=teacher.id)
    result = import_roster(
        [entry(2, pupil.name, "GONE@school.test")], teacher_situation(teacher, target, pupil)
    )
    assert outcomes(result) == [(2, RowOutcome.REFUSED, RowProblem.ACCOUNT_DEACTIVATED)]
    assert target.student_ids == [] and result.changed_classes == [] and result.new_users == []
    assert not pupil.is_active
    by_admin = import_roster([entry(2, pupil.name, pupil.email)], admin_situation(pupil))
    assert outcomes(by_admin) == [(2, RowOutcome.REFUSED, RowProblem.ACCOUNT_DEACTIVATED)]


def test_a_new_accounts_email_again_with_another_name_is_refused_but_the_same_name_enrols():
    algebra = ClassroomFactory.build(class_name="Algebra")
    geometry = ClassroomFactory.build(class_name="Geometry")
    result = import_roster(
        [
            entry(2, "Ana", "ana@school.test", "Algebra"),
            entry(3, "Anne", "ana@school.test", "Geometry"),
            entry(4, "Ana", "ana@school.test", "Geometry"),
        ],
        admin_situation(classes=[algebra, geometry]),
    )
    assert outcomes(result) == [
        (2, RowOutcome.CREATED, None),
        (3, RowOutcome.REFUSED, RowProblem.CONFLICTING_NAME),
        (4, RowOutcome.ENROLLED, None),
    ]
    (ana,) = result.new_users
    assert algebra.student_ids == [ana.id] and geometry.student_ids == [ana.id]


def test_a_teacher_imports_into_their_own_classes_by_name_and_no_one_elses():
    teacher, other = person(Role.TEACHER), person(Role.TEACHER, "other@school.test")
    target = ClassroomFactory.build(teacher_id=teacher.id, class_name="Maths")
    own = ClassroomFactory.build(teacher_id=teacher.id, class_name="Physics")
    theirs = ClassroomFactory.build(teacher_id=other.id, class_name="Chemistry")
    result = import_roster(
        [
            entry(2, "Ana", "ana@school.test", "physics"),
            entry(3, "Ben", "ben@school.test", "Chemistry"),
            entry(4, "Cy", "cy@school.test", "Biology"),
            entry(5, "Di", "di@school.test", "Maths", teacher="other@school.test"),
            entry(6, "Ed", "ed@school.test", "Maths", teacher=teacher.email.upper()),
        ],
        teacher_situation(teacher, target, other, classes=[own, theirs]),
    )
    assert outcomes(result) == [
        (2, RowOutcome.CREATED, None),
        (3, RowOutcome.REFUSED, RowProblem.NOT_YOUR_CLASS),
        (4, RowOutcome.REFUSED, RowProblem.UNKNOWN_CLASS),
        (5, RowOutcome.REFUSED, RowProblem.TEACHER_NOT_ALLOWED),
        (6, RowOutcome.CREATED, None),
    ]
    assert len(own.student_ids) == 1 and len(target.student_ids) == 1
    assert theirs.student_ids == [] and result.new_classes == []


def test_an_admin_makes_a_class_for_a_teacher_once_and_finds_it_the_next_time():
    teacher = person(Role.TEACHER, "teacher@school.test")
    rows = [
        entry(2, "Ana", "ana@school.test", "Art", "teacher@school.test"),
        entry(3, "Ben", "ben@school.test", "ART", "Teacher@school.test"),
    ]
    result = import_roster(rows, admin_situation(teacher))
    assert outcomes(result) == [(2, RowOutcome.CREATED, None), (3, RowOutcome.CREATED, None)]
    (art,) = result.new_classes
    assert (art.class_name, art.teacher_id) == ("Art", teacher.id)
    assert art.student_ids == [u.id for u in result.new_users]
    assert all(row.new_class and row.class_id == art.id for row in result.rows)
    assert art.events[0] == ClassJoined(art.id, teacher.id)
    students = {u.email: u for u in result.new_users}
    again = import_roster(rows, admin_situation(teacher, *students.values(), classes=[art]))
    assert outcomes(again) == [(2, RowOutcome.UNCHANGED, None), (3, RowOutcome.UNCHANGED, None)]
    assert again.new_classes == [] and again.new_users == []


def test_an_admins_class_column_needs_a_known_unique_class_or_a_teacher():
    teacher = person(Role.TEACHER, "teacher@school.test")
    pupil = person(Role.STUDENT, "pupil@school.test")
    twins = [ClassroomFactory.build(class_name="Drama") for _ in range(2)]
    result = import_roster(
        [
            entry(2, "Ana", "ana@school.test", "Music"),
            entry(3, "Ben", "ben@school.test", "Drama"),
            entry(4, "Cy", "cy@school.test", "Music", "nobody@school.test"),
            entry(5, "Di", "di@school.test", "Music", "pupil@school.test"),
            entry(6, "Ed", "ed@school.test", "Music", "not an email"),
            entry(7, "Fay", "fay@school.test", "x" * 201, "teacher@school.test"),
            entry(8, "Gus", "gus@school.test"),  # no class: an account only
        ],
        admin_situation(teacher, pupil, classes=twins),
    )
    assert outcomes(result) == [
        (2, RowOutcome.REFUSED, RowProblem.UNKNOWN_CLASS),
        (3, RowOutcome.REFUSED, RowProblem.AMBIGUOUS_CLASS),
        (4, RowOutcome.REFUSED, RowProblem.UNKNOWN_TEACHER),
        (5, RowOutcome.REFUSED, RowProblem.NOT_A_TEACHER),
        (6, RowOutcome.REFUSED, RowProblem.MALFORMED_TEACHER_EMAIL),
        (7, RowOutcome.REFUSED, RowProblem.BAD_CLASS_NAME),
        (8, RowOutcome.CREATED, None),
    ]
    assert result.new_classes == [] and result.rows[-1].class_id is None


def test_a_refused_row_makes_no_class():
    teacher = person(Role.TEACHER, "teacher@school.test")
    colleague = person(Role.TEACHER, "colleague@school.test")
    result = import_roster(
        [entry(2, "Col", "colleague@school.test", "Art", "teacher@school.test")],
        admin_situation(teacher, colleague),
    )
    assert outcomes(result) == [(2, RowOutcome.REFUSED, RowProblem.ROLE_CONFLICT)]
    assert result.new_classes == [] and result.changed_classes == []


def test_enrolling_thousands_at_once_keeps_order_and_skips_those_enrolled():
    classroom = ClassroomFactory.build()
    first, *rest = [uuid4() for _ in range(3000)]
    classroom.enroll(first)
    assert classroom.enroll_all([*rest, first, rest[0]]) == rest
    assert classroom.student_ids == [first, *rest]
    assert classroom.remove_all([first, uuid4()]) == [first]
    assert classroom.student_ids == rest


def test_rows_naming_no_teacher_find_the_class_the_file_makes_wherever_they_are():
    teacher = person(Role.TEACHER, "teacher@school.test")
    rows = [
        entry(2, "Cy", "cy@school.test", "Art"),
        entry(3, "Ana", "ana@school.test", "Art", "teacher@school.test"),
    ]
    result = import_roster(rows, admin_situation(teacher))
    assert outcomes(result) == [(2, RowOutcome.CREATED, None), (3, RowOutcome.CREATED, None)]
    (art,) = result.new_classes
    assert art.student_ids == [u.id for u in result.new_users]
    again = import_roster(rows, admin_situation(teacher, *result.new_users, classes=[art]))
    assert outcomes(again) == [(2, RowOutcome.UNCHANGED, None), (3, RowOutcome.UNCHANGED, None)]


def test_a_class_the_file_makes_and_one_that_exists_of_the_same_name_are_ambiguous():
    teacher = person(Role.TEACHER, "teacher@school.test")
    other_art = ClassroomFactory.build(class_name="Art")
    rows = [
        entry(2, "Cy", "cy@school.test", "Art"),
        entry(3, "Ana", "ana@school.test", "Art", "teacher@school.test"),
    ]
    result = import_roster(rows, admin_situation(teacher, classes=[other_art]))
    assert outcomes(result) == [
        (2, RowOutcome.REFUSED, RowProblem.AMBIGUOUS_CLASS),
        (3, RowOutcome.CREATED, None),
    ]
    (art,) = result.new_classes
    again = import_roster(
        rows, admin_situation(teacher, *result.new_users, classes=[other_art, art])
    )
    assert outcomes(again) == [
        (2, RowOutcome.REFUSED, RowProblem.AMBIGUOUS_CLASS),
        (3, RowOutcome.UNCHANGED, None),
    ]
