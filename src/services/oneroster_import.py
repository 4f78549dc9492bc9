"""OneRoster bundle imports (domain/oneroster_sync.py), for administrators and the nightly
command: a preview, then the same bundle applied, in one transaction and one import at a time.

Accounts the SIS says are inactive or gone are deactivated (their tokens revoked and their
sockets closed on every server process, as an administrator's deactivation does); those a sync
deactivated and the SIS says are active again are reactivated."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.import_ports import ImportFiles
from domain.oneroster import OneRosterBundle
from domain.oneroster_sync import OneRosterSituation, OneRosterSync, sync_oneroster
from domain.ports import Clock, EventBus, UnitOfWork, UnitOfWorkFactory
from services.accounts import new_link_token
from services.import_steps import (
    NewAccountLink,
    class_messages,
    issue_links,
    retried_on_races,
)


@dataclass(frozen=True, slots=True)
class OneRosterReport:
    bundle: OneRosterBundle
    result: OneRosterSync
    applied: bool
    links: list[NewAccountLink] = field(default_factory=list)  # applied: one per new account


class OneRosterImportService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        files: ImportFiles,
        events: EventBus,
        clock: Clock,
        link_lifetime: timedelta,
        new_token: Callable[[], str] = new_link_token,
    ) -> None:
        self._uow = uow
        self._files = files
        self._events = events
        self._clock = clock
        self._link_lifetime = link_lifetime
        self._new_token = new_token

    async def preview(self, data: bytes) -> OneRosterReport:
        """What the bundle would do, row by row; nothing is changed."""
        bundle = await self._files.oneroster(data)
        async with self._uow() as uow:
            situation = await _situation(uow, bundle, self._clock.now(), lock=False)
        return OneRosterReport(bundle, await _taken(bundle, situation), False)

    async def apply(self, data: bytes) -> OneRosterReport:
        """Does what the preview said (as things are now), all or nothing; the classes hear
        who joined and left, and what they are called; the accounts deactivated are signed
        out everywhere."""
        bundle = await self._files.oneroster(data)
        return await retried_on_races(lambda: self._apply(bundle))

    async def _apply(self, bundle: OneRosterBundle) -> OneRosterReport:
        async with self._uow() as uow:
            await uow.imports.take_turn()
            now = self._clock.now()
            result = await _taken(bundle, await _situation(uow, bundle, now, lock=True))
            await uow.imports.add_users(result.new_users)
            await uow.imports.change_users(result.changed_users)
            await uow.imports.save_sync_standings([*result.to_deactivate, *result.reactivated])
            await uow.imports.add_classes(result.new_classes)
            await uow.imports.save_classes(result.changed_classes)
            await uow.imports.link_sourced_ids(result.user_sources, result.class_sources)
            links = await issue_links(
                uow, result.new_users, now, self._link_lifetime, self._new_token
            )
            messages = await class_messages(uow, [*result.new_classes, *result.changed_classes])
            await uow.commit()
        # The revocations first: a deactivated person's sockets close before classes change.
        revoked = [event for user in result.to_deactivate for event in user.events]
        await self._events.publish(*revoked, *messages)
        return OneRosterReport(bundle, result, True, links)


async def _taken(bundle: OneRosterBundle, situation: OneRosterSituation) -> OneRosterSync:
    # Off the event loop, as a roster's rows are (services/roster_import.py).
    return await asyncio.to_thread(sync_oneroster, bundle, situation)


async def _situation(
    uow: UnitOfWork, bundle: OneRosterBundle, now: datetime, lock: bool
) -> OneRosterSituation:
    emails = [e for user in bundle.users for e in (user.email, user.username) if "@" in e]
    by_email = await uow.imports.users_by_email(emails, lock=lock) if emails else []
    return OneRosterSituation(
        users=await uow.imports.synced_users(lock=lock),
        classes=await uow.imports.synced_classes(lock=lock),
        by_email={user.email.lower(): user for user in by_email},
        now=now,
        deactivated_by_sync=await uow.imports.deactivated_by_sync(),
    )
