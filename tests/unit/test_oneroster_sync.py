"""The OneRoster sync's rules (domain/oneroster_sync.py), without a database: a first sync
makes accounts and classes, the same bundle again changes nothing, a later one updates."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from domain.events import ClassBroadcast, ClassJoined, ClassLeft, ClassUpdated
from domain.oneroster import (
    FileMode,
    OneRosterBundle,
    OneRosterClass,
    OneRosterEnrollment,
    OneRosterUser,
    SyncOutcome,
    SyncProblem,
)
from domain.oneroster_sync import OneRosterSituation, OneRosterSync, sync_oneroster
from domain.users import NO_PASSWORD, RevocationReason, Role, TokensRevoked, tokens_valid_from
from tests.factories import UserFactory

BULK = {name: FileMode.BULK for name in ("users.csv", "classes.csv", "enrollments.csv")}
NIGHT = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)


def user(line, sid, given, family, role, email="", status="", enabled="true", username=""):
    return OneRosterUser(line, sid, status, enabled, (role,), given, family, email, username)


def klass(line, sid, title, status=""):
    return OneRosterClass(line, sid, status, title)


def enrol(line, sid, class_sid, user_sid, role="student", status="", primary=""):
    return OneRosterEnrollment(line, sid, status, class_sid, user_sid, role, primary)


def school(**overrides) -> OneRosterBundle:
    bundle = OneRosterBundle(
        version="1.1",
        users=[
            user(2, "t1", "Tess", "Teach", "teacher", "tess@school.test"),
            user(3, "s1", "Ana", "Rivera", "student", "ana@school.test"),
            user(4, "s2", "Ben", "Okafor", "student", "", username="ben@school.test"),
            user(5, "p1", "Pat", "Parent", "parent", "pat@home.test"),
        ],
        classes=[klass(2, "c1", "Maths 7B")],
        enrollments=[
            enrol(2, "e1", "c1", "t1", "teacher", primary="true"),
            enrol(3, "e2", "c1", "s1"),
            enrol(4, "e3", "c1", "s2"),
        ],
        modes=dict(BULK),
    )
    return replace(bundle, **overrides)


def after(first: OneRosterSync, by_email=(), deactivated_by_sync=()) -> OneRosterSituation:
    """What the database holds after a sync was applied (the next night)."""
    users = {sid: user for sid, user in _sourced(first.user_sources, first)}
    classes = {sid: c for sid, c in _classes(first)}
    emails = {u.email.lower(): u for u in users.values()} | {u.email.lower(): u for u in by_email}
    for classroom in classes.values():
        classroom.events.clear()
    for user in users.values():
        user.events.clear()
    return OneRosterSituation(
        users=users,
        classes=classes,
        by_email=emails,
        now=NIGHT + timedelta(days=1),
        deactivated_by_sync=frozenset(deactivated_by_sync),
    )


def _sourced(sources, sync):
    by_id = {u.id: u for u in [*sync.new_users, *sync.changed_users]}
    return [(sid, by_id[user_id]) for sid, user_id in sources if user_id in by_id]


def _classes(sync):
    by_id = {c.id: c for c in sync.new_classes}
    return [(sid, by_id[class_id]) for sid, class_id in sync.class_sources]


def outcomes(sync, file):
    return [(row.line, row.outcome, row.problem) for row in sync.rows if row.file == file]


EMPTY = OneRosterSituation(users={}, classes={}, by_email={}, now=NIGHT)


def test_a_first_sync_makes_teachers_students_and_classes_with_their_enrolments():
    first = sync_oneroster(school(), EMPTY)
    assert outcomes(first, "users.csv") == [
        (2, SyncOutcome.CREATED, None),
        (3, SyncOutcome.CREATED, None),
        (4, SyncOutcome.CREATED, None),
        (5, SyncOutcome.SKIPPED, SyncProblem.ROLE_NOT_IMPORTED),
    ]
    tess, ana, ben = first.new_users
    assert [(u.name, u.email, u.role, u.password_hash) for u in first.new_users] == [
        ("Tess Teach", "tess@school.test", Role.TEACHER, NO_PASSWORD),
        ("Ana Rivera", "ana@school.test", Role.STUDENT, NO_PASSWORD),
        ("Ben Okafor", "ben@school.test", Role.STUDENT, NO_PASSWORD),  # the username
    ]
    (maths,) = first.new_classes
    assert (maths.class_name, maths.teacher_id, maths.student_ids) == (
        "Maths 7B", tess.id, [ana.id, ben.id],
    )  # fmt: skip
    assert outcomes(first, "enrollments.csv") == [
        (2, SyncOutcome.ENROLLED, None),
        (3, SyncOutcome.ENROLLED, None),
        (4, SyncOutcome.ENROLLED, None),
    ]
    assert first.user_sources == [("t1", tess.id), ("s1", ana.id), ("s2", ben.id)]
    assert first.class_sources == [("c1", maths.id)]
    assert maths.events == [ClassJoined(maths.id, u.id) for u in (tess, ana, ben)]
    assert first.changed_classes == [] and first.to_deactivate == []


def test_the_same_bundle_again_changes_nothing():
    first = sync_oneroster(school(), EMPTY)
    again = sync_oneroster(school(), after(first))
    assert {row.outcome for row in again.rows} == {SyncOutcome.UNCHANGED, SyncOutcome.SKIPPED}
    assert again.new_users == again.changed_users == again.new_classes == []
    assert again.changed_classes == [] and again.user_sources == again.class_sources == []


def test_a_nightly_bundle_updates_names_emails_titles_teachers_and_rosters():
    first = sync_oneroster(school(), EMPTY)
    tess, ana, ben = first.new_users
    (maths,) = first.new_classes
    nightly = school(
        users=[
            user(2, "t1", "Tess", "Teach", "teacher", "tess@school.test"),
            user(3, "s1", "Ana", "Rivera-Diaz", "student", "ana.rd@school.test"),
            user(4, "s2", "Ben", "Okafor", "student", "ben@school.test"),
            user(5, "t2", "Theo", "Other", "teacher", "theo@school.test"),
        ],
        classes=[klass(2, "c1", "Maths 7B (set 1)")],
        enrollments=[
            enrol(2, "e1", "c1", "t2", "teacher", primary="true"),
            enrol(3, "e2", "c1", "s1", status="tobedeleted"),
            enrol(4, "e3", "c1", "s2"),
        ],
    )
    sync = sync_oneroster(nightly, after(first))
    assert outcomes(sync, "users.csv") == [
        (2, SyncOutcome.UNCHANGED, None),
        (3, SyncOutcome.UPDATED, None),
        (4, SyncOutcome.UNCHANGED, None),
        (5, SyncOutcome.CREATED, None),
    ]
    assert (ana.name, ana.email) == ("Ana Rivera-Diaz", "ana.rd@school.test")
    assert sync.changed_users == [ana]
    (theo,) = sync.new_users
    assert outcomes(sync, "classes.csv") == [(2, SyncOutcome.UPDATED, None)]
    assert outcomes(sync, "enrollments.csv") == [
        (2, SyncOutcome.UPDATED, None),
        (3, SyncOutcome.REMOVED, None),
        (4, SyncOutcome.UNCHANGED, None),
    ]
    assert sync.changed_classes == [maths]
    assert (maths.class_name, maths.teacher_id, maths.student_ids) == (
        "Maths 7B (set 1)", theo.id, [ben.id],
    )  # fmt: skip
    broadcast, *moves = maths.events
    assert isinstance(broadcast, ClassBroadcast) and isinstance(broadcast.event, ClassUpdated)
    assert moves == [
        ClassLeft(maths.id, tess.id), ClassJoined(maths.id, theo.id), ClassLeft(maths.id, ana.id),
    ]  # fmt: skip


def test_a_bulk_file_archives_and_deactivates_what_it_left_out_and_a_delta_does_not():
    first = sync_oneroster(school(), EMPTY)
    tess, ana, ben = first.new_users
    (maths,) = first.new_classes
    hand_added = UserFactory.build(role=Role.STUDENT)
    maths.enroll(hand_added.id)  # a teacher's own addition: not from the SIS
    bulk = school(users=[], classes=[], enrollments=[])
    sync = sync_oneroster(bulk, after(first))
    assert [(r.sourced_id, r.outcome, r.problem) for r in sync.rows if r.file == "users.csv"] == [
        ("t1", SyncOutcome.DEACTIVATED, SyncProblem.ABSENT_FROM_BULK),
        ("s1", SyncOutcome.DEACTIVATED, SyncProblem.ABSENT_FROM_BULK),
        ("s2", SyncOutcome.DEACTIVATED, SyncProblem.ABSENT_FROM_BULK),
    ]
    assert sync.to_deactivate == [tess, ana, ben]
    assert {u.deactivated_at for u in (tess, ana, ben)} == {NIGHT + timedelta(days=1)}
    again = sync_oneroster(bulk, after(first))  # the next night: said once, changed once
    assert [r for r in again.rows if r.file == "users.csv"] == [] and again.to_deactivate == []
    assert outcomes(sync, "classes.csv") == [
        (None, SyncOutcome.ARCHIVED, SyncProblem.ABSENT_FROM_BULK)
    ]
    assert maths.archived and maths.student_ids == [hand_added.id]

    first = sync_oneroster(school(), EMPTY)
    (maths,) = first.new_classes
    delta = school(
        users=[], classes=[], enrollments=[], modes={name: FileMode.DELTA for name in BULK}
    )
    sync = sync_oneroster(delta, after(first))
    assert sync.rows == [] and sync.to_deactivate == [] and not maths.archived


def test_inactive_users_are_not_made_and_known_ones_are_deactivated_and_signed_out():
    first = sync_oneroster(school(), EMPTY)
    _, ana, ben = first.new_users
    later = school(
        users=[
            user(2, "t1", "Tess", "Teach", "teacher", "tess@school.test"),
            user(3, "s1", "Ana", "Rivera", "student", "ana@school.test", status="tobedeleted"),
            user(4, "s2", "Ben", "Okafor", "student", "ben@school.test", enabled="false"),
            user(5, "s3", "Cy", "New", "student", "cy@school.test", status="inactive"),
        ]
    )
    sync = sync_oneroster(later, after(first))
    assert outcomes(sync, "users.csv") == [
        (2, SyncOutcome.UNCHANGED, None),
        (3, SyncOutcome.DEACTIVATED, None),
        (4, SyncOutcome.DEACTIVATED, None),
        (5, SyncOutcome.SKIPPED, SyncProblem.INACTIVE),
    ]
    assert sync.to_deactivate == [ana, ben] and sync.new_users == []
    night = NIGHT + timedelta(days=1)
    assert [(u.is_active, u.events) for u in (ana, ben)] == [
        (False, [TokensRevoked(u.id, tokens_valid_from(night), RevocationReason.DEACTIVATED)])
        for u in (ana, ben)
    ]


def test_an_administrators_account_is_never_the_syncs_to_deactivate():
    first = sync_oneroster(school(), EMPTY)
    tess, ana, _ = first.new_users
    tess.role = ana.role = Role.ADMIN  # made administrators here since
    inactive = school(
        users=[user(2, "t1", "Tess", "Teach", "teacher", "tess@school.test", status="inactive")],
        modes={"users.csv": FileMode.BULK},
    )
    sync = sync_oneroster(inactive, after(first))
    assert [(r.sourced_id, r.outcome, r.problem) for r in sync.rows if r.file == "users.csv"] == [
        ("t1", SyncOutcome.REFUSED, SyncProblem.ROLE_CONFLICT),
        ("s1", SyncOutcome.REFUSED, SyncProblem.ROLE_CONFLICT),  # absent from the bulk file
        ("s2", SyncOutcome.DEACTIVATED, SyncProblem.ABSENT_FROM_BULK),
    ]
    assert tess.is_active and ana.is_active


def test_a_person_active_again_is_reactivated_only_if_a_sync_deactivated_them():
    first = sync_oneroster(school(), EMPTY)
    _, ana, ben = first.new_users
    ana.deactivate(NIGHT)  # by a sync, as the database remembers
    ben.deactivate(NIGHT)  # by an administrator
    ben.events.clear()
    sync = sync_oneroster(school(), after(first, deactivated_by_sync={ana.id}))
    assert outcomes(sync, "users.csv")[:3] == [
        (2, SyncOutcome.UNCHANGED, None),
        (3, SyncOutcome.REACTIVATED, None),
        (4, SyncOutcome.UNCHANGED, SyncProblem.DEACTIVATED_HERE),
    ]
    assert sync.reactivated == [ana] and ana.is_active and not ben.is_active
    assert ana.tokens_valid_from == tokens_valid_from(NIGHT)  # tokens from before stay refused
    assert sync.to_deactivate == [] and ben.events == []


def test_a_deactivated_student_is_enrolled_nowhere_but_stays_where_they_were():
    first = sync_oneroster(school(), EMPTY)
    _, ana, ben = first.new_users
    (maths,) = first.new_classes
    ben.deactivate(NIGHT)  # by an administrator; still in Maths
    nightly = school(
        classes=[klass(2, "c1", "Maths 7B"), klass(3, "c2", "Art")],
        enrollments=[
            enrol(2, "e1", "c1", "t1", "teacher", primary="true"),
            enrol(3, "e2", "c1", "s1"),
            enrol(4, "e3", "c1", "s2"),
            enrol(5, "e4", "c2", "t1", "teacher", primary="true"),
            enrol(6, "e5", "c2", "s2"),
            enrol(7, "e6", "c2", "s1"),
        ],
    )
    sync = sync_oneroster(nightly, after(first))
    assert outcomes(sync, "enrollments.csv") == [
        (2, SyncOutcome.UNCHANGED, None),
        (3, SyncOutcome.UNCHANGED, None),
        (4, SyncOutcome.UNCHANGED, None),  # enrolled before: the bulk file keeps them there
        (5, SyncOutcome.ENROLLED, None),
        (6, SyncOutcome.REFUSED, SyncProblem.ACCOUNT_DEACTIVATED),
        (7, SyncOutcome.ENROLLED, None),
    ]
    art = next(c for c in sync.new_classes if c.class_name == "Art")
    assert maths.student_ids == [ana.id, ben.id] and art.student_ids == [ana.id]


def test_an_existing_account_is_linked_by_email_when_its_role_matches():
    signed_up = UserFactory.build(role=Role.TEACHER, email="Tess@School.test", name="Mrs T")
    teacher_account = UserFactory.build(role=Role.TEACHER, email="ana@school.test")
    situation = OneRosterSituation(
        users={},
        classes={},
        by_email={"tess@school.test": signed_up, "ana@school.test": teacher_account},
        now=NIGHT,
    )
    sync = sync_oneroster(school(), situation)
    assert outcomes(sync, "users.csv")[:2] == [
        (2, SyncOutcome.LINKED, None),
        (3, SyncOutcome.REFUSED, SyncProblem.ROLE_CONFLICT),
    ]
    assert signed_up.name == "Tess Teach" and sync.changed_users == [signed_up]
    assert ("t1", signed_up.id) in sync.user_sources
    assert outcomes(sync, "enrollments.csv")[1] == (
        3,
        SyncOutcome.REFUSED,
        SyncProblem.UNKNOWN_USER,
    )


def test_bad_rows_are_refused_each_with_its_reason():
    bundle = school(
        users=[
            user(2, "", "No", "Id", "student", "noid@school.test"),
            user(3, "s1", "Ana", "Rivera", "student", "ana@school.test"),
            user(4, "s1", "Ana", "Again", "student", "ana2@school.test"),
            user(5, "s2", "Ben", "Bad", "student", "ben@school.test", status="deleted"),
            user(6, "s3", "", "", "student", "cy@school.test"),
            user(7, "s4", "Di", "Noemail", "student", "", username="di"),
            user(8, "s5", "Ed", "Same", "student", "ANA@school.test"),
            user(9, "s6", "Fay", "Norole", "", "fay@school.test"),
            user(10, "x" * 256, "Gus", "Long", "student", "gus@school.test"),
            user(11, "t1", "Tess", "Teach", "teacher", "tess@school.test"),
        ],
        classes=[
            klass(2, "c1", "Maths"),
            klass(3, "c2", ""),
            klass(4, "c3", "Nobody teaches"),
        ],
        enrollments=[
            enrol(2, "e1", "c1", "t1", "teacher"),
            enrol(3, "e2", "c1", "s1"),
            enrol(4, "e2", "c1", "s1"),
            enrol(5, "e3", "c9", "s1"),
            enrol(6, "e4", "c1", "s9"),
            enrol(7, "e5", "c1", "t1"),  # a teacher enrolled as a student
            enrol(8, "e6", "c1", "s1", "aide"),
        ],
    )
    sync = sync_oneroster(bundle, EMPTY)
    assert outcomes(sync, "users.csv") == [
        (2, SyncOutcome.REFUSED, SyncProblem.MISSING_SOURCED_ID),
        (3, SyncOutcome.CREATED, None),
        (4, SyncOutcome.REFUSED, SyncProblem.DUPLICATE),
        (5, SyncOutcome.REFUSED, SyncProblem.BAD_STATUS),
        (6, SyncOutcome.REFUSED, SyncProblem.MISSING_NAME),
        (7, SyncOutcome.REFUSED, SyncProblem.MALFORMED_EMAIL),
        (8, SyncOutcome.REFUSED, SyncProblem.EMAIL_TAKEN),
        (9, SyncOutcome.REFUSED, SyncProblem.MISSING_ROLE),
        (10, SyncOutcome.REFUSED, SyncProblem.SOURCED_ID_TOO_LONG),
        (11, SyncOutcome.CREATED, None),
    ]
    assert sync.rows[2].earlier_line == 3 and sync.rows[6].earlier_line == 3
    assert outcomes(sync, "classes.csv") == [
        (2, SyncOutcome.CREATED, None),
        (3, SyncOutcome.REFUSED, SyncProblem.BAD_TITLE),
        (4, SyncOutcome.REFUSED, SyncProblem.NO_TEACHER),
    ]
    assert outcomes(sync, "enrollments.csv") == [
        (2, SyncOutcome.ENROLLED, None),
        (3, SyncOutcome.ENROLLED, None),
        (4, SyncOutcome.REFUSED, SyncProblem.DUPLICATE),
        (5, SyncOutcome.REFUSED, SyncProblem.UNKNOWN_CLASS),
        (6, SyncOutcome.REFUSED, SyncProblem.UNKNOWN_USER),
        (7, SyncOutcome.REFUSED, SyncProblem.ROLE_CONFLICT),
        (8, SyncOutcome.SKIPPED, SyncProblem.ROLE_NOT_IMPORTED),
    ]


def test_the_primary_teacher_teaches_a_new_class_and_others_are_skipped():
    bundle = school(
        users=[
            user(2, "t1", "Tess", "Teach", "teacher", "tess@school.test"),
            user(3, "t2", "Theo", "Other", "teacher", "theo@school.test"),
        ],
        enrollments=[
            enrol(2, "e1", "c1", "t1", "teacher"),
            enrol(3, "e2", "c1", "t2", "teacher", primary="TRUE"),
        ],
    )
    sync = sync_oneroster(bundle, EMPTY)
    _, theo = sync.new_users
    assert sync.new_classes[0].teacher_id == theo.id
    assert outcomes(sync, "enrollments.csv") == [
        (2, SyncOutcome.SKIPPED, SyncProblem.NOT_PRIMARY_TEACHER),
        (3, SyncOutcome.ENROLLED, None),
    ]


def test_an_active_enrolment_wins_over_a_withdrawn_one_for_the_same_student():
    bundle = school(
        enrollments=[
            enrol(2, "e1", "c1", "t1", "teacher"),
            enrol(3, "e2", "c1", "s1"),
            enrol(4, "e3", "c1", "s1", status="tobedeleted"),
        ]
    )
    sync = sync_oneroster(bundle, EMPTY)
    ana = sync.new_users[1]
    assert sync.new_classes[0].student_ids == [ana.id]
    assert outcomes(sync, "enrollments.csv")[2] == (4, SyncOutcome.UNCHANGED, None)
