"""A real SMTP server for the tests (aiosmtpd, on 127.0.0.1), and a server process of the
service that mails through it. The session's `server` has no mail server configured."""

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.integration.server import ServerProcess, free_port

# Recipients at this domain are refused by the mailbox's server (550), as a real one may.
REFUSED_DOMAIN = "refused.example"
SMTP_FROM = "Live Attendance <attendance@school.example>"
RESET_LINK = re.compile(r"(http\S+/#/reset-password/)([\w-]+)")


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]  # the envelope's: who the server delivers it to
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_content()

    @property
    def link(self) -> str:
        found = RESET_LINK.search(self.text)
        assert found, self.text
        return found[0]

    @property
    def token(self) -> str:
        return self.link.rsplit("/", 1)[1]


class Mailbox:
    """What an SMTP server on loopback received (its handler runs in the server's thread)."""

    def __init__(self) -> None:
        self.port = 0  # the server's, once started
        self.received: list[Received] = []
        self._arrived = threading.Condition()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address.endswith(f"@{REFUSED_DOMAIN}"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._arrived:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
            self._arrived.notify_all()
        return "250 Message accepted"

    def to(self, email: str) -> list[Received]:
        return [mail for mail in self.received if email in mail.recipients]

    def wait_for(self, email: str, count: int = 1, timeout: float = 10) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.to(email)) < count and time.monotonic() < deadline:
                self._arrived.wait(deadline - time.monotonic())
        found = self.to(email)
        assert len(found) >= count, f"{len(found)} mails to {email}"
        return found


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


def mailing_server(
    server_env: dict[str, str], log_path, smtp_port: int, **settings: str
) -> ServerProcess:
    """A server process that mails through 127.0.0.1:smtp_port, its links beginning with its
    own address; each test names its client's address (X-Forwarded-For), so the per-address
    limits of one test do not reach another's."""
    process = ServerProcess(
        {
            **server_env,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_SECURITY": "none",
            "SMTP_FROM": SMTP_FROM,
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            **settings,
        },
        log_path,
    )
    process.env["PUBLIC_URL"] = process.base_url
    return process


@pytest.fixture(scope="module")
def mail_server(server_env, mailbox, tmp_path_factory) -> Iterator[ServerProcess]:
    log_path = tmp_path_factory.mktemp("mail-server") / "server.log"
    process = mailing_server(server_env, log_path, mailbox.port).start()
    yield process
    process.stop()
