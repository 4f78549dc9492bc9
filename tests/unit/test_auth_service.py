import pytest

from domain.errors import (
    EmailAlreadyExists,
    InvalidCredentials,
    InvalidToken,
    TooManyAttempts,
    UserNotFound,
)
from domain.throttling import AttemptPolicy
from domain.users import Identity, Role
from services.auth import AuthService
from tests.factories import SignupBodyFactory
from tests.unit.fakes import InMemoryAttemptCounter

pytestmark = pytest.mark.anyio


POLICY = AttemptPolicy.with_limits(
    per_email=3, per_address=5, signups_per_address=4, window_seconds=60
)


@pytest.fixture
def attempts() -> InMemoryAttemptCounter:
    return InMemoryAttemptCounter()


@pytest.fixture
def auth(uow, hasher, tokens, attempts) -> AuthService:
    return AuthService(uow, hasher, tokens, attempts, POLICY)


async def test_sign_up_stores_a_hashed_password(auth, uow):
    body = SignupBodyFactory.build(role="teacher")
    user = await auth.sign_up(body["name"], body["email"], body["password"], Role.TEACHER)
    stored = uow.store.users[user.id]
    assert stored.email == body["email"]
    assert stored.role is Role.TEACHER
    assert stored.password_hash != body["password"]


async def test_an_email_is_taken_in_any_letter_case(auth, uow):
    await auth.sign_up("Rahul", "Rahul@Example.com", "secret1", Role.STUDENT)
    with pytest.raises(EmailAlreadyExists):
        await auth.sign_up("Other", "rahul@example.COM", "secret2", Role.TEACHER)
    assert len(uow.store.users) == 1


async def test_log_in_issues_a_token_for_the_user_and_matches_email_case_insensitively(
    auth, tokens
):
    user = await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT)
    token = await auth.log_in("PRIYA@example.com", "secret1")
    assert tokens.decode(token) == Identity(user.id, Role.STUDENT)


async def test_log_in_with_a_wrong_password_fails(auth):
    await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT)
    with pytest.raises(InvalidCredentials):
        await auth.log_in("priya@example.com", "secret2")


async def test_log_in_with_an_unknown_email_fails_after_one_password_check(auth, hasher):
    with pytest.raises(InvalidCredentials):
        await auth.log_in("nobody@example.com", "secret1")
    assert hasher.checks == 1


async def test_current_user_of_a_deleted_account_is_not_found(auth, uow):
    user = await auth.sign_up("Gone", "gone@example.com", "secret1", Role.TEACHER)
    del uow.store.users[user.id]
    with pytest.raises(UserNotFound):
        await auth.current_user(Identity(user.id, Role.TEACHER))


async def test_authenticate_rejects_garbage(auth):
    with pytest.raises(InvalidToken):
        auth.authenticate("not a token")


async def test_repeated_failures_for_one_email_are_refused_until_a_success_clears_them(auth):
    await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT, "10.0.0.1")
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await auth.log_in("priya@example.com", "wrong", "10.0.0.2")
    with pytest.raises(TooManyAttempts):  # even with the right password now
        await auth.log_in("PRIYA@example.com", "secret1", "10.0.0.3")
    # Another account from the same address is not affected by Priya's lock.
    await auth.sign_up("Rahul", "rahul@example.com", "secret1", Role.STUDENT, "10.0.0.1")
    assert await auth.log_in("rahul@example.com", "secret1", "10.0.0.2")


async def test_a_success_clears_the_email_failures(auth):
    await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT, "10.0.0.1")
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await auth.log_in("priya@example.com", "wrong", "10.0.0.2")
    await auth.log_in("priya@example.com", "secret1", "10.0.0.2")
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await auth.log_in("priya@example.com", "wrong", "10.0.0.2")
    assert await auth.log_in("priya@example.com", "secret1", "10.0.0.2")


async def test_failures_from_one_address_across_emails_are_refused(auth):
    for n in range(5):
        with pytest.raises(InvalidCredentials):
            await auth.log_in(f"nobody{n}@example.com", "secret1", "10.9.9.9")
    with pytest.raises(TooManyAttempts):
        await auth.log_in("someone@example.com", "secret1", "10.9.9.9")


async def test_signup_floods_from_one_address_are_refused(auth, uow):
    for n in range(4):
        await auth.sign_up("N", f"n{n}@example.com", "secret1", Role.STUDENT, "10.1.1.1")
    with pytest.raises(TooManyAttempts):
        await auth.sign_up("N", "n4@example.com", "secret1", Role.STUDENT, "10.1.1.1")
    assert len(uow.store.users) == 4
    await auth.sign_up("N", "n5@example.com", "secret1", Role.STUDENT, "10.1.1.2")
