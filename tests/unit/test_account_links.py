"""One-time links that set an account's password: only the token's digest is kept, a link
works once, for its purpose, until it expires; a guess or a used link sets nothing. A new
reset link retires the account's older ones; a teacher's is for a student of their class."""

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.account_links import PASSWORD_LINKS, LinkPurpose, token_digest
from domain.errors import ClassNotFound, InvalidLink, NotClassTeacher, StudentNotFound, UserNotFound
from domain.users import RevocationReason, Role, TokensRevoked, tokens_valid_from
from services.accounts import AccountService
from tests.factories import ClassroomFactory

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


@pytest.mark.parametrize("purpose", sorted(PASSWORD_LINKS))
async def test_every_password_link_revokes_the_accounts_tokens_and_publishes_it(
    accounts, add_user, uow, events, clock, purpose
):
    """Set-password, invitation and reset links alike: the new password goes through
    User.change_password, so every server process hears the revocation after the commit."""
    user = add_user(Role.STUDENT)
    link = await accounts.issue_link(user.user_id, purpose, A_DAY)
    other = await accounts.issue_link(user.user_id, LinkPurpose.SET_PASSWORD, A_DAY)
    used_at = clock.now()  # the fake clock's next reading is this one's second, or later
    await accounts.set_password(link.token, "chosen-1")
    stored = uow.store.users[user.user_id]
    assert stored.tokens_valid_from >= tokens_valid_from(used_at)
    assert events.published == [
        TokensRevoked(user.user_id, stored.tokens_valid_from, RevocationReason.PASSWORD_CHANGED)
    ]
    with pytest.raises(InvalidLink):  # the account's other password links were retired
        await accounts.set_password(other.token, "chosen-2")


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
    with pytest.raises(UserNotFound):
        await accounts.issue_link(uuid4(), LinkPurpose.SET_PASSWORD, A_DAY)


async def test_each_link_has_a_token_of_its_own(accounts, add_user):
    user = add_user(Role.TEACHER)
    tokens = {
        (await accounts.issue_link(user.user_id, LinkPurpose.SET_PASSWORD, A_DAY)).token
        for _ in range(20)
    }
    assert len(tokens) == 20 and all(len(token) >= 43 for token in tokens)


async def test_a_reset_link_sets_the_password_and_retires_the_accounts_other_password_links(
    accounts, add_user, uow
):
    user = add_user(Role.STUDENT)
    first = await accounts.issue_link(user.user_id, LinkPurpose.SET_PASSWORD, A_DAY)
    reset = await accounts.reset_link(user.user_id)
    await accounts.set_password(reset.token, "chosen-1")
    assert uow.store.users[user.user_id].password_hash == "hashed:chosen-1"
    with pytest.raises(InvalidLink):  # the older set-password link stopped working with it
        await accounts.set_password(first.token, "other-22")
    assert uow.store.users[user.user_id].password_hash == "hashed:chosen-1"


async def test_a_new_reset_link_retires_the_older_ones_of_the_account_only(accounts, add_user, uow):
    user, other = add_user(Role.STUDENT), add_user(Role.STUDENT)
    older = await accounts.reset_link(user.user_id)
    others = await accounts.reset_link(other.user_id)
    newer = await accounts.reset_link(user.user_id)
    with pytest.raises(InvalidLink):
        await accounts.set_password(older.token, "chosen-1")
    assert (await accounts.set_password(newer.token, "chosen-2")).id == user.user_id
    assert (await accounts.set_password(others.token, "chosen-3")).id == other.user_id
    assert uow.store.users[user.user_id].password_hash == "hashed:chosen-2"
    assert uow.store.users[other.user_id].password_hash == "hashed:chosen-3"


async def test_a_reset_link_works_for_its_configured_time(uow, hasher, clock, events, add_user):
    accounts = AccountService(uow, hasher, clock, events, reset_link_lifetime=timedelta(seconds=5))
    user = add_user(Role.TEACHER)
    link = await accounts.reset_link(user.user_id)
    assert link.expires_at - clock.now() <= timedelta(seconds=5)
    for _ in range(5):
        clock.now()
    with pytest.raises(InvalidLink):
        await accounts.set_password(link.token, "chosen-1")


async def test_a_teacher_makes_a_reset_link_only_for_a_student_of_their_own_class(
    accounts, add_user, uow
):
    teacher, stranger = add_user(Role.TEACHER), add_user(Role.TEACHER)
    pupil, outsider, promoted = (add_user(Role.STUDENT) for _ in range(3))
    classroom = ClassroomFactory.build(
        teacher_id=teacher.user_id, student_ids=[pupil.user_id, promoted.user_id]
    )
    uow.store.classes[classroom.id] = classroom
    # Enrolled as a student, then made a teacher by an administrator: no longer the class's.
    uow.store.users[promoted.user_id].role = Role.TEACHER
    with pytest.raises(ClassNotFound):
        await accounts.reset_link_for_student(teacher, uuid4(), pupil.user_id)
    with pytest.raises(NotClassTeacher):
        await accounts.reset_link_for_student(stranger, classroom.id, pupil.user_id)
    for not_a_pupil in (outsider.user_id, promoted.user_id, teacher.user_id, None):
        with pytest.raises(StudentNotFound):
            await accounts.reset_link_for_student(teacher, classroom.id, not_a_pupil)
    assert uow.store.account_links == {}
    link = await accounts.reset_link_for_student(teacher, classroom.id, pupil.user_id)
    assert (await accounts.set_password(link.token, "chosen-1")).id == pupil.user_id
