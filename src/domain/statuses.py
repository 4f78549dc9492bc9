"""The statuses a student can have in a session, and their counts."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    LATE = "late"  # only in a class that enables it
    EXCUSED = "excused"  # likewise


# What every class allows; a class may enable these too.
BASIC_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.ABSENT)
EXTRA_STATUSES = (AttendanceStatus.LATE, AttendanceStatus.EXCUSED)


def counts_late_and_excused(
    allowed_extras: Collection[AttendanceStatus], statuses: Iterable[AttendanceStatus]
) -> bool:
    """Whether a session's summary counts late and excused: its class allows them, or one of
    its statuses is one of them (set while the class allowed it)."""
    return bool(allowed_extras) or any(status in EXTRA_STATUSES for status in statuses)


@dataclass(frozen=True, slots=True)
class AttendanceSummary:
    """Counts of a session's statuses. `late` and `excused` are None in a class that does not
    use them (the assignment's summary has present, absent and total only)."""

    present: int
    absent: int
    total: int
    late: int | None = None
    excused: int | None = None

    @classmethod
    def of(cls, statuses: list[AttendanceStatus], detailed: bool = False) -> "AttendanceSummary":
        def count(wanted: AttendanceStatus) -> int:
            return sum(1 for status in statuses if status is wanted)

        return cls(
            present=count(AttendanceStatus.PRESENT),
            absent=count(AttendanceStatus.ABSENT),
            total=len(statuses),
            late=count(AttendanceStatus.LATE) if detailed else None,
            excused=count(AttendanceStatus.EXCUSED) if detailed else None,
        )
