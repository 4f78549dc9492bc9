"""The users' repository's behaviours for account lifecycles, against the fakes and against
PostgreSQL (the suite's fixtures are test_repository_contract.py's)."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.users import NO_PASSWORD, AccountStatus, Role, UserQuery
from tests.integration.test_repository_contract import (  # noqa: F401 (fixtures)
    add_user,
    anyio_backend,
    database_url_or_none,
    uow,
)

pytestmark = pytest.mark.anyio
NOON = datetime(2026, 12, 7, 12, 0, 0, 123456, tzinfo=UTC)


async def test_what_may_change_of_a_user_is_saved_and_read_back(uow):  # noqa: F811
    user = await add_user(uow, Role.TEACHER)
    async with uow() as unit:
        locked = await unit.users.get(user.id, for_update=True)
        locked.rename("Renamed")
        locked.change_password("hashed:new", NOON)
        locked.change_role(Role.STUDENT, NOON)
        locked.deactivate(NOON)
        await unit.users.save(locked)
        await unit.commit()
    async with uow() as unit:
        stored = await unit.users.get(user.id)
    assert (stored.name, stored.password_hash, stored.role) == (
        "Renamed", "hashed:new", Role.STUDENT,
    )  # fmt: skip
    assert stored.deactivated_at == NOON
    # Three revocations at one moment: each starts a second after the one before.
    assert stored.tokens_valid_from == datetime(2026, 12, 7, 12, 0, 3, tzinfo=UTC)
    assert stored.status is AccountStatus.DEACTIVATED


async def test_users_are_found_by_status(uow):  # noqa: F811
    tag = uuid4().hex[:10]
    await add_user(uow, Role.STUDENT, name=f"{tag} active")
    await add_user(uow, Role.STUDENT, name=f"{tag} invited", password_hash=NO_PASSWORD)
    await add_user(uow, Role.TEACHER, name=f"{tag} gone", deactivated_at=NOON)
    # A deactivated account is deactivated, whether or not it has a password.
    await add_user(
        uow, Role.TEACHER, name=f"{tag} gone too", password_hash=NO_PASSWORD, deactivated_at=NOON
    )
    async with uow() as unit:
        found = {
            status: [u.name for u in await unit.users.search(UserQuery(search=tag, status=status))]
            for status in AccountStatus
        }
        everyone = await unit.users.search(UserQuery(search=tag))
    assert found == {
        AccountStatus.ACTIVE: [f"{tag} active"],
        AccountStatus.DEACTIVATED: [f"{tag} gone", f"{tag} gone too"],
        AccountStatus.INVITED: [f"{tag} invited"],
    }
    assert len(everyone) == 4


async def test_only_active_admins_are_locked_as_admins(uow):  # noqa: F811
    active = await add_user(uow, Role.ADMIN)
    deactivated = await add_user(uow, Role.ADMIN, deactivated_at=NOON)
    async with uow() as unit:
        admins = await unit.users.lock_admins()
    assert active.id in admins and deactivated.id not in admins


async def test_the_users_revoked_since_a_moment(uow):  # noqa: F811
    moment = datetime.now(UTC)
    before = await add_user(uow, Role.STUDENT, tokens_valid_from=moment - timedelta(seconds=1))
    after = await add_user(uow, Role.STUDENT, tokens_valid_from=moment + timedelta(seconds=1))
    never = await add_user(uow, Role.STUDENT)
    async with uow() as unit:
        found = {user.id for user in await unit.users.revoked_since(moment)}
    assert after.id in found
    assert before.id not in found and never.id not in found
