"""The statuses a student can have in a session, and their counts."""

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
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
        return cls.of_counts(Counter(statuses), detailed)

    @classmethod
    def of_counts(
        cls, counts: Mapping[AttendanceStatus, int], detailed: bool = False
    ) -> "AttendanceSummary":
        """From how many hold each status (a status no one holds may be left out)."""
        return cls(
            present=counts.get(AttendanceStatus.PRESENT, 0),
            absent=counts.get(AttendanceStatus.ABSENT, 0),
            total=sum(counts.values()),
            late=counts.get(AttendanceStatus.LATE, 0) if detailed else None,
            excused=counts.get(AttendanceStatus.EXCUSED, 0) if detailed else None,
        )
