import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import jwt
import pytest

from domain.errors import InvalidToken
from domain.users import NO_PASSWORD, Identity, Role, tokens_valid_from
from infrastructure.security import ISSUED_AT_LEEWAY_SECONDS, BcryptHasher, JwtTokenCodec

SECRET = "k" * 64
pytestmark = pytest.mark.anyio


@pytest.fixture
def codec() -> JwtTokenCodec:
    return JwtTokenCodec(SECRET)


def test_a_token_carries_user_id_and_role_for_seven_days(codec):
    identity = Identity(uuid4(), Role.TEACHER)
    token = codec.issue(identity)
    issued = codec.decode(token)
    assert issued.identity == identity
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert set(claims) == {"userId", "role", "iat", "exp"}
    assert claims["exp"] - claims["iat"] == int(timedelta(days=7).total_seconds())
    assert issued.issued_at == datetime.fromtimestamp(claims["iat"], UTC)


def test_a_token_issued_in_a_revocations_second_after_it_is_dated_from_the_next(codec):
    # Revoked now: tokens work from the next whole second, and one issued at once says so.
    valid_from = tokens_valid_from(datetime.now(UTC))
    token = codec.issue(Identity(uuid4(), Role.STUDENT), valid_from)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": False})
    assert claims["iat"] == valid_from.timestamp()
    assert codec.decode(token).issued_at == valid_from  # a second ahead is no error
    # A second revocation in that second: a token issued after it is dated a second later.
    later = codec.issue(Identity(uuid4(), Role.STUDENT), valid_from + timedelta(seconds=1))
    assert codec.decode(later).issued_at == valid_from + timedelta(seconds=1)


def test_a_token_without_an_issue_date_counts_as_issued_long_ago(codec):
    token = jwt.encode({"userId": str(uuid4()), "role": "student", "exp": 2**40}, SECRET)
    assert codec.decode(token).issued_at == datetime(1970, 1, 1, tzinfo=UTC)


def test_an_admins_token_has_the_same_shape_and_decodes(codec):
    identity = Identity(uuid4(), Role.ADMIN)
    token = codec.issue(identity)
    assert jwt.decode(token, SECRET, algorithms=["HS256"])["role"] == "admin"
    assert codec.decode(token).identity == identity


@pytest.mark.parametrize(
    "token",
    [
        jwt.encode({"userId": str(uuid4()), "role": "teacher", "exp": 1}, SECRET),  # expired
        jwt.encode({"userId": str(uuid4()), "role": "teacher", "exp": 2**40}, "x" * 64),
        jwt.encode({"userId": str(uuid4()), "role": "teacher", "exp": 2**40}, SECRET, "HS512"),
        jwt.encode({"userId": str(uuid4()), "role": "principal", "exp": 2**40}, SECRET),
        jwt.encode({"userId": "nope", "role": "student", "exp": 2**40}, SECRET),
        jwt.encode({"userId": 7, "role": "student", "exp": 2**40}, SECRET),
        jwt.encode({"role": "student", "exp": 2**40}, SECRET),
        jwt.encode({"userId": str(uuid4()), "role": "student"}, SECRET),  # no expiry
        jwt.encode({"userId": str(uuid4()), "role": "student", "exp": "soon"}, SECRET),
        jwt.encode({"userId": str(uuid4()), "role": "student", "exp": 10**400}, SECRET),
        jwt.encode({"userId": str(uuid4()), "role": "student", "exp": 2**40}, None, "none"),
        jwt.encode({"userId": str(uuid4()), "role": "student", "exp": 2**40, "iat": "x"}, SECRET),
        jwt.encode({"userId": str(uuid4()), "role": "student", "exp": 2**40, "iat": -1e20}, SECRET),
        "garbage",
        "",
    ],
)
def test_invalid_tokens_are_refused(codec, token):
    with pytest.raises(InvalidToken):
        codec.decode(token)


def test_a_token_dated_further_ahead_than_the_leeway_is_refused():
    """Else no revocation would ever refuse it. On a clock that stands still: at the leeway
    it is taken, a second past it refused."""
    now = 1_900_000_000
    codec = JwtTokenCodec(SECRET, now=lambda: now)

    def dated(ahead: int) -> str:
        claims = {"userId": str(uuid4()), "role": "student", "exp": now + 3600, "iat": now + ahead}
        return jwt.encode(claims, SECRET)

    assert codec.decode(dated(ISSUED_AT_LEEWAY_SECONDS)).identity.role is Role.STUDENT
    with pytest.raises(InvalidToken):
        codec.decode(dated(ISSUED_AT_LEEWAY_SECONDS + 1))


async def test_bcrypt_hash_verifies_only_the_right_password():
    hasher = BcryptHasher(rounds=4)
    hashed = await hasher.hash("correct horse")
    assert hashed.startswith("$2b$04$")
    assert await hasher.verify("correct horse", hashed)
    assert not await hasher.verify("wrong horse", hashed)


async def test_bcrypt_refuses_unknown_accounts_and_overlong_passwords():
    hasher = BcryptHasher(rounds=4)
    long_password = "x" * 73
    hashed = await hasher.hash("x" * 72)
    assert not await hasher.verify("anything", None)
    assert not await hasher.verify(long_password, hashed)


async def test_no_password_matches_an_account_that_has_none_yet():
    hasher = BcryptHasher(rounds=4)
    for guess in ("!", "", "anything", NO_PASSWORD):
        assert not await hasher.verify(guess, NO_PASSWORD)


@pytest.fixture
def verifications(monkeypatch) -> list[str]:
    """The tokens PyJWT was asked to verify (a remembered one is not)."""
    verified: list[str] = []
    real_decode = jwt.decode

    def counting(token, *args, **kwargs):
        verified.append(token)
        return real_decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    return verified


def test_a_remembered_token_is_refused_once_it_expires(verifications):
    now = [time.time()]
    codec = JwtTokenCodec(SECRET, lifetime=timedelta(minutes=1), now=lambda: now[0])
    token = codec.issue(Identity(uuid4(), Role.STUDENT))
    codec.decode(token)
    now[0] += 59
    codec.decode(token)
    assert verifications == [token]  # remembered
    now[0] += 2
    with pytest.raises(InvalidToken):
        codec.decode(token)
    with pytest.raises(InvalidToken):  # and not remembered by the refusal either
        codec.decode(token)


def test_the_memory_of_tokens_is_bounded_and_forgets_the_oldest_first(
    codec, monkeypatch, verifications
):
    monkeypatch.setattr(JwtTokenCodec, "remembered_tokens", 3)
    tokens = [codec.issue(Identity(uuid4(), Role.TEACHER)) for _ in range(5)]
    for token in tokens:
        codec.decode(token)
    verifications.clear()
    for token in reversed(tokens):  # newest first: the oldest two are verified again
        codec.decode(token)
    assert verifications == [tokens[1], tokens[0]]
    assert len(codec._verified) == 3


def test_an_accounts_tokens_are_verified_again_once_revoked(codec, verifications):
    revoked, other = uuid4(), uuid4()
    revoked_tokens = [
        codec.issue(Identity(revoked, Role.STUDENT), datetime.now(UTC) - timedelta(seconds=s))
        for s in (0, 60)  # two devices
    ]
    other_token = codec.issue(Identity(other, Role.STUDENT))
    for token in [*revoked_tokens, other_token]:
        codec.decode(token)
    verifications.clear()
    codec.forget_tokens_of(revoked)
    codec.forget_tokens_of(uuid4())  # none remembered: nothing to do
    for token in [*revoked_tokens, other_token]:
        codec.decode(token)
    assert verifications == revoked_tokens
    for token in revoked_tokens:  # remembered again since
        codec.decode(token)
    assert verifications == revoked_tokens


def test_an_account_forgotten_while_its_oldest_token_was_dropped_for_room(
    codec, monkeypatch, verifications
):
    monkeypatch.setattr(JwtTokenCodec, "remembered_tokens", 2)
    user = uuid4()
    first, second = (
        codec.issue(Identity(user, Role.STUDENT), datetime.now(UTC) - timedelta(seconds=s))
        for s in (60, 0)
    )
    stranger = codec.issue(Identity(uuid4(), Role.STUDENT))
    for token in (first, second, stranger):  # the stranger's pushes `first` out
        codec.decode(token)
    codec.forget_tokens_of(user)
    verifications.clear()
    for token in (stranger, first, second):
        codec.decode(token)
    assert verifications == [first, second]


async def test_hashing_threads_run_at_a_lower_priority_than_the_event_loop():
    import os
    import threading

    hasher = BcryptHasher(rounds=4)

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    loop_niceness = niceness()
    assert await hasher._run(niceness) > loop_niceness


async def test_passwords_bcrypt_cannot_take_are_refused_without_an_error():
    hasher = BcryptHasher(rounds=4)
    hashed = await hasher.hash("secret1")
    for odd in ("secret1\x00", "\ud800secret1", ""):
        assert not await hasher.verify(odd, hashed)


def test_a_device_token_names_a_device_for_its_email_only(codec):
    device_token = codec.issue_device_token("Priya@Example.com")
    device = codec.device_of(device_token, "priya@example.com")
    assert device is not None and device == codec.device_of(device_token, "PRIYA@example.com")
    assert codec.device_of(device_token, "rahul@example.com") is None
    assert codec.device_of(codec.issue_device_token("priya@example.com"), "priya@example.com") != (
        device
    )
    other_secret = JwtTokenCodec("o" * 64).issue_device_token("priya@example.com")
    assert codec.device_of(other_secret, "priya@example.com") is None
    auth_token = codec.issue(Identity(uuid4(), Role.STUDENT))
    assert codec.device_of(auth_token, "priya@example.com") is None
    with pytest.raises(InvalidToken):  # and a device token opens nothing
        codec.decode(device_token)
