import pytest

from domain.errors import EmailAlreadyExists, InvalidCredentials, InvalidToken, UserNotFound
from domain.users import Identity, Role
from services.auth import AuthService
from tests.factories import SignupBodyFactory

pytestmark = pytest.mark.anyio


@pytest.fixture
def auth(uow, hasher, tokens) -> AuthService:
    return AuthService(uow, hasher, tokens)


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
