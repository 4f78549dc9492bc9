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
from services.known_accounts import KnownAccounts
from tests.factories import SignupBodyFactory
from tests.unit.fakes import InMemoryAttemptCounter

pytestmark = pytest.mark.anyio


POLICY = AttemptPolicy.with_limits(
    per_email_and_address=3, per_address=5, per_email=6, signups_per_address=4, window_seconds=60
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
    result = await auth.log_in("PRIYA@example.com", "secret1")
    assert tokens.decode(result.token).identity == Identity(user.id, Role.STUDENT)


async def test_log_in_with_a_wrong_password_fails(auth):
    await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT)
    with pytest.raises(InvalidCredentials):
        await auth.log_in("priya@example.com", "secret2")


async def test_log_in_with_an_unknown_email_fails_after_one_password_check(auth, hasher):
    with pytest.raises(InvalidCredentials):
        await auth.log_in("nobody@example.com", "secret1")
    assert hasher.checks == 1


async def test_current_user_of_a_deleted_account_is_not_found(auth, uow, tokens):
    user = await auth.sign_up("Gone", "gone@example.com", "secret1", Role.TEACHER)
    token = tokens.decode(auth.token_for(user))
    del uow.store.users[user.id]
    with pytest.raises(UserNotFound):
        await auth.current_user(token)


async def test_authenticate_rejects_garbage(auth):
    with pytest.raises(InvalidToken):
        await auth.authenticate("not a token")


async def test_a_token_of_an_account_that_no_longer_exists_is_refused(auth, uow, tokens):
    user = await auth.sign_up("Gone", "gone@example.com", "secret1", Role.TEACHER)
    token = tokens.issue(Identity(user.id, Role.TEACHER))
    del uow.store.users[user.id]
    with pytest.raises(InvalidToken):
        await auth.authenticate(token)
    # The account's own route still learns who the token was for (and says 404 itself).
    issued = await auth.authenticate(token, account_must_exist=False)
    assert issued.identity == Identity(user.id, Role.TEACHER)


async def test_an_account_is_looked_up_again_once_it_is_no_longer_remembered(
    uow, hasher, tokens, attempts
):
    forgetful = AuthService(uow, hasher, tokens, attempts, POLICY, KnownAccounts(ttl_seconds=0))
    remembering = AuthService(uow, hasher, tokens, attempts, POLICY, KnownAccounts(60))
    user = await forgetful.sign_up("Gone", "gone@example.com", "secret1", Role.TEACHER)
    token = tokens.issue(Identity(user.id, Role.TEACHER))
    for service in (forgetful, remembering):
        await service.authenticate(token)
    del uow.store.users[user.id]
    assert await remembering.authenticate(token)  # within a minute: no lookup
    with pytest.raises(InvalidToken):
        await forgetful.authenticate(token)


async def test_a_token_whose_role_is_not_the_accounts_is_refused(auth, tokens):
    user = await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT)
    with pytest.raises(InvalidToken):
        await auth.authenticate(tokens.issue(Identity(user.id, Role.TEACHER)))


async def test_failures_for_one_email_from_one_address_stop_that_address_only(auth):
    await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT, "10.0.0.1")
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await auth.log_in("priya@example.com", "wrong", "10.6.6.6")
    with pytest.raises(TooManyAttempts):  # even with the right password, from there
        await auth.log_in("PRIYA@example.com", "secret1", "10.6.6.6")
    # Priya, elsewhere, knows her password and gets in.
    assert await auth.log_in("priya@example.com", "secret1", "10.0.0.3")


async def test_a_success_clears_the_callers_own_failures(auth):
    await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT, "10.0.0.1")
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await auth.log_in("priya@example.com", "wrong", "10.0.0.2")
    await auth.log_in("priya@example.com", "secret1", "10.0.0.2")
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await auth.log_in("priya@example.com", "wrong", "10.0.0.2")
    assert await auth.log_in("priya@example.com", "secret1", "10.0.0.2")


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def paced_auth(uow, hasher, tokens, attempts, waits) -> AuthService:
    """Records how long each login waited for its turn instead of waiting."""

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return AuthService(uow, hasher, tokens, attempts, POLICY, sleep=sleep)


async def test_failures_from_one_address_across_emails_are_paced_then_refused(paced_auth, waits):
    for n in range(5):
        with pytest.raises(InvalidCredentials):
            await paced_auth.log_in(f"nobody{n}@example.com", "secret1", "10.9.9.9")
    assert waits == []
    # Past the per-address count: each waits for its turn, two seconds apart, ten at most.
    for n in range(6):
        with pytest.raises(InvalidCredentials):
            await paced_auth.log_in(f"paced{n}@example.com", "secret1", "10.9.9.9")
    assert waits == [0, 2, 4, 6, 8, 10]
    with pytest.raises(TooManyAttempts):  # its turn is 12 s away
        await paced_auth.log_in("someone@example.com", "secret1", "10.9.9.9")
    assert len(waits) == 6


async def test_a_busy_address_never_holds_back_the_browser_that_signed_up(
    paced_auth, waits, tokens
):
    user = await paced_auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT)
    device = paced_auth.device_token(user.email)  # the sign-up's cookie
    for n in range(30):  # others' typos, from the school's one address
        with pytest.raises((InvalidCredentials, TooManyAttempts)):
            await paced_auth.log_in(f"pupil{n}@example.com", "typo123", "10.9.9.9")
    waits.clear()
    result = await paced_auth.log_in("priya@example.com", "secret1", "10.9.9.9", device)
    assert tokens.decode(result.token).identity == Identity(user.id, Role.STUDENT)
    assert waits == []


async def test_guessing_spread_over_addresses_meets_the_email_ceiling_but_not_a_known_device(
    auth,
):
    await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT, "10.0.0.1")
    device_token = (await auth.log_in("priya@example.com", "secret1", "10.0.0.1")).device_token
    for n in range(6):
        with pytest.raises(InvalidCredentials):
            await auth.log_in("priya@example.com", "wrong", f"10.6.6.{n}")
    with pytest.raises(TooManyAttempts):  # a new address, untrusted: the ceiling holds
        await auth.log_in("priya@example.com", "secret1", "10.0.0.9")
    with pytest.raises(TooManyAttempts):  # a device token of another email is no help
        await auth.log_in("priya@example.com", "secret1", "10.0.0.9", "device:rahul@x.io:1")
    result = await auth.log_in("priya@example.com", "secret1", "10.0.0.9", device_token)
    assert result.device_token == device_token


async def test_a_known_device_has_an_allowance_of_its_own(auth):
    await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT, "10.0.0.1")
    device_token = (await auth.log_in("priya@example.com", "secret1", "10.0.0.1")).device_token
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await auth.log_in("priya@example.com", "wrong", "10.0.0.1", device_token)
    with pytest.raises(TooManyAttempts):
        await auth.log_in("priya@example.com", "secret1", "10.0.0.1", device_token)


async def test_signup_floods_from_one_address_are_refused(auth, uow):
    for n in range(4):
        await auth.sign_up("N", f"n{n}@example.com", "secret1", Role.STUDENT, "10.1.1.1")
    with pytest.raises(TooManyAttempts):
        await auth.sign_up("N", "n4@example.com", "secret1", Role.STUDENT, "10.1.1.1")
    assert len(uow.store.users) == 4
    await auth.sign_up("N", "n5@example.com", "secret1", Role.STUDENT, "10.1.1.2")


def test_spellings_of_one_address_and_one_ipv6_subnet_count_as_one_client():
    from domain.throttling import address_subject

    assert address_subject("::1") == address_subject("0:0::1") == address_subject("0000::0001")
    assert (
        address_subject("2001:db8::1") == address_subject("2001:db8::ffff:2") == ("2001:db8::/64")
    )
    assert address_subject("2001:db8:0:1::1") != address_subject("2001:db8::1")
    assert address_subject("::ffff:10.0.0.1") == address_subject("10.0.0.1") == "10.0.0.1"
    assert address_subject("10.0.0.1") != address_subject("10.0.0.2")
