"""The domain's privacy rules: the retention cut-off, the erased email, which attempt counters
are about a person, and the rate the school report shows."""

from datetime import UTC, datetime
from uuid import uuid4

from domain.privacy import ERASED_EMAIL_DOMAIN, erased_email, retention_cutoff
from domain.reports import ClassTotals, StudentTally
from domain.throttling import AttemptPolicy

POLICY = AttemptPolicy.with_limits(
    per_email_and_address=5, per_address=50, per_email=100, signups_per_address=3, window_seconds=9
)


def test_the_cutoff_is_the_same_moment_years_before():
    now = datetime(2026, 12, 7, 13, 45, 12, 345000, tzinfo=UTC)
    assert retention_cutoff(now, 3) == datetime(2023, 12, 7, 13, 45, 12, 345000, tzinfo=UTC)


def test_a_leap_day_falls_back_to_the_28th():
    now = datetime(2028, 2, 29, 8, 0, tzinfo=UTC)
    assert retention_cutoff(now, 1) == datetime(2027, 2, 28, 8, 0, tzinfo=UTC)
    assert retention_cutoff(now, 4) == datetime(2024, 2, 29, 8, 0, tzinfo=UTC)


def test_an_erased_email_is_reserved_and_unique_by_its_random_part():
    assert erased_email("ab12") == f"erased-ab12@{ERASED_EMAIL_DOMAIN}"
    assert ERASED_EMAIL_DOMAIN.endswith(".invalid")  # RFC 2606: never a real mailbox


def test_the_counters_about_a_person_are_theirs_and_no_one_elses():
    user_id, other_id, session_id = uuid4(), uuid4(), uuid4()
    about = POLICY.counters_about("ada@school.example", user_id)
    checks = POLICY.login_checks("ada@school.example", "10.0.0.1", None)
    trusted = POLICY.login_checks("ada@school.example", "10.0.0.1", "device-1")
    theirs = [rule.key(subject) for rule, subject in [*checks.hard, *trusted.hard]]
    theirs += [rule.key(s) for rule, s in POLICY.check_in_checks(session_id, user_id)]
    assert all(about.match(key) for key in theirs), theirs
    longer = POLICY.login_checks("ada@school.example.org", "10.0.0.1", None)
    others = [rule.key(subject) for rule, subject in longer.hard]
    others += [rule.key(s) for rule, s in POLICY.check_in_checks(session_id, other_id)]
    others += [rule.key(s) for rule, s in POLICY.signup_checks("10.0.0.1")]
    assert checks.address is not None
    others.append(checks.address[0].key(checks.address[1]))
    assert not any(about.match(key) for key in others), others


def test_the_school_reports_rate_is_the_teachers_rate_over_all_records():
    totals = ClassTotals(records=10, present=5, absent=2, late=1, excused=2)
    tally = StudentTally(uuid4(), uuid4(), sessions=10, present=5, absent=2, late=1, excused=2)
    assert totals.rate == tally.rate == 6 / 8
    assert ClassTotals(records=2, present=0, absent=0, late=0, excused=2).rate is None
