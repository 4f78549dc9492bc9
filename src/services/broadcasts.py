"""A class's broadcasts are numbered (`seq`) in the order their changes were committed: each
commit that has something to say takes the class's next number(s), and the live clients apply
the broadcasts in that order."""

from collections.abc import Sequence
from dataclasses import replace
from uuid import UUID

from domain.events import ClassBroadcast, LiveMessage
from domain.ports import UnitOfWork


def numbered(events: Sequence[LiveMessage], last_seq: int) -> list[LiveMessage]:
    """The events, their class broadcasts numbered in order so that the last carries
    `last_seq`, the last number their commit took (one number per broadcast)."""
    seq = last_seq - sum(isinstance(e, ClassBroadcast) for e in events)
    messages: list[LiveMessage] = []
    for event in events:
        if isinstance(event, ClassBroadcast):
            seq += 1
            event = replace(event, seq=seq)
        messages.append(event)
    return messages


async def publish_numbered(
    uow: UnitOfWork, class_id: UUID, events: Sequence[LiveMessage]
) -> list[LiveMessage]:
    """Takes the class's next broadcast number if there is something to say, commits, and
    answers what to publish."""
    if not events:
        await uow.commit()
        return []
    seq = await uow.attendance.next_broadcast_number(class_id)
    await uow.commit()
    return numbered(events, seq)
