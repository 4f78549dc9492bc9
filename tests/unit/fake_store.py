"""What the fake database holds, shared by the fakes of the repositories."""

import copy
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain.attendance import AttendanceSession, FinishedSession
from domain.classrooms import Classroom
from domain.corrections import Correction
from domain.users import User


@dataclass
class InMemoryStore:
    """What the fake database holds. Units of work copy it, so rollback really undoes."""

    users: dict[UUID, User] = field(default_factory=dict)
    classes: dict[UUID, Classroom] = field(default_factory=dict)
    sessions: dict[UUID, AttendanceSession] = field(default_factory=dict)
    finished: list[FinishedSession] = field(default_factory=list)
    marked_at: dict[tuple[UUID, UUID], datetime] = field(default_factory=dict)
    live_seq: dict[UUID, int] = field(default_factory=dict)  # per class
    corrections: list[Correction] = field(default_factory=list)
    account_links: dict = field(default_factory=dict)  # see FakeAccountLinks
    invitations: dict = field(default_factory=dict)  # see FakeInvitations
    external_identities: dict = field(default_factory=dict)  # see FakeExternalIdentities


def stored(aggregate):
    """What a database keeps of an aggregate: its state, not the events it recorded."""
    kept = copy.deepcopy(aggregate)
    kept.events = []
    return kept
