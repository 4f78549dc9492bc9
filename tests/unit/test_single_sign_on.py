"""Single sign-on's rules on the fakes (the protocol itself is tested against real providers in
tests/integration/sign_in): what a callback must bring back, who it signs in to, which
accounts a provider may make, and the one-time code that hands the token over."""

from dataclasses import replace
from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import InvalidLink
from domain.sign_in import (
    ExternalIdentity,
    PendingSignIn,
    SignInCallback,
    SignInFailure,
    SignInProvider,
    SignInRefused,
)
from domain.users import NO_PASSWORD, Role
from services.single_sign_on import SingleSignOnService

pytestmark = pytest.mark.anyio
ISSUER = "https://idp.school.example"
REDIRECT = "https://attendance.school.example/auth/oidc/school/callback"


class FakeProviders:
    """Providers that vouch for whoever the test sets in `identity`."""

    def __init__(self, *providers: SignInProvider) -> None:
        self._providers = list(providers)
        self.identity: ExternalIdentity | None = None
        self.pending: PendingSignIn | None = None  # the last sign-in begun
        self.finished = 0

    def providers(self) -> list[SignInProvider]:
        return self._providers

    async def begin(self, key: str, redirect_uri: str) -> tuple[str, PendingSignIn]:
        self.pending = PendingSignIn(key, f"state-{uuid4()}", "nonce", "verifier")
        return f"{ISSUER}/authorize", self.pending

    async def finish(self, callback, pending, redirect_uri) -> ExternalIdentity:
        self.finished += 1
        assert self.identity is not None
        return self.identity


class FakeSeal:
    def __init__(self) -> None:
        self._sealed: dict[str, tuple[PendingSignIn, datetime]] = {}

    def seal(self, pending: PendingSignIn, expires_at: datetime) -> str:
        sealed = f"sealed-{uuid4()}"
        self._sealed[sealed] = (pending, expires_at)
        return sealed

    def open(self, sealed: str, now: datetime) -> PendingSignIn | None:
        found = self._sealed.get(sealed)
        return found[0] if found and found[1] > now else None


@pytest.fixture
def providers() -> FakeProviders:
    return FakeProviders(
        SignInProvider("school", "School"),
        SignInProvider("google", "Google", frozenset({"school.example"})),
    )


@pytest.fixture
def seal() -> FakeSeal:
    return FakeSeal()


@pytest.fixture
def sign_on(uow, providers, seal, tokens, clock) -> SingleSignOnService:
    return SingleSignOnService(
        uow, providers, seal, tokens, clock, auto_create_domains=frozenset({"pupils.example"})
    )


def identity(email: str | None, verified: bool = True, **changes) -> ExternalIdentity:
    return ExternalIdentity(ISSUER, f"subject-{uuid4()}", email, verified, "Sam", **changes)


async def sign_in(sign_on: SingleSignOnService, providers: FakeProviders, key="school") -> str:
    """A whole sign-in, as the provider vouches for `providers.identity`: the one-time code
    it ends with."""
    started = await sign_on.start(key, REDIRECT)
    assert providers.pending is not None
    callback = SignInCallback(code="code", state=providers.pending.state)
    return await sign_on.finish(key, callback, started.sealed, REDIRECT)


async def refusal(coroutine) -> SignInFailure:
    with pytest.raises(SignInRefused) as refused:
        await coroutine
    return refused.value.failure


async def test_a_verified_email_signs_in_to_its_account_with_the_usual_token(
    sign_on, providers, add_user, uow, tokens
):
    teacher = add_user(Role.TEACHER)
    providers.identity = identity(uow.store.users[teacher.user_id].email.upper())
    token = await sign_on.exchange(await sign_in(sign_on, providers))
    assert tokens.decode(token).identity == teacher
    # Then the subject: its email may change, or stop being verified, at the provider.
    providers.identity = replace(providers.identity, email="moved@elsewhere.example")
    providers.identity = replace(providers.identity, email_verified=False)
    assert (
        tokens.decode(await sign_on.exchange(await sign_in(sign_on, providers))).identity == teacher
    )


async def test_what_the_callback_must_bring_back_is_checked_before_the_provider_is_asked(
    sign_on, providers, clock
):
    started = await sign_on.start("school", REDIRECT)
    good = SignInCallback(code="code", state=providers.pending.state)

    def finish(callback=good, sealed=started.sealed, key="school"):
        return sign_on.finish(key, callback, sealed, REDIRECT)

    assert await refusal(finish(SignInCallback(error="access_denied"))) is SignInFailure.CANCELLED
    assert await refusal(finish(sealed=None)) is SignInFailure.EXPIRED
    assert await refusal(finish(sealed="made-up")) is SignInFailure.EXPIRED
    assert await refusal(finish(key="google")) is SignInFailure.EXPIRED  # begun for another
    assert await refusal(finish(replace(good, state="other"))) is SignInFailure.EXPIRED
    assert await refusal(finish(replace(good, state=None))) is SignInFailure.EXPIRED
    assert await refusal(finish(replace(good, code=None))) is SignInFailure.REFUSED
    assert await refusal(finish(key="nobody")) is SignInFailure.UNKNOWN_PROVIDER
    assert await refusal(sign_on.start("nobody", REDIRECT)) is SignInFailure.UNKNOWN_PROVIDER
    clock._next += timedelta(minutes=10)  # the person took too long at the provider
    assert await refusal(finish()) is SignInFailure.EXPIRED
    assert providers.finished == 0


async def test_an_unverified_email_never_finds_an_account(sign_on, providers, add_user, uow):
    student = add_user(Role.STUDENT)
    providers.identity = identity(uow.store.users[student.user_id].email, verified=False)
    assert await refusal(sign_in(sign_on, providers)) is SignInFailure.UNVERIFIED_EMAIL
    providers.identity = identity(None)
    assert await refusal(sign_in(sign_on, providers)) is SignInFailure.UNVERIFIED_EMAIL
    assert uow.store.external_identities == {}


async def test_a_provider_limited_to_domains_takes_those_only(sign_on, providers, add_user, uow):
    student = add_user(Role.STUDENT)
    user = uow.store.users[student.user_id]
    user.email = "pupil@school.example"
    providers.identity = identity("someone@gmail.example")
    assert await refusal(sign_in(sign_on, providers, "google")) is SignInFailure.DOMAIN_NOT_ALLOWED
    # Google's `hd`, when sent, must be one of them too.
    providers.identity = identity(user.email, hosted_domain="other.example")
    assert await refusal(sign_in(sign_on, providers, "google")) is SignInFailure.DOMAIN_NOT_ALLOWED
    providers.identity = identity(user.email, hosted_domain="School.example")
    assert await sign_in(sign_on, providers, "google")


async def test_only_the_allowed_domains_get_an_account_and_only_a_students(
    sign_on, providers, uow, tokens
):
    providers.identity = identity("teacher@staff.example")
    assert await refusal(sign_in(sign_on, providers)) is SignInFailure.NO_ACCOUNT
    assert uow.store.users == {}
    providers.identity = replace(identity("New.Pupil@Pupils.example"), name=None)
    made = tokens.decode(await sign_on.exchange(await sign_in(sign_on, providers))).identity
    user = uow.store.users[made.user_id]
    assert (user.role, user.password_hash, user.name) == (Role.STUDENT, NO_PASSWORD, "New.Pupil")
    providers.identity = replace(identity("long@pupils.example"), name="N" * 300)
    long_named = tokens.decode(await sign_on.exchange(await sign_in(sign_on, providers))).identity
    assert uow.store.users[long_named.user_id].name == "N" * 100


async def test_an_account_keeps_the_one_subject_it_was_linked_to(sign_on, providers, add_user, uow):
    student = add_user(Role.STUDENT)
    email = uow.store.users[student.user_id].email
    providers.identity = identity(email)
    await sign_in(sign_on, providers)
    providers.identity = identity(email)  # another subject, the same email
    assert await refusal(sign_in(sign_on, providers)) is SignInFailure.LINKED_ELSEWHERE


async def test_the_one_time_code_works_once_and_for_a_minute(
    sign_on, providers, add_user, uow, clock
):
    student = add_user(Role.STUDENT)
    providers.identity = identity(uow.store.users[student.user_id].email)
    code = await sign_in(sign_on, providers)
    await sign_on.exchange(code)
    with pytest.raises(InvalidLink):
        await sign_on.exchange(code)
    late = await sign_in(sign_on, providers)
    clock._next += timedelta(seconds=60)
    with pytest.raises(InvalidLink):
        await sign_on.exchange(late)


async def test_a_deactivated_account_is_refused(sign_on, providers, add_user, uow, clock):
    student = add_user(Role.STUDENT)
    providers.identity = identity(uow.store.users[student.user_id].email)
    code = await sign_in(sign_on, providers)
    uow.store.users[student.user_id].deactivate(clock.now())
    assert await refusal(sign_in(sign_on, providers)) is SignInFailure.DEACTIVATED
    with pytest.raises(InvalidLink):  # switched off between the callback and the exchange
        await sign_on.exchange(code)
