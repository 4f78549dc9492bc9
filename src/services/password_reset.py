""" "Forgot your password?": a reset link emailed to the account's owner. The answer is the same
whether the email has an account or not, and comes as fast: everything that depends on the
account (looking it up, the link, the mail) happens in the background, after the answer."""

import logging
from datetime import datetime

from domain.account_links import LinkPurpose, link_address
from domain.account_ports import Mailer, MailNotSent
from domain.errors import ResetByEmailUnavailable, TooManyAttempts
from domain.mail import Mail, NotOneLine
from domain.ports import AttemptCounter, UnitOfWorkFactory
from domain.throttling import AttemptPolicy
from domain.users import User
from services.accounts import AccountService
from services.background import BackgroundTasks

log = logging.getLogger(__name__)

RESET_SUBJECT = "Reset your Live Attendance password"


def reset_mail(user: User, link: str, expires_at: datetime) -> Mail:
    name = " ".join(user.name.split())  # on one line, whatever the name holds
    return Mail(
        to=user.email,
        subject=RESET_SUBJECT,
        text=(
            f"Hello {name},\n\n"
            f"Someone, we hope you, asked to reset the password of the Live Attendance account"
            f" {user.email}. To choose a new password, open this link before"
            f" {expires_at:%H:%M} UTC ({expires_at:%Y-%m-%d}); it works once:\n\n"
            f"{link}\n\n"
            "If you did not ask, ignore this email: your password stays as it is.\n"
        ),
    )


class PasswordResetService:
    def __init__(
        self,
        accounts: AccountService,
        uow: UnitOfWorkFactory,
        mailer: Mailer,
        attempts: AttemptCounter,
        policy: AttemptPolicy,
        link_base: str,
        background: BackgroundTasks,
    ) -> None:
        """`link_base` is where people reach the service (PUBLIC_URL): the emailed link starts
        with it, never with an address a request named (anyone could name theirs)."""
        self._accounts = accounts
        self._uow = uow
        self._mailer = mailer
        self._attempts = attempts
        self._policy = policy
        self._link_base = link_base
        self._background = background

    async def request_reset(self, email: str, client_address: str) -> None:
        """Emails a reset link if the email has an account that is not deactivated, in the
        background. Refused when no mail server is configured, and past the requests one
        address may make (TooManyAttempts); past the mails one email may get, nothing is sent,
        and nothing says so."""
        if not self._mailer.configured:
            raise ResetByEmailUnavailable()
        if not await self._attempts.take(self._policy.reset_address_checks(client_address)):
            raise TooManyAttempts()
        self._background.start(self._email_link(email), "password reset email")

    async def _email_link(self, email: str) -> None:
        if not await self._attempts.take(self._policy.reset_email_checks(email)):
            log.info("password reset email not sent: this email was sent its allowance lately")
            return
        async with self._uow() as uow:
            user = await uow.users.get_by_email(email)
        if user is None:
            return
        if not user.is_active:  # no link would let them in; the answer said nothing either way
            log.info("password reset email not sent to user %s: deactivated", user.id)
            return
        link = await self._accounts.reset_link(user.id)
        address = link_address(self._link_base, LinkPurpose.RESET_PASSWORD, link.token)
        try:
            await self._mailer.send(reset_mail(user, address, link.expires_at))
        except (MailNotSent, NotOneLine) as error:
            log.warning("password reset email to user %s not sent: %s", user.id, error or "refused")
            return
        log.info("password reset email sent to user %s", user.id)
