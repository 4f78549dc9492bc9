""" "Forgot your password?" without a database or a mail server: the same answer whether the
email has an account or not, the mail sent afterwards, the limits per address (refused) and per
email (silent), a mail server that fails (logged, without the link), and what reaches the
mail's headers."""

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from domain.account_links import token_digest
from domain.errors import InvalidLink, ResetByEmailUnavailable, TooManyAttempts
from domain.mail import Mail, NotOneLine
from domain.throttling import AttemptPolicy
from domain.users import NO_PASSWORD, Role
from services.accounts import AccountService
from services.background import BackgroundTasks
from services.password_reset import RESET_SUBJECT, PasswordResetService, reset_mail
from tests.factories import UserFactory
from tests.unit.fakes import InMemoryAttemptCounter, RecordingMailer

pytestmark = pytest.mark.anyio
BASE = "https://attendance.school.example"
ADDRESS = "203.0.113.9"


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


@pytest.fixture
def background() -> BackgroundTasks:
    return BackgroundTasks()


@pytest.fixture
def accounts(uow, hasher, clock, events) -> AccountService:
    return AccountService(uow, hasher, clock, events)


def policy(per_address: int = 50, per_email: int = 3) -> AttemptPolicy:
    return AttemptPolicy.with_limits(
        per_email_and_address=5,
        per_address=50,
        per_email=100,
        signups_per_address=300,
        window_seconds=900,
        password_resets_per_address=per_address,
        password_resets_per_email=per_email,
    )


@pytest.fixture
def make_service(accounts, uow, mailer, background):
    def make(**limits: int) -> PasswordResetService:
        return PasswordResetService(
            accounts, uow, mailer, InMemoryAttemptCounter(), policy(**limits), BASE, background
        )

    return make


def stored_user(uow, **fields):
    user = UserFactory.build(role=Role.STUDENT, **fields)
    uow.store.users[user.id] = user
    return user


def token_in(mail: Mail) -> str:
    link = next(line for line in mail.text.splitlines() if line.startswith(BASE))
    assert link.startswith(f"{BASE}/#/reset-password/")
    return link.rsplit("/", 1)[1]


async def test_a_known_email_is_sent_a_link_that_sets_its_password_an_unknown_one_nothing(
    make_service, uow, mailer, background, accounts
):
    service = make_service()
    user = stored_user(uow)
    assert await service.request_reset(user.email.upper(), ADDRESS) is None
    assert await service.request_reset("nobody@example.com", ADDRESS) is None
    await background.finish()
    assert [(mail.to, mail.subject) for mail in mailer.sent] == [(user.email, RESET_SUBJECT)]
    token = token_in(mailer.sent[0])
    assert list(uow.store.account_links) == [token_digest(token)]  # only its digest is kept
    assert (await accounts.set_password(token, "chosen-1")).id == user.id
    assert uow.store.users[user.id].password_hash == "hashed:chosen-1"


async def test_an_account_with_no_password_yet_gets_its_link_too(
    make_service, uow, mailer, background
):
    user = stored_user(uow, password_hash=NO_PASSWORD)  # invited, imported, made by the command
    await make_service().request_reset(user.email, ADDRESS)
    await background.finish()
    assert [mail.to for mail in mailer.sent] == [user.email]


async def test_a_deactivated_account_is_sent_nothing_and_the_answer_is_the_same(
    make_service, uow, mailer, background, clock
):
    service = make_service()
    user = stored_user(uow, deactivated_at=clock.now())
    assert await service.request_reset(user.email, ADDRESS) is None
    await background.finish()
    assert mailer.sent == [] and uow.store.account_links == {}  # no link made either


async def test_nothing_is_looked_up_before_the_answer(make_service, uow, background):
    stored_user(uow, email="known@example.com")
    opened_before = len(uow.opened)
    await make_service().request_reset("known@example.com", ADDRESS)
    assert len(uow.opened) == opened_before  # the answer came first; the rest is background
    await background.finish()
    assert len(uow.opened) > opened_before


async def test_without_a_mail_server_it_says_so_and_counts_nothing(accounts, uow, background):
    counter = InMemoryAttemptCounter()
    service = PasswordResetService(
        accounts, uow, RecordingMailer(configured=False), counter, policy(), BASE, background
    )
    with pytest.raises(ResetByEmailUnavailable):
        await service.request_reset("anyone@example.com", ADDRESS)
    assert counter.hits == {} and background.running == 0


async def test_past_the_address_limit_requests_are_refused_whatever_the_email(
    make_service, uow, mailer, background
):
    service = make_service(per_address=2)
    user = stored_user(uow)
    await service.request_reset(user.email, ADDRESS)
    await service.request_reset("nobody@example.com", ADDRESS)
    for email in (user.email, "nobody@example.com"):
        with pytest.raises(TooManyAttempts):
            await service.request_reset(email, ADDRESS)
    await service.request_reset(user.email, "198.51.100.7")  # another address has its own
    await background.finish()
    assert len(mailer.sent) == 2


async def test_past_the_email_limit_nothing_more_is_sent_and_nothing_says_so(
    make_service, uow, mailer, background, accounts
):
    service = make_service(per_email=2)
    user = stored_user(uow)
    for number in range(5):
        assert await service.request_reset(user.email, f"198.51.100.{number}") is None
    await background.finish()
    assert len(mailer.sent) == 2
    # The newer link works; the older one was retired when the newer was made.
    first, second = (token_in(mail) for mail in mailer.sent)
    with pytest.raises(InvalidLink):
        await accounts.set_password(first, "chosen-1")
    assert (await accounts.set_password(second, "chosen-2")).id == user.id


async def test_a_mail_server_that_fails_is_logged_without_the_link(
    make_service, uow, mailer, background, caplog
):
    mailer.failing = True
    user = stored_user(uow)
    with caplog.at_level(logging.INFO):
        await make_service().request_reset(user.email, ADDRESS)
        await background.finish()
    assert mailer.sent == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"password reset email to user {user.id} not sent:"
        " the mail server at test:25 failed: SMTPConnectError"
    ]
    assert "reset-password" not in caplog.text and "#/" not in caplog.text


async def test_a_name_with_line_breaks_stays_in_the_body_on_one_line(uow):
    user = stored_user(uow, name="Eve\r\nBcc: attacker@evil.example\r\n\r\nInjected")
    mail = reset_mail(user, f"{BASE}/#/reset-password/t", datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    assert mail.text.startswith("Hello Eve Bcc: attacker@evil.example Injected,\n\n")
    assert "\r" not in mail.text and mail.to == user.email


@pytest.mark.parametrize(
    "to", ["a@example.com\r\nBcc: b@evil.example", "a@example.com\nCc: b@x.example", "a\u2028b"]
)
def test_a_recipient_or_subject_of_more_than_one_line_is_no_mail(to):
    with pytest.raises(NotOneLine):
        Mail(to=to, subject="Hello", text="body")
    with pytest.raises(NotOneLine):
        Mail(to="a@example.com", subject=f"Hi{to}", text="body")


async def test_background_work_is_bounded_and_its_failures_are_logged(caplog):
    tasks = BackgroundTasks(limit=1, shutdown_grace_seconds=0.05)
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    async def failing() -> None:
        raise RuntimeError("boom")

    assert tasks.start(forever(), "a long job")
    await started.wait()
    assert not tasks.start(failing(), "one too many")  # dropped, never run
    await tasks.finish()  # the long one is cancelled after the grace time
    assert tasks.running == 0
    assert tasks.start(failing(), "a failing job")
    await tasks.finish()
    assert "a failing job failed: RuntimeError" in caplog.text
    assert "one too many dropped" in caplog.text
