"""The administrator's rules (issue 25): the sign-up policy, admins made outside sign-up,
listing users, changing a role (its old tokens stop working at once), the last admin."""

import pytest

from domain.errors import (
    EmailAlreadyExists,
    InvalidToken,
    LastAdmin,
    SignupByInvitationOnly,
    TeacherSignupRefused,
    TooManyAttempts,
    UserNotFound,
)
from domain.throttling import AttemptPolicy
from domain.users import Identity, Role, SignupPolicy, UserQuery
from services.accounts import AccountService
from services.admin import AdminService
from services.auth import AuthService
from services.known_accounts import KnownAccounts
from tests.unit.fakes import InMemoryAttemptCounter, RecordingEventBus

pytestmark = pytest.mark.anyio

POLICY = AttemptPolicy.with_limits(
    per_email_and_address=3, per_address=5, per_email=6, signups_per_address=1, window_seconds=60
)


def auth_with(
    uow, hasher, tokens, signup=SignupPolicy.OPEN, accounts=None, clock=None
) -> AuthService:
    return AuthService(
        uow, hasher, tokens, InMemoryAttemptCounter(), POLICY, accounts, signup=signup, clock=clock
    )


@pytest.fixture
def accounts() -> KnownAccounts:
    return KnownAccounts(ttl_seconds=60)


@pytest.fixture
def auth(uow, hasher, tokens, accounts, events, clock) -> AuthService:
    # Tokens dated on the tests' clock, as the changes are.
    auth = auth_with(uow, hasher, tokens, accounts=accounts, clock=clock)
    events.subscribe(auth.hear)  # as every server process's does
    return auth


@pytest.fixture
def admin(uow, events, clock) -> AdminService:
    return AdminService(uow, events, clock)


async def test_signup_students_refuses_teachers_but_takes_students(uow, hasher, tokens):
    auth = auth_with(uow, hasher, tokens, SignupPolicy.STUDENTS)
    with pytest.raises(TeacherSignupRefused):
        await auth.sign_up("Tess", "tess@example.com", "secret1", Role.TEACHER)
    student = await auth.sign_up("Sam", "sam@example.com", "secret1", Role.STUDENT)
    assert [u.role for u in uow.store.users.values()] == [Role.STUDENT]
    assert student.role is Role.STUDENT


async def test_signup_invitation_refuses_everyone(uow, hasher, tokens):
    auth = auth_with(uow, hasher, tokens, SignupPolicy.INVITATION)
    for role in (Role.TEACHER, Role.STUDENT):
        with pytest.raises(SignupByInvitationOnly):
            await auth.sign_up("Someone", "someone@example.com", "secret1", role)
    assert uow.store.users == {}


async def test_nobody_signs_up_as_an_admin_even_when_sign_up_is_open(auth, uow):
    with pytest.raises(SignupByInvitationOnly):
        await auth.sign_up("Ada", "ada@example.com", "secret1", Role.ADMIN)
    assert uow.store.users == {}


async def test_the_policy_is_checked_before_the_address_limit_and_the_email(uow, hasher, tokens):
    auth = auth_with(uow, hasher, tokens, SignupPolicy.STUDENTS)
    await auth.sign_up("Sam", "sam@example.com", "secret1", Role.STUDENT, "10.0.0.1")
    # The address's one sign-up is spent and the email is taken: the policy speaks first.
    with pytest.raises(TeacherSignupRefused):
        await auth.sign_up("Sam", "sam@example.com", "secret1", Role.TEACHER, "10.0.0.1")
    with pytest.raises(TooManyAttempts):
        await auth.sign_up("Sam", "sam@example.com", "secret1", Role.STUDENT, "10.0.0.1")


async def make_admin(uow, hasher, clock, name: str, email: str, password: str):
    """As `live-attendance create-admin` does, and the admin following the printed link."""
    accounts = AccountService(uow, hasher, clock, RecordingEventBus())
    made, link = await accounts.create_admin(name, email)
    await accounts.set_password(link.token, password)
    return made


async def test_an_admin_is_made_outside_sign_up_and_logs_in_as_one(uow, hasher, tokens, clock):
    auth = auth_with(uow, hasher, tokens, SignupPolicy.INVITATION)
    made = await make_admin(uow, hasher, clock, "Ada", "ada@example.com", "secret1")
    assert uow.store.users[made.id].role is Role.ADMIN
    result = await auth.log_in("ada@example.com", "secret1")
    assert tokens.decode(result.token).identity == Identity(made.id, Role.ADMIN)
    with pytest.raises(EmailAlreadyExists):
        await AccountService(uow, hasher, clock, RecordingEventBus()).create_admin(
            "Ada", "ADA@example.com"
        )


async def test_users_are_listed_by_name_filtered_by_role_and_prefix_and_paged(auth, admin):
    for name, email, role in [
        ("Zoe", "zoe@example.com", Role.STUDENT),
        ("Adam", "adam@example.com", Role.TEACHER),
        ("Bea", "zed@example.com", Role.STUDENT),
        ("Carl", "carl@example.com", Role.STUDENT),
    ]:
        await auth.sign_up(name, email, "secret1", role, client_address=email)
    everyone = await admin.list_users(UserQuery())
    assert [u.name for u in everyone] == ["Adam", "Bea", "Carl", "Zoe"]
    students = await admin.list_users(UserQuery(role=Role.STUDENT))
    assert [u.name for u in students] == ["Bea", "Carl", "Zoe"]
    # The search matches the name or the email's start, any letter case.
    found = await admin.list_users(UserQuery(search="Z"))
    assert [u.name for u in found] == ["Bea", "Zoe"]
    page = await admin.list_users(UserQuery(limit=2, offset=1))
    assert [u.name for u in page] == ["Bea", "Carl"]


async def test_a_role_change_refuses_the_old_role_tokens_at_once(auth, admin, tokens):
    user = await auth.sign_up("Pupil", "pupil@example.com", "secret1", Role.TEACHER)
    old_token = tokens.issue(Identity(user.id, Role.TEACHER))
    assert await auth.authenticate(old_token)  # remembered for a minute from now
    changed = await admin.change_role(user.id, Role.STUDENT)
    assert changed.role is Role.STUDENT
    with pytest.raises(InvalidToken):
        await auth.authenticate(old_token)
    with pytest.raises(InvalidToken):  # the account's own route refuses it too
        await auth.current_user(tokens.decode(old_token))
    new_token = tokens.issue(Identity(user.id, Role.STUDENT), changed.tokens_valid_from)
    assert (await auth.authenticate(new_token)).identity == Identity(user.id, Role.STUDENT)


async def test_a_role_change_of_an_unknown_user_is_not_found(admin, add_user, uow):
    stranger = add_user(Role.STUDENT)
    del uow.store.users[stranger.user_id]
    with pytest.raises(UserNotFound):
        await admin.change_role(stranger.user_id, Role.TEACHER)


async def test_the_last_admin_keeps_the_role_but_one_of_two_may_give_it_up(
    admin, uow, hasher, clock
):
    first = await make_admin(uow, hasher, clock, "Ada", "ada@example.com", "secret1")
    with pytest.raises(LastAdmin):
        await admin.change_role(first.id, Role.TEACHER)
    assert uow.store.users[first.id].role is Role.ADMIN
    second = await make_admin(uow, hasher, clock, "Bob", "bob@example.com", "secret1")
    assert (await admin.change_role(first.id, Role.TEACHER)).role is Role.TEACHER
    with pytest.raises(LastAdmin):
        await admin.change_role(second.id, Role.STUDENT)


async def test_making_someone_an_admin_and_setting_the_same_role_again(auth, admin, uow):
    user = await auth.sign_up("Tess", "tess@example.com", "secret1", Role.TEACHER)
    assert (await admin.change_role(user.id, Role.ADMIN)).role is Role.ADMIN
    assert (await admin.change_role(user.id, Role.ADMIN)).role is Role.ADMIN
    assert uow.store.users[user.id].role is Role.ADMIN
