"""The pages of accounts beyond the assignment, in a real browser: choosing a password with a
one-time link (the fixtures and helpers are the web client test's)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from uuid import UUID

from playwright.sync_api import expect

from domain.account_links import LinkPurpose
from infrastructure.clock import SystemClock
from infrastructure.database.pool import Database
from infrastructure.database.unit_of_work import PostgresUnitOfWork
from infrastructure.database.urls import plain_url
from infrastructure.security import BcryptHasher
from services.accounts import AccountService
from tests.integration import test_web_client as web
from tests.integration.test_web_client import assert_accessible

browser = web.browser  # the fixtures, shared
contexts = web.contexts


def set_password_link(database_url: str, user_id: UUID) -> str:
    """The token of a fresh set-password link for the account (as `create-admin` makes)."""

    async def issue() -> str:
        database = Database(plain_url(database_url), size=1)
        await database.start()
        try:
            accounts = AccountService(
                lambda: PostgresUnitOfWork(database), BcryptHasher(4), SystemClock()
            )
            link = await accounts.issue_link(user_id, LinkPurpose.SET_PASSWORD, timedelta(hours=1))
        finally:
            await database.stop()
        return link.token

    with ThreadPoolExecutor(1) as thread:  # Playwright's loop runs in this one
        return thread.submit(asyncio.run, issue()).result()


def test_a_person_chooses_a_password_from_a_link_on_a_phone_then_logs_in(
    contexts, server, database_url, make_account
):
    account = make_account("teacher")
    token = set_password_link(database_url, account.id)
    phone = contexts(phone=True)
    phone.goto(f"{server.base_url}/#/set-password/{token}")
    expect(phone.get_by_role("heading", name="Choose your password")).to_be_visible()
    assert_accessible(phone, "set-password")
    phone.get_by_label("New password (6 or more characters)").fill("chosen-pw-1")
    phone.get_by_label("The same password again").fill("chosen-pw-2")
    phone.get_by_role("button", name="Set password").click()
    expect(phone.get_by_role("alert")).to_contain_text("not the same")
    phone.get_by_label("The same password again").fill("chosen-pw-1")
    phone.get_by_role("button", name="Set password").click()
    expect(phone.get_by_role("status")).to_contain_text(account.email)
    assert token not in phone.url  # the token left the address bar
    phone.get_by_role("link", name="Log in").click()
    phone.locator("#login-email").fill(account.email)
    phone.locator("#login-password").fill("chosen-pw-1")
    phone.get_by_role("button", name="Log in").click()
    expect(phone.locator("#connection")).to_have_text("Live: connected")

    used = contexts(phone=True)  # the link again: it worked once
    used.goto(f"{server.base_url}/#/set-password/{token}")
    used.get_by_label("New password (6 or more characters)").fill("another-pw")
    used.get_by_label("The same password again").fill("another-pw")
    used.get_by_role("button", name="Set password").click()
    expect(used.get_by_role("alert").filter(has_text="link")).to_contain_text(
        "This link is invalid, used or expired"
    )
