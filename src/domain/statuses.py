"""The statuses a student can have in a session, and their counts."""

from dataclasses import dataclass
from enum import StrEnum


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"


@dataclass(frozen=True, slots=True)
class AttendanceSummary:
    present: int
    absent: int
    total: int

    @classmethod
    def of(cls, statuses: list[AttendanceStatus]) -> "AttendanceSummary":
        present = sum(1 for status in statuses if status is AttendanceStatus.PRESENT)
        return cls(present=present, absent=len(statuses) - present, total=len(statuses))
