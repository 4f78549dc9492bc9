""" "Forgot your password?" and reset links against the real service, a real PostgreSQL and a
real SMTP server (aiosmtpd on 127.0.0.1): the same answer for known and unknown emails, the
link followed from the received message, used twice, expired, guessed or replaced; the limits;
a mail server that is down, refuses or offers no STARTTLS; header injection. The links an
administrator or a teacher makes to hand over are in test_handover_links.py."""

import asyncio
import itertools
import threading
import time
from datetime import timedelta
from uuid import UUID

import httpx
import pytest

from domain.account_links import LinkPurpose
from tests.factories import SignupBodyFactory
from tests.integration.mailbox import (
    REFUSED_DOMAIN,
    SMTP_FROM,
    mail_server,
    mailbox,
    mailing_server,
)
from tests.integration.server import free_port
from tests.integration.test_account_lifecycle import run_sql
from tests.integration.test_web_accounts import with_accounts

__all__ = ["mail_server", "mailbox"]  # fixtures, shared

USED = {"success": False, "error": "This link is invalid, used or expired"}
ACCEPTED = {
    "success": True,
    "data": {
        "message": "If an account has this email, a link to choose a new password is on its"
        " way to it. It works once, for a short time."
    },
}
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


@pytest.fixture
def client(mail_server):
    """A client of the mailing server from an address of its own (X-Forwarded-For)."""
    with httpx.Client(
        base_url=mail_server.base_url,
        timeout=30,
        headers={"X-Forwarded-For": next(_addresses)},
    ) as client:
        yield client


def sign_up(client: httpx.Client, **fields: str) -> dict:
    body = SignupBodyFactory.build(role="student", **fields)
    assert client.post("/auth/signup", json=body).status_code == 201
    return body


def forgot(client: httpx.Client, email: str) -> httpx.Response:
    return client.post("/auth/password-reset", json={"email": email})


def log_in(client: httpx.Client, email: str, password: str) -> int:
    return client.post("/auth/login", json={"email": email, "password": password}).status_code


def test_the_same_answer_for_known_and_unknown_emails_and_the_mail_goes_to_the_known(
    client, mailbox, mail_server
):
    known = sign_up(client)
    unknown = f"nobody.{known['email']}"
    answers = [forgot(client, email) for email in (known["email"], unknown)]
    assert [(a.status_code, a.json()) for a in answers] == [(202, ACCEPTED)] * 2
    assert answers[0].headers.keys() == answers[1].headers.keys()
    [mail] = mailbox.wait_for(known["email"])
    time.sleep(0.5)
    assert mailbox.to(unknown) == []
    assert mail.recipients == [known["email"]] and mail.sender == "attendance@school.example"
    assert (mail.message["To"], mail.message["From"]) == (known["email"], SMTP_FROM)
    assert mail.link.startswith(f"{mail_server.base_url}/#/reset-password/")
    assert known["name"] in mail.text


def test_a_deactivated_account_is_sent_no_link_and_the_answer_is_the_same(
    client, mailbox, database_url
):
    deactivated, active = sign_up(client), sign_up(client)
    run_sql(
        database_url,
        "UPDATE users SET deactivated_at = now() WHERE lower(email) = lower($1)",
        deactivated["email"],
    )
    answers = [forgot(client, body["email"]) for body in (deactivated, active)]
    assert [(a.status_code, a.json()) for a in answers] == [(202, ACCEPTED)] * 2
    mailbox.wait_for(active["email"])  # the background work has run by then
    time.sleep(0.5)
    assert mailbox.to(deactivated["email"]) == []


def test_the_answer_does_not_wait_for_the_mail(client, mailbox, monkeypatch):
    """The mail server holds every message until the test lets it go: the answers for emails
    with an account all come back first, as those for emails without one (what is sent
    happens after the answer, so the answer cannot tell the two apart by its wait)."""
    handle = mailbox.handle_DATA
    release = threading.Event()

    async def held(*args):
        await asyncio.to_thread(release.wait, 60)
        return await handle(*args)

    monkeypatch.setattr(mailbox, "handle_DATA", held)
    known = [sign_up(client)["email"] for _ in range(3)]
    try:
        for email in known:
            for asked in (email, f"x.{email}"):
                # Far under the mail's own timeout (30 s), which would end a wait for it.
                answer = client.post("/auth/password-reset", json={"email": asked}, timeout=5)
                assert answer.status_code == 202
    finally:
        release.set()
    for email in known:
        mailbox.wait_for(email)


def test_the_emailed_link_sets_the_password_once_and_only_that_accounts(client, mailbox):
    owner, other = sign_up(client), sign_up(client)
    assert forgot(client, owner["email"].upper()).status_code == 202
    [mail] = mailbox.wait_for(owner["email"])
    chosen = client.post("/auth/password", json={"token": mail.token, "password": "chosen-pw-1"})
    assert chosen.status_code == 200 and chosen.json()["data"]["email"] == owner["email"]
    assert log_in(client, owner["email"], "chosen-pw-1") == 200
    assert log_in(client, owner["email"], owner["password"]) == 400
    assert log_in(client, other["email"], other["password"]) == 200  # nobody else's changed
    again = client.post("/auth/password", json={"token": mail.token, "password": "again-pw-2"})
    assert (again.status_code, again.json()) == (400, USED)
    guessed = mail.token[:-4] + ("AAAA" if not mail.token.endswith("AAAA") else "BBBB")
    for token in (guessed, "x" * 43, mail.token.lower()):
        refused = client.post("/auth/password", json={"token": token, "password": "guess-pw-3"})
        assert (refused.status_code, refused.json()) == (400, USED)
    assert log_in(client, owner["email"], "chosen-pw-1") == 200


def test_an_account_with_no_password_yet_gets_in_through_the_emailed_link(
    client, mailbox, database_url
):
    """How an administrator made by the command line (or, later, an invited or imported
    person) who lost their first link gets in: that link stops working too."""
    email = f"admin.{time.monotonic_ns()}@school.example"

    async def create(accounts) -> str:
        _, link = await accounts.create_admin("Ada Admin", email)
        return link.token

    first_link = with_accounts(database_url, create)
    assert forgot(client, email).status_code == 202
    [mail] = mailbox.wait_for(email)
    chosen = client.post("/auth/password", json={"token": mail.token, "password": "admin-pw-1"})
    assert chosen.json()["data"]["role"] == "admin"
    assert log_in(client, email, "admin-pw-1") == 200
    stale = client.post("/auth/password", json={"token": first_link, "password": "other-pw-2"})
    assert (stale.status_code, stale.json()) == (400, USED)


def test_a_newer_reset_link_replaces_the_older(client, mailbox):
    owner = sign_up(client)
    forgot(client, owner["email"])
    [first] = mailbox.wait_for(owner["email"])
    forgot(client, owner["email"])
    second = mailbox.wait_for(owner["email"], 2)[1]
    older = client.post("/auth/password", json={"token": first.token, "password": "older-pw-1"})
    assert (older.status_code, older.json()) == (400, USED)
    newer = client.post("/auth/password", json={"token": second.token, "password": "newer-pw-2"})
    assert newer.status_code == 200


def account_id(client: httpx.Client, signed_up: dict) -> UUID:
    login = client.post(
        "/auth/login", json={"email": signed_up["email"], "password": signed_up["password"]}
    )
    me = client.get("/auth/me", headers={"Authorization": login.json()["data"]["token"]})
    return UUID(me.json()["data"]["id"])


def test_an_expired_reset_link_is_refused(client, database_url):
    owner = sign_up(client)
    user_id = account_id(client, owner)

    async def short_link(accounts) -> str:
        link = await accounts.issue_link(user_id, LinkPurpose.RESET_PASSWORD, timedelta(seconds=1))
        return link.token

    token = with_accounts(database_url, short_link)
    time.sleep(1.2)
    expired = client.post("/auth/password", json={"token": token, "password": "late-pw-1"})
    assert (expired.status_code, expired.json()) == (400, USED)
    assert log_in(client, owner["email"], owner["password"]) == 200


def test_past_the_emails_limit_nothing_more_is_sent_and_the_answer_stays_the_same(client, mailbox):
    owner = sign_up(client)
    for _ in range(5):  # PASSWORD_RESETS_PER_EMAIL is 3
        answer = forgot(client, owner["email"])
        assert (answer.status_code, answer.json()) == (202, ACCEPTED)
    mailbox.wait_for(owner["email"], 3)
    time.sleep(1)
    assert len(mailbox.to(owner["email"])) == 3


def test_past_the_addresss_limit_every_email_gets_429(server_env, mailbox, tmp_path):
    limited = mailing_server(
        server_env, tmp_path / "server.log", mailbox.port, PASSWORD_RESETS_PER_ADDRESS="3"
    ).start()
    try:
        with httpx.Client(base_url=limited.base_url, timeout=30) as api:
            api.headers["X-Forwarded-For"] = "192.0.2.77"
            known = sign_up(api)["email"]
            for email in (known, "a.nobody@example.com", known):
                assert forgot(api, email).status_code == 202
            for email in (known, "b.nobody@example.com"):
                refused = forgot(api, email)
                assert (refused.status_code, refused.json()["error"]) == (
                    429, "Too many attempts, try again later",
                )  # fmt: skip
            api.headers["X-Forwarded-For"] = "192.0.2.78"  # another address has its own
            assert forgot(api, known).status_code == 202
    finally:
        limited.stop()


def test_without_a_mail_server_the_service_says_whom_to_ask(api, student):
    for email in (student.email, "nobody@example.com"):
        answer = api.post("/auth/password-reset", json={"email": email})
        assert (answer.status_code, answer.json()) == (
            503,
            {
                "success": False,
                "error": "Password reset by email is not available;"
                " ask your school's administrator",
            },
        )


def test_bad_bodies_are_400_and_send_nothing(client, mailbox):
    owner = sign_up(client)
    schema = {"success": False, "error": "Invalid request schema"}
    for body in (
        {},
        {"email": 5},
        {"email": "not-an-email"},
        {"email": f"{owner['email']}\r\nBcc: attacker@evil.example"},
        {"email": f"{owner['email']}\nattacker@evil.example"},
    ):
        refused = client.post("/auth/password-reset", json=body)
        assert (refused.status_code, refused.json()) == (400, schema), body
    time.sleep(0.5)
    assert mailbox.to(owner["email"]) == [] and mailbox.to("attacker@evil.example") == []


def test_a_name_with_line_breaks_never_reaches_the_headers(client, mailbox):
    owner = sign_up(client, name="Eve\r\nBcc: attacker@evil.example\r\nSubject: Win")
    forgot(client, owner["email"])
    [mail] = mailbox.wait_for(owner["email"])
    assert mail.recipients == [owner["email"]]
    assert mail.message.get_all("Bcc") is None and mail.message.get_all("Cc") is None
    assert mail.message.get_all("Subject") == ["Reset your Live Attendance password"]
    assert mail.message["To"] == owner["email"]
    assert "Hello Eve Bcc: attacker@evil.example Subject: Win," in mail.text
    assert mailbox.to("attacker@evil.example") == []


def test_a_mail_server_that_refuses_is_logged_without_the_link(client, mail_server, mailbox):
    owner = sign_up(client, email=f"pupil.{time.monotonic_ns()}@{REFUSED_DOMAIN}")
    answer = forgot(client, owner["email"])
    assert (answer.status_code, answer.json()) == (202, ACCEPTED)
    line = f"password reset email to user {account_id(client, owner)} not sent"
    log = wait_for_line(mail_server.log_path, line)
    assert "SMTPRecipientsRefused" in log
    assert "reset-password/" not in log.replace("#/[redacted]", "")


@pytest.mark.parametrize("failure", ["down", "no STARTTLS"])
def test_a_mail_server_that_is_down_or_offers_no_starttls_gets_no_mail(
    failure, server_env, mailbox, tmp_path
):
    port, security = (free_port(), "none") if failure == "down" else (mailbox.port, "starttls")
    process = mailing_server(
        server_env, tmp_path / "server.log", port, SMTP_SECURITY=security
    ).start()
    try:
        with httpx.Client(base_url=process.base_url, timeout=30) as api:
            owner = sign_up(api)
            answer = forgot(api, owner["email"])
            assert (answer.status_code, answer.json()) == (202, ACCEPTED)
            wait_for_line(process.log_path, "not sent: the mail server at 127.0.0.1")
            assert mailbox.to(owner["email"]) == []
    finally:
        process.stop()
    assert "/#/reset-password/" not in process.log_path.read_text()


def wait_for_line(log_path, text: str, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = log_path.read_text()
        if text in log:
            return log
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in the log:\n{log_path.read_text()[-3000:]}")
