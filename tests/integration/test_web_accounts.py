"""The pages of accounts beyond the assignment, in a real browser: choosing a password with a
one-time link (the fixtures and helpers are the web client test's)."""

import asyncio
from collections.abc import Awaitable, Callable
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
from tests.unit.fakes import RecordingEventBus

# Issuing links tells no server process anything (a password set here would not be heard).
UNHEARD = RecordingEventBus()

browser = web.browser  # the fixtures, shared
contexts = web.contexts


def with_accounts(database_url: str, use: Callable[[AccountService], Awaitable[str]]) -> str:
    """Runs `use` with the account service on the test database, beside Playwright's loop."""

    async def run() -> str:
        async with Database(plain_url(database_url), size=1) as database:
            return await use(
                AccountService(
                    lambda: PostgresUnitOfWork(database), BcryptHasher(4), SystemClock(), UNHEARD
                )
            )

    with ThreadPoolExecutor(1) as thread:  # Playwright's loop runs in this one
        return thread.submit(asyncio.run, run()).result()


def set_password_link(database_url: str, user_id: UUID) -> str:
    """The token of a fresh set-password link for the account."""

    async def issue(accounts: AccountService) -> str:
        link = await accounts.issue_link(user_id, LinkPurpose.SET_PASSWORD, timedelta(hours=1))
        return link.token

    return with_accounts(database_url, issue)


def admin_link(database_url: str, email: str) -> str:
    """The token of the set-password link `live-attendance create-admin` prints."""

    async def create(accounts: AccountService) -> str:
        _, link = await accounts.create_admin("Ada Admin", email)
        return link.token

    return with_accounts(database_url, create)


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


def test_an_admin_finds_a_pupil_who_signed_up_as_a_teacher_and_makes_them_a_student(
    contexts, server, database_url, make_account, api
):
    pupil = make_account("teacher")  # the pupil who left the menu as it was
    admin_email = f"admin.{pupil.email}"
    token = admin_link(database_url, admin_email)
    chosen = api.post("/auth/password", json={"token": token, "password": "admin-pw-1"})
    assert chosen.status_code == 200
    desk = contexts()
    desk.goto(server.base_url)
    desk.locator("#login-email").fill(admin_email)
    desk.locator("#login-password").fill("admin-pw-1")
    desk.get_by_role("button", name="Log in").click()
    expect(desk.get_by_role("heading", name="Administration")).to_be_visible()
    desk.get_by_label("Find people by name or email").fill(pupil.email)
    desk.get_by_role("button", name="Find").click()
    row = desk.get_by_role("row").filter(has_text=pupil.email)
    expect(row).to_have_count(1)
    assert_accessible(desk, "admin-users")
    row.get_by_label(f"Role of {pupil.name}").select_option("student")
    expect(desk.get_by_role("status")).to_contain_text(f"{pupil.name} is now a student")
    found = api.get(f"/admin/users?search={pupil.email}", headers=login(api, admin_email))
    assert [person["role"] for person in found.json()["data"]] == ["student"]


def login(api, email: str) -> dict[str, str]:
    answer = api.post("/auth/login", json={"email": email, "password": "admin-pw-1"})
    return {"Authorization": answer.json()["data"]["token"]}
