"""What both imports do once their rows are taken: one-time links for the accounts they made,
and the live messages of the classes they changed, numbered as the class's broadcasts are."""

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from domain.account_links import AccountLink, LinkPurpose, token_digest
from domain.classrooms import Classroom
from domain.errors import EmailAlreadyExists, ImportRaced
from domain.events import ClassBroadcast, LiveMessage
from domain.ports import UnitOfWork
from domain.users import User
from services.broadcasts import numbered

T = TypeVar("T")

# A sign-up that takes one of the file's emails between the import's reading and its writing
# makes the import start again, reading afresh; this many times at most.
ATTEMPTS = 2


async def retried_on_races(apply: Callable[[], Awaitable[T]]) -> T:
    """`apply` (one import's transaction), again if an email it was making was taken
    meanwhile (the unique index says so); ImportRaced if it is taken every time."""
    for _ in range(ATTEMPTS):
        try:
            return await apply()
        except EmailAlreadyExists:
            continue
    raise ImportRaced()


@dataclass(frozen=True, slots=True)
class NewAccountLink:
    """A set-password link for an account an import made, to hand over (its token is kept
    nowhere: only its digest is stored)."""

    user: User
    token: str
    expires_at: datetime


async def issue_links(
    uow: UnitOfWork,
    users: Sequence[User],
    now: datetime,
    lifetime: timedelta,
    new_token: Callable[[], str],
) -> list[NewAccountLink]:
    links = [NewAccountLink(user, new_token(), now + lifetime) for user in users]
    await uow.account_links.add_many(
        [
            AccountLink(
                token_digest(link.token), LinkPurpose.SET_PASSWORD, link.user.id, link.expires_at
            )
            for link in links
        ]
    )
    return links


async def class_messages(uow: UnitOfWork, classes: Iterable[Classroom]) -> list[LiveMessage]:
    """What the classes recorded, each class's broadcasts numbered with numbers taken now (so
    before the commit, as every change that the class hears does)."""
    messages: list[LiveMessage] = []
    for classroom in classes:
        events: list[LiveMessage] = list(classroom.events)
        broadcasts = sum(isinstance(event, ClassBroadcast) for event in events)
        if broadcasts:
            for _ in range(broadcasts):
                last = await uow.attendance.next_broadcast_number(classroom.id)
            events = numbered(events, last)
        messages.extend(events)
    return messages
