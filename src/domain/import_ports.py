"""The ports imports need (see domain/ports.py for the rest): bulk reads and writes, and the
reading of uploaded files."""

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from domain.classrooms import Classroom
from domain.oneroster import OneRosterBundle
from domain.rosters import RosterFile
from domain.users import User


class ImportRepository(Protocol):
    """What imports read and write in bulk: thousands of rows in a few statements."""

    async def take_turn(self) -> None:
        """Until commit, no other import runs (on any process): imports of the same file at
        once end as if one ran after the other."""
        ...

    async def users_by_email(self, emails: Sequence[str], *, lock: bool = False) -> list[User]:
        """The accounts of those emails (any letter case); with lock, their rows are locked
        against changes until commit."""
        ...

    async def classes_named(
        self, names: Sequence[str], teacher_id: UUID | None = None, *, lock: bool = False
    ) -> list[Classroom]:
        """The classes not archived whose name is one of those (any letter case), only the
        teacher's if given; with lock, locked until commit (in the order of their ids)."""
        ...

    async def add_users(self, users: Sequence[User]) -> None:
        """Raises EmailAlreadyExists when an email is taken (in any letter case)."""
        ...

    async def change_users(self, users: Sequence[User]) -> None:
        """Stores their names and emails. Raises EmailAlreadyExists when an email is taken."""
        ...

    async def add_classes(self, classes: Sequence[Classroom]) -> None: ...

    async def save_classes(self, classes: Sequence[Classroom]) -> None:
        """Stores their names, teachers, archiving and rosters."""
        ...

    async def synced_users(self, *, lock: bool = False) -> dict[str, User]:
        """The accounts a OneRoster sync linked, by sourcedId; with lock, locked against
        changes until commit (in the order of their ids)."""
        ...

    async def deactivated_by_sync(self) -> frozenset[UUID]:
        """The synced accounts whose deactivation a sync made (their deactivation is still the
        one save_sync_standings stored: nobody reactivated or deactivated them since)."""
        ...

    async def save_sync_standings(self, users: Sequence[User]) -> None:
        """Stores the accounts' deactivation (or reactivation) and from when their tokens work,
        as a sync made them."""
        ...

    async def synced_classes(self, *, lock: bool = False) -> dict[str, Classroom]:
        """The classes a OneRoster sync linked, by sourcedId; with lock, locked until commit
        (in the order of their ids)."""
        ...

    async def link_sourced_ids(
        self, users: Sequence[tuple[str, UUID]], classes: Sequence[tuple[str, UUID]]
    ) -> None:
        """Keeps which account and which class each sourcedId names."""
        ...


class ImportFiles(Protocol):
    """Reads uploaded files; a file that cannot be read as a whole raises ImportFileRefused."""

    async def roster(self, data: bytes) -> RosterFile: ...

    async def oneroster(self, data: bytes) -> OneRosterBundle: ...
