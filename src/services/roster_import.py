"""Roster CSV imports (domain/rosters.py): a preview of what a file would do, then the same
file applied, in one transaction and one import at a time. A teacher imports into their own
classes (the class of the page they import from); an administrator anywhere."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from domain.classrooms import Classroom
from domain.errors import ClassNotFound
from domain.import_ports import ImportFiles
from domain.ports import Clock, EventBus, UnitOfWork, UnitOfWorkFactory
from domain.rosters import RosterFile, RosterImport, RosterSituation, import_roster
from domain.users import Identity, Role
from services.accounts import new_link_token
from services.classes import load_owned_class
from services.import_steps import (
    NewAccountLink,
    class_messages,
    issue_links,
    retried_on_races,
)


@dataclass(frozen=True, slots=True)
class RosterReport:
    file: RosterFile
    result: RosterImport
    target: Classroom | None  # a teacher's import: the class of the page
    applied: bool
    links: list[NewAccountLink] = field(default_factory=list)  # applied: one per new account


class RosterImportService:
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

    async def preview(
        self, importer: Identity, data: bytes, class_id: UUID | None = None
    ) -> RosterReport:
        """What the file would do, row by row; nothing is changed. A teacher's import goes
        into class_id (None: no such class)."""
        roster = await self._files.roster(data)
        async with self._uow() as uow:
            situation = await _situation(uow, importer, roster, class_id, lock=False)
        return RosterReport(
            roster, import_roster(roster.entries, situation), situation.target, False
        )

    async def apply(
        self, importer: Identity, data: bytes, class_id: UUID | None = None
    ) -> RosterReport:
        """Does what the preview said (as things are now): the new accounts with their links,
        the classes made, the enrolments, all or nothing; the classes hear who joined."""
        roster = await self._files.roster(data)
        return await retried_on_races(lambda: self._apply(importer, roster, class_id))

    async def _apply(
        self, importer: Identity, roster: RosterFile, class_id: UUID | None
    ) -> RosterReport:
        async with self._uow() as uow:
            await uow.imports.take_turn()
            situation = await _situation(uow, importer, roster, class_id, lock=True)
            result = await _taken(roster, situation)
            await uow.imports.add_users(result.new_users)
            await uow.imports.add_classes(result.new_classes)
            made = {classroom.id for classroom in result.new_classes}
            await uow.imports.save_classes([c for c in result.changed_classes if c.id not in made])
            links = await issue_links(
                uow, result.new_users, self._clock.now(), self._link_lifetime, self._new_token
            )
            messages = await class_messages(uow, result.changed_classes)
            await uow.commit()
        await self._events.publish(*messages)
        return RosterReport(roster, result, situation.target, True, links)


async def _taken(roster: RosterFile, situation: RosterSituation) -> RosterImport:
    # Off the event loop: thousands of rows take a moment of CPU, and the process's live
    # sockets would wait for it (the aggregates are this import's alone meanwhile).
    return await asyncio.to_thread(import_roster, roster.entries, situation)


async def _situation(
    uow: UnitOfWork, importer: Identity, roster: RosterFile, class_id: UUID | None, lock: bool
) -> RosterSituation:
    target = None
    if importer.role is Role.TEACHER:  # into the class of the page they import from
        if class_id is None:
            raise ClassNotFound(class_id)
        target = await load_owned_class(uow.classes, importer, class_id, for_update=lock)
    entries = roster.entries
    emails = [e.email for e in entries] + [e.teacher_email for e in entries if e.teacher_email]
    users = await uow.imports.users_by_email(emails, lock=lock)
    names = [entry.class_name for entry in entries if entry.class_name]
    classes = await uow.imports.classes_named(names, lock=lock) if names else []
    if target is not None:  # one aggregate per class: the page's may be named in rows too
        target = next((c for c in classes if c.id == target.id), target)
        if all(c is not target for c in classes):
            classes.append(target)
    return RosterSituation(
        importer=importer,
        users={user.email.lower(): user for user in users},
        classes=classes,
        target=target,
    )
