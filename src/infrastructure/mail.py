"""Mail out through an SMTP server (aiosmtplib), or nowhere when none is configured."""

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr
from enum import StrEnum

import aiosmtplib

from domain.account_ports import MailNotSent
from domain.mail import Mail

# A mail server that has not answered in this long is taken as down.
SMTP_TIMEOUT_SECONDS = 30


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"  # plain connection, then STARTTLS, required (port 587)
    TLS = "tls"  # TLS from the first byte (port 465)
    NONE = "none"  # no encryption: only for a relay on the same machine or network


def envelope_sender(from_header: str) -> str:
    """The address of `SMTP_FROM` (which may be `Name <address>`)."""
    return parseaddr(from_header)[1]


class SmtpMailer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        security: SmtpSecurity,
        username: str | None = None,
        password: str | None = None,
        timeout: float = SMTP_TIMEOUT_SECONDS,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._security = security
        self._username = username or None
        self._password = password or None
        self._timeout = timeout

    @property
    def configured(self) -> bool:
        return True

    def _message(self, mail: Mail) -> EmailMessage:
        message = EmailMessage(policy=SMTP)  # CRLF line ends; a header with a line break raises
        message["From"] = self._sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=envelope_sender(self._sender).partition("@")[2])
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(mail.text)
        return message

    async def send(self, mail: Mail) -> None:
        """The envelope names the one recipient, whatever the headers say."""
        try:
            await aiosmtplib.send(
                self._message(mail),
                sender=envelope_sender(self._sender),
                recipients=[mail.to],
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._security is SmtpSecurity.TLS,
                start_tls=self._security is SmtpSecurity.STARTTLS,
                timeout=self._timeout,
            )
        except (TimeoutError, aiosmtplib.SMTPException, OSError, ValueError) as error:
            # The server's own words may quote the mail; only what kind of failure it was.
            code = getattr(error, "code", None)
            reason = f"{type(error).__name__}{f' {code}' if code else ''}"
            where = f"{self._host}:{self._port}"
            raise MailNotSent(f"the mail server at {where} failed: {reason}") from None


class NoMailer:
    """No mail server configured: nothing can be sent, and callers can ask first."""

    @property
    def configured(self) -> bool:
        return False

    async def send(self, mail: Mail) -> None:
        raise MailNotSent("no mail server is configured (SMTP_HOST)")
