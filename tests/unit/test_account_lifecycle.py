"""Deactivating and reactivating accounts (admins), and changing one's own name and password:
each change that revokes tokens is published for every server process, and takes effect on
this one at once."""

import pytest

from domain.errors import (
    AccountDeactivated,
    InvalidCredentials,
    InvalidToken,
    LastActiveAdmin,
    LastAdmin,
    TooManyAttempts,
    WrongPassword,
)
from domain.users import AccountStatus, Identity, RevocationReason, Role, TokensRevoked, UserQuery
from services.accounts import AccountService
from services.admin import AdminService
from services.auth import AuthService
from services.known_accounts import KnownAccounts
from services.profile import ProfileService
from tests.unit.fakes import InMemoryAttemptCounter
from tests.unit.test_auth_service import POLICY  # 3 failures per email and address

pytestmark = pytest.mark.anyio


@pytest.fixture
def auth(uow, hasher, tokens, events, clock) -> AuthService:
    auth = AuthService(
        uow, hasher, tokens, InMemoryAttemptCounter(), POLICY, KnownAccounts(60), clock=clock
    )
    events.subscribe(auth.hear)  # as every server process's does
    return auth


@pytest.fixture
def admin(uow, events, clock) -> AdminService:
    return AdminService(uow, events, clock)


@pytest.fixture
def profile(uow, auth, hasher, clock, events) -> ProfileService:
    return ProfileService(uow, auth, AccountService(uow, hasher, clock, events))


async def signed_up(auth, name: str, role: Role = Role.STUDENT):
    user = await auth.sign_up(name, f"{name.lower()}@example.com", "secret1", role)
    token = (await auth.log_in(user.email, "secret1")).token
    assert await auth.authenticate(token)  # and remembered for a minute
    return user, token


async def an_admin(auth, admin, name: str):
    user, _ = await signed_up(auth, name, Role.TEACHER)
    await admin.change_role(user.id, Role.ADMIN)
    return user.id


async def test_a_deactivated_account_is_refused_at_once_and_told_so_only_with_its_password(
    auth, admin, events, tokens
):
    user, token = await signed_up(auth, "Priya")
    deactivated = await admin.deactivate(user.id)
    assert deactivated.status is AccountStatus.DEACTIVATED
    assert [type(e) for e in events.published] == [TokensRevoked]
    assert events.published[0].reason is RevocationReason.DEACTIVATED
    with pytest.raises(InvalidToken):
        await auth.authenticate(token)
    with pytest.raises(InvalidToken):
        await auth.current_user(tokens.decode(token))
    with pytest.raises(InvalidCredentials):  # a guesser learns nothing
        await auth.log_in(user.email, "wrong-guess")
    with pytest.raises(AccountDeactivated):
        await auth.log_in(user.email, "secret1")


async def test_a_reactivated_account_logs_in_again_but_its_old_tokens_stay_refused(auth, admin):
    user, token = await signed_up(auth, "Priya")
    await admin.deactivate(user.id)
    again = await admin.reactivate(user.id)
    assert again.status is AccountStatus.ACTIVE
    with pytest.raises(InvalidToken):
        await auth.authenticate(token)
    fresh = (await auth.log_in(user.email, "secret1")).token
    assert (await auth.authenticate(fresh)).identity == Identity(user.id, Role.STUDENT)


async def test_the_last_active_admin_cannot_be_deactivated_nor_demoted(auth, admin, uow):
    first = await an_admin(auth, admin, "Ada")
    with pytest.raises(LastActiveAdmin):
        await admin.deactivate(first)
    second = await an_admin(auth, admin, "Bob")
    await admin.deactivate(second)  # by the first: a deactivated admin is no admin to count
    with pytest.raises(LastActiveAdmin):
        await admin.deactivate(first)
    with pytest.raises(LastAdmin):
        await admin.change_role(first, Role.TEACHER)
    assert uow.store.users[first].is_active and uow.store.users[first].role is Role.ADMIN
    # The deactivated one may be given another role.
    assert (await admin.change_role(second, Role.TEACHER)).role is Role.TEACHER


async def test_users_are_listed_by_status(auth, admin, uow):
    await signed_up(auth, "Active")
    gone, _ = await signed_up(auth, "Gone")
    await admin.deactivate(gone.id)
    invited, _ = await signed_up(auth, "Invited")
    uow.store.users[invited.id].password_hash = "!"  # NO_PASSWORD: nobody chose one yet
    for status, name in [
        (AccountStatus.ACTIVE, "Active"),
        (AccountStatus.DEACTIVATED, "Gone"),
        (AccountStatus.INVITED, "Invited"),
    ]:
        found = await admin.list_users(UserQuery(status=status))
        assert [(u.name, u.status) for u in found] == [(name, status)]


async def test_changing_ones_password_revokes_every_other_token_and_gives_a_fresh_one(
    auth, profile, events
):
    user, token = await signed_up(auth, "Priya")
    other_device = (await auth.log_in(user.email, "secret1")).token
    fresh = await profile.change_password(
        Identity(user.id, Role.STUDENT), "secret1", "new-secret", "10.0.0.1"
    )
    assert [e.reason for e in events.published] == [RevocationReason.PASSWORD_CHANGED]
    for old in (token, other_device):
        with pytest.raises(InvalidToken):
            await auth.authenticate(old)
    assert (await auth.authenticate(fresh)).identity == Identity(user.id, Role.STUDENT)
    with pytest.raises(InvalidCredentials):
        await auth.log_in(user.email, "secret1")
    assert await auth.log_in(user.email, "new-secret")


async def test_a_wrong_current_password_is_counted_as_a_failed_login(auth, profile, uow):
    user, token = await signed_up(auth, "Priya")
    me = Identity(user.id, Role.STUDENT)
    for _ in range(3):
        with pytest.raises(WrongPassword):
            await profile.change_password(me, "guess", "new-secret", "10.6.6.6")
    with pytest.raises(TooManyAttempts):  # even the right one, from there, for a while
        await profile.change_password(me, "secret1", "new-secret", "10.6.6.6")
    with pytest.raises(TooManyAttempts):  # and logins from there to that email alike
        await auth.log_in(user.email, "secret1", "10.6.6.6")
    assert uow.store.users[user.id].password_hash == "hashed:secret1"
    assert await auth.authenticate(token)  # nothing was revoked


async def test_ones_name_changes_and_nothing_is_revoked(auth, profile, events, uow):
    user, token = await signed_up(auth, "Priya")
    renamed = await profile.rename(Identity(user.id, Role.STUDENT), "Priya Sharma")
    assert renamed.name == uow.store.users[user.id].name == "Priya Sharma"
    assert events.published == []
    assert await auth.authenticate(token)


async def test_a_reactivation_is_seen_at_once_though_nothing_is_published(auth, admin, events, uow):
    user, _ = await signed_up(auth, "Priya")
    await admin.deactivate(user.id)
    # Dated after the deactivation, as the login after the reactivation will issue it.
    token = auth.token_for(uow.store.users[user.id])
    with pytest.raises(InvalidToken):  # read while deactivated...
        await auth.authenticate(token)
    published = len(events.published)
    await admin.reactivate(user.id)
    assert len(events.published) == published
    assert await auth.authenticate(token)  # ...and not remembered so
