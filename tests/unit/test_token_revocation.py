"""When an account's tokens stop working (domain/users.py), and how each server process
learns it at once (services/known_accounts.py): tokens carry their issue time in whole
seconds, so a revocation refuses every token of its own second, and a token issued after it
is dated from the next."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import jwt
import pytest

from domain.errors import InvalidToken
from domain.events import StatesRequested
from domain.users import (
    Identity,
    IssuedToken,
    RevocationReason,
    Role,
    TokensRevoked,
    tokens_valid_from,
)
from infrastructure.security import JwtTokenCodec
from services.auth import AuthService
from services.known_accounts import KnownAccounts
from tests.factories import UserFactory
from tests.unit.fakes import FakeTokens, InMemoryAttemptCounter
from tests.unit.test_auth_service import POLICY

pytestmark = pytest.mark.anyio

NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def token_at(moment: datetime, role: Role = Role.STUDENT) -> IssuedToken:
    """A token as it comes back from a client: its issue time in whole seconds."""
    return IssuedToken(Identity(uuid4(), role), moment.replace(microsecond=0))


def test_a_revocation_refuses_the_tokens_of_its_own_second_and_admits_those_dated_after():
    user = UserFactory.build(role=Role.STUDENT)
    user.change_password("hashed:new", NOON + timedelta(milliseconds=300))
    assert user.tokens_valid_from == NOON + timedelta(seconds=1)
    standing = user.standing
    before = token_at(NOON + timedelta(milliseconds=299), Role.STUDENT)
    assert not standing.accepts(IssuedToken(Identity(user.id, Role.STUDENT), before.issued_at))
    # Issued 200 ms after the change, in the same second: dated from the next.
    dated = user.token_date(NOON + timedelta(milliseconds=500))
    assert dated == NOON + timedelta(seconds=1)
    assert standing.accepts(IssuedToken(Identity(user.id, Role.STUDENT), dated))
    # Long after it: dated when it was checked.
    assert user.token_date(NOON + timedelta(hours=1)) == NOON + timedelta(hours=1)
    assert user.events == [
        TokensRevoked(user.id, NOON + timedelta(seconds=1), RevocationReason.PASSWORD_CHANGED)
    ]


def test_a_second_revocation_in_the_same_second_refuses_the_tokens_issued_since_the_first():
    """A password set with a link, a login with it, then a deactivation, all in one second:
    the login's token is dated from the first revocation's valid_from; the second must refuse
    it (it used to take the same valid_from, and the token outlived a reactivation)."""
    user = UserFactory.build(role=Role.STUDENT)
    user.change_password("hashed:new", NOON + timedelta(milliseconds=100))
    since_first = IssuedToken(
        Identity(user.id, Role.STUDENT), user.token_date(NOON + timedelta(milliseconds=200))
    )
    assert user.standing.accepts(since_first)
    user.deactivate(NOON + timedelta(milliseconds=300))
    user.reactivate()
    assert not user.standing.accepts(since_first)
    assert user.tokens_valid_from == NOON + timedelta(seconds=2)
    fresh = user.token_date(NOON + timedelta(milliseconds=400))
    assert user.standing.accepts(IssuedToken(Identity(user.id, Role.STUDENT), fresh))
    assert [event.valid_from for event in user.events] == [
        NOON + timedelta(seconds=1),
        NOON + timedelta(seconds=2),
    ]


def test_a_deactivated_account_accepts_no_token_and_reactivation_keeps_old_ones_refused():
    user = UserFactory.build(role=Role.TEACHER)
    old = IssuedToken(Identity(user.id, Role.TEACHER), NOON)
    user.deactivate(NOON + timedelta(minutes=1))
    fresh = IssuedToken(Identity(user.id, Role.TEACHER), NOON + timedelta(minutes=2))
    assert not user.standing.accepts(fresh)
    user.deactivate(NOON + timedelta(minutes=3))  # again: nothing more happens
    assert [event.reason for event in user.events] == [RevocationReason.DEACTIVATED]
    user.reactivate()
    assert user.standing.accepts(fresh)
    assert not user.standing.accepts(old)


def test_erasing_deactivates_and_revokes_even_an_account_deactivated_before():
    user = UserFactory.build(role=Role.STUDENT)
    user.deactivate(NOON)
    user.erase(NOON + timedelta(minutes=1))
    assert user.deactivated_at == NOON  # deactivated since then, as it was
    assert user.tokens_valid_from == tokens_valid_from(NOON + timedelta(minutes=1))
    assert [event.reason for event in user.events] == [
        RevocationReason.DEACTIVATED,
        RevocationReason.ERASED,
    ]
    active = UserFactory.build(role=Role.TEACHER)
    active.erase(NOON)
    later = IssuedToken(Identity(active.id, Role.TEACHER), NOON + timedelta(hours=1))
    assert not active.is_active and not active.standing.accepts(later)


def test_a_role_change_revokes_and_the_same_role_again_does_not():
    user = UserFactory.build(role=Role.TEACHER)
    user.change_role(Role.TEACHER, NOON)
    assert user.events == [] and user.tokens_valid_from is None
    user.change_role(Role.STUDENT, NOON)
    assert user.events[0].reason is RevocationReason.ROLE_CHANGED
    assert tokens_valid_from(NOON) == user.tokens_valid_from


def test_known_accounts_forget_a_revoked_account_and_everything_after_the_bus_was_away():
    known = KnownAccounts(ttl_seconds=60)
    first, second = UserFactory.build(), UserFactory.build()
    for user in (first, second):
        known.remember(user.id, user.standing, known.forgotten)
    known.hear(TokensRevoked(first.id, NOON, RevocationReason.PASSWORD_CHANGED))
    assert known.recall(first.id) is None and known.recall(second.id) is not None
    known.hear(StatesRequested())
    assert known.recall(second.id) is None


def test_a_standing_read_while_a_revocation_was_heard_is_not_remembered():
    known = KnownAccounts(ttl_seconds=60)
    user = UserFactory.build()
    read_after = known.forgotten
    known.forget(user.id)  # heard while the (older) standing was being read
    known.remember(user.id, user.standing, read_after)
    assert known.recall(user.id) is None


@pytest.fixture
def auth(uow, hasher, clock) -> AuthService:
    return AuthService(
        uow,
        hasher,
        FakeTokens(clock),
        InMemoryAttemptCounter(),
        POLICY,
        KnownAccounts(60),
        clock=clock,
    )


async def test_a_remembered_account_is_read_again_once_a_revocation_is_heard(auth, uow, clock):
    user = await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT)
    old = auth.token_for(user)
    assert await auth.authenticate(old)  # remembered for a minute now
    uow.store.users[user.id].change_password("hashed:other", clock.now())
    assert await auth.authenticate(old)  # not heard yet: the minute's memory answers
    auth.hear(uow.store.users[user.id].events[0])
    with pytest.raises(InvalidToken):
        await auth.authenticate(old)
    assert await auth.authenticate(auth.token_for(uow.store.users[user.id]))


async def test_a_revocation_heard_forgets_the_tokens_the_codec_verified(
    uow, hasher, clock, monkeypatch
):
    """The codec's memory of verified tokens outlives no revocation: the old token is
    verified again, then refused by the account's standing (which alone decides)."""
    codec = JwtTokenCodec("k" * 64)
    auth = AuthService(
        uow, hasher, codec, InMemoryAttemptCounter(), POLICY, KnownAccounts(60), clock=clock
    )
    user = await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT)
    other = await auth.sign_up("Rahul", "rahul@example.com", "secret1", Role.STUDENT)
    now = datetime.now(UTC)  # the codec checks the dates on the wall clock
    old, others = auth.token_for(user, now), auth.token_for(other, now)
    for token in (old, others):
        await auth.authenticate(token)
    verified = []
    real_decode = jwt.decode
    monkeypatch.setattr(
        jwt, "decode", lambda t, *a, **k: verified.append(t) or real_decode(t, *a, **k)
    )
    uow.store.users[user.id].change_password("hashed:other", now)
    auth.hear(uow.store.users[user.id].events[0])
    with pytest.raises(InvalidToken):
        await auth.authenticate(old)
    await auth.authenticate(others)
    assert verified == [old]


async def test_a_revocation_heard_during_the_accounts_read_makes_it_read_again(
    auth, uow, clock, monkeypatch
):
    """The read may have been answered before the revocation was committed: its answer must
    not stand (nor be remembered), or a socket opened with the old token would survive."""
    user = await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT)
    old = auth.token_for(user)
    from tests.unit.fake_users import FakeUsers

    real_get = FakeUsers.get
    reads = []

    async def get_then_revoke(self, user_id, *, for_update=False):
        found = await real_get(self, user_id, for_update=for_update)
        reads.append(found)
        if len(reads) == 1:  # the revocation commits and is heard while this read returns
            stored = uow.store.users[user_id]
            stored.change_password("hashed:other", clock.now())
            auth.hear(stored.events[0])
        return found

    monkeypatch.setattr(FakeUsers, "get", get_then_revoke)
    with pytest.raises(InvalidToken):
        await auth.authenticate(old)
    assert len(reads) == 2


async def test_revocations_since_a_moment_are_found_for_a_process_that_missed_them(
    auth, uow, clock
):
    kept = await auth.sign_up("Kept", "kept@example.com", "secret1", Role.STUDENT)
    moment = clock.now()
    changed = await auth.sign_up("Changed", "changed@example.com", "secret1", Role.STUDENT)
    gone = await auth.sign_up("Gone", "gone@example.com", "secret1", Role.TEACHER)
    uow.store.users[changed.id].change_password("hashed:x", clock.now())
    uow.store.users[gone.id].deactivate(clock.now())
    found = {event.user_id: event.reason for event in await auth.revocations_since(moment)}
    assert found == {
        changed.id: RevocationReason.TOKENS_REVOKED,  # the database keeps no reason
        gone.id: RevocationReason.DEACTIVATED,
    }
    assert kept.id not in found


async def test_a_login_that_read_the_account_just_before_a_password_change_is_refused(
    auth, uow, clock, hasher, monkeypatch
):
    """bcrypt takes a while: the token is dated when the account was read, so a change made
    meanwhile (the owner's, against someone who knew the old password) refuses it."""
    user = await auth.sign_up("Priya", "priya@example.com", "secret1", Role.STUDENT)
    real_verify = type(hasher).verify

    async def verify_while_the_password_changes(self, password, password_hash):
        matches = await real_verify(self, password, password_hash)
        stored = uow.store.users[user.id]
        stored.change_password("hashed:new-secret", clock.now())
        auth.hear(stored.events[-1])
        return matches

    monkeypatch.setattr(type(hasher), "verify", verify_while_the_password_changes)
    result = await auth.log_in("priya@example.com", "secret1")
    with pytest.raises(InvalidToken):
        await auth.authenticate(result.token)
