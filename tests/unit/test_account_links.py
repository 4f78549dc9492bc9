"""One-time links that set an account's password: only the token's digest is kept, a link
works once, for its purpose, until it expires; a guess or a used link sets nothing."""

from datetime import timedelta

import pytest

from domain.account_links import LinkPurpose, token_digest
from domain.errors import InvalidLink, UserNotFound
from domain.users import Role
from services.accounts import AccountService

pytestmark = pytest.mark.anyio
A_DAY = timedelta(days=1)


@pytest.fixture
def accounts(uow, hasher, clock, events) -> AccountService:
    return AccountService(uow, hasher, clock, events)


async def test_a_link_sets_the_password_once_and_only_its_digest_is_kept(accounts, add_user, uow):
    user = add_user(Role.TEACHER)
    link = await accounts.issue_link(user.user_id, LinkPurpose.SET_PASSWORD, A_DAY)
    assert list(uow.store.account_links) == [token_digest(link.token)]
    assert link.token not in repr(uow.store.account_links)
    changed = await accounts.set_password(link.token, "chosen-1")
    assert changed.id == user.user_id
    assert uow.store.users[user.user_id].password_hash == "hashed:chosen-1"
    with pytest.raises(InvalidLink):  # used
        await accounts.set_password(link.token, "again-22")
    assert uow.store.users[user.user_id].password_hash == "hashed:chosen-1"


async def test_an_expired_guessed_or_other_link_sets_nothing(accounts, add_user, uow, clock):
    user = add_user(Role.STUDENT)
    before = uow.store.users[user.user_id].password_hash
    short = await accounts.issue_link(user.user_id, LinkPurpose.SET_PASSWORD, timedelta(seconds=1))
    clock.now()  # the clock moves a second a reading: the link has expired
    with pytest.raises(InvalidLink):
        await accounts.set_password(short.token, "chosen-1")
    with pytest.raises(InvalidLink):
        await accounts.set_password("a-guess", "chosen-1")
    with pytest.raises(InvalidLink):
        await accounts.set_password(short.token.upper(), "chosen-1")
    assert uow.store.users[user.user_id].password_hash == before


async def test_no_link_for_an_account_that_does_not_exist(accounts):
    from uuid import uuid4

    with pytest.raises(UserNotFound):
        await accounts.issue_link(uuid4(), LinkPurpose.SET_PASSWORD, A_DAY)


async def test_each_link_has_a_token_of_its_own(accounts, add_user):
    user = add_user(Role.TEACHER)
    tokens = {
        (await accounts.issue_link(user.user_id, LinkPurpose.SET_PASSWORD, A_DAY)).token
        for _ in range(20)
    }
    assert len(tokens) == 20 and all(len(token) >= 43 for token in tokens)
