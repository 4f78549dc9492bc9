"""Attendance reports: per student, the sessions held and the count of each status."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from domain.users import UserSummary


@dataclass(frozen=True, slots=True)
class StudentTally:
    """One student's records in one class over a period."""

    class_id: UUID
    student_id: UUID
    sessions: int  # sessions the student has a record in
    present: int
    absent: int
    late: int
    excused: int

    @property
    def rate(self) -> float | None:
        """Attended (present or late) over the sessions that count (excused ones do not);
        None when none count."""
        counted = self.sessions - self.excused
        return (self.present + self.late) / counted if counted else None


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """Sessions that started within it; either end may be open."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def of_days(cls, first: date | None, last: date | None) -> "ReportPeriod":
        """From the start of the first day to the end of the last (UTC). Raises ValueError
        when the first comes after the last."""
        if first and last and first > last:
            raise ValueError("the first day is after the last")
        # The day after the last one; none after the last day there is (9999-12-31).
        following = last + timedelta(days=1) if last and last < date.max else None
        return cls(
            since=datetime.combine(first, time(), UTC) if first else None,
            until=datetime.combine(following, time(), UTC) if following else None,
        )


@dataclass(frozen=True, slots=True)
class ReportLine:
    """A student in a class's report: every enrolled student, and anyone taken off the class
    who has records in the period (`enrolled` false), so no record drops out of a report."""

    student: UserSummary
    tally: StudentTally
    enrolled: bool
