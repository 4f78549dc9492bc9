"""Attendance reports: per student, the sessions held and the count of each status."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from domain.users import UserSummary


def attendance_rate(records: int, present: int, late: int, excused: int) -> float | None:
    """Attended (present or late) over the records that count (excused ones do not); None
    when none count."""
    counted = records - excused
    return (present + late) / counted if counted else None


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
        return attendance_rate(self.sessions, self.present, self.late, self.excused)


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """Sessions that started within it; either end may be open."""

    since: datetime | None = None
    until: datetime | None = None

    @property
    def is_whole(self) -> bool:
        """Open at both ends: every session there is."""
        return self.since is None and self.until is None

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


@dataclass(frozen=True, slots=True)
class ClassTotals:
    """A whole class's records over a period: every student's counted together."""

    records: int
    present: int
    absent: int
    late: int
    excused: int

    @property
    def rate(self) -> float | None:
        return attendance_rate(self.records, self.present, self.late, self.excused)


@dataclass(frozen=True, slots=True)
class ClassOverview:
    """A line of the school-wide report: a class (archived ones too), its teacher, how many
    students are enrolled, the sessions held in the period and its records' totals."""

    class_id: UUID
    class_name: str
    archived: bool
    teacher: UserSummary
    students: int
    sessions_held: int
    totals: ClassTotals
