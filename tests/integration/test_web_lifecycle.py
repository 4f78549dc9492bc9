"""Accounts' lifecycle in a real browser: the profile page on a phone (one's name, one's
password: the other browser is signed out, this one stays), and an administrator deactivating
someone whose open page is signed out at once (the fixtures and helpers are the web client
test's)."""

from uuid import uuid4

from playwright.sync_api import Page, expect

from tests.integration import test_web_client as web
from tests.integration.test_web_accounts import admin_link
from tests.integration.test_web_client import assert_accessible, screenshot, sign_up

browser = web.browser  # the fixtures, shared
contexts = web.contexts


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url)
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_on_a_phone_one_changes_ones_name_and_password_and_the_other_browser_is_signed_out(
    contexts, server
):
    phone = contexts(phone=True)
    body = sign_up(phone, server.base_url, "student")
    desk = contexts()
    log_in(desk, server.base_url, body["email"], body["password"])
    expect(desk.locator("#connection")).to_have_text("Live: connected")

    phone.get_by_role("link", name="Profile").click()
    expect(phone.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(phone.locator("#profile-account")).to_contain_text(body["email"])
    assert_accessible(phone, "profile-phone")
    phone.get_by_label("Your name").fill("Priya Renamed")
    phone.get_by_role("button", name="Save name").click()
    expect(phone.locator("#profile-name-done")).to_have_text("Your name is saved.")
    expect(phone.locator("#who")).to_have_text("Priya Renamed (student)")

    phone.get_by_label("Current password").fill("not-my-password")
    phone.get_by_label("New password, at least 6 characters").fill("brand-new-1")
    phone.get_by_label("Repeat the new password").fill("brand-new-2")
    phone.get_by_role("button", name="Change password").click()
    errors = phone.locator('[data-error-for="profile-password-form"]')
    expect(errors).to_have_text("The two new passwords are not the same.")
    phone.get_by_label("Repeat the new password").fill("brand-new-1")
    phone.get_by_role("button", name="Change password").click()
    expect(errors).to_have_text("Current password is incorrect")
    expect(phone.locator("#connection")).to_have_text("Live: connected")  # still, old token

    phone.get_by_label("Current password").fill(body["password"])
    phone.get_by_role("button", name="Change password").click()
    expect(phone.locator("#profile-password-done")).to_contain_text("Your password is changed")
    expect(phone.locator("#connection")).to_have_text("Live: connected")  # the new token
    screenshot(phone, "profile-password-changed-phone")
    # The other browser's socket is closed by the server: it signs out and says why.
    expect(desk.locator("#notice")).to_have_text(
        "You were signed out: your password was changed. Log in with the new one."
    )
    expect(desk.get_by_role("heading", name="Log in or sign up")).to_be_visible()
    assert_accessible(desk, "signed-out-password-changed")
    # This browser stays signed in, across a reload too.
    phone.reload()
    expect(phone.locator("#who")).to_have_text("Priya Renamed (student)")
    expect(phone.locator("#connection")).to_have_text("Live: connected")
    log_in(desk, server.base_url, body["email"], "brand-new-1")
    expect(desk.locator("#connection")).to_have_text("Live: connected")


def test_an_admin_deactivates_a_pupil_whose_open_phone_is_signed_out(
    contexts, server, database_url, api
):
    phone = contexts(phone=True)
    pupil = sign_up(phone, server.base_url, "student")
    admin_email = f"it-{uuid4().hex[:12]}@example.com"
    chosen = api.post(
        "/auth/password",
        json={"token": admin_link(database_url, admin_email), "password": "admin-pw-1"},
    )
    assert chosen.status_code == 200
    desk = contexts()
    log_in(desk, server.base_url, admin_email, "admin-pw-1")
    expect(desk.get_by_role("heading", name="Administration")).to_be_visible()
    desk.get_by_label("Find people by name or email").fill(pupil["email"])
    desk.get_by_role("button", name="Find").click()
    row = desk.get_by_role("row").filter(has_text=pupil["email"])
    expect(row).to_contain_text("Active")
    row.get_by_role("button", name=f"Deactivate {pupil['name']}").click()
    expect(desk.get_by_role("dialog")).to_contain_text("signed out everywhere at once")
    screenshot(desk, "admin-deactivate-confirm")
    desk.get_by_role("dialog").get_by_role("button", name="Deactivate").click()
    expect(row).to_contain_text("Deactivated")
    expect(desk.locator("#admin-notice")).to_have_text(f"{pupil['name']} is deactivated.")

    # The pupil's phone, open all along, is signed out at once and told why.
    expect(phone.locator("#notice")).to_have_text(
        "You were signed out: your account was deactivated. Ask your school's administrator."
    )
    expect(phone.get_by_role("heading", name="Log in or sign up")).to_be_visible()
    phone.locator("#login-email").fill(pupil["email"])
    phone.locator("#login-password").fill(pupil["password"])
    phone.get_by_role("button", name="Log in").click()
    expect(phone.locator('[data-error-for="login-form"]')).to_have_text(
        "This account is deactivated"
    )
    assert_accessible(phone, "deactivated-login-phone")

    desk.get_by_label("Status", exact=True).select_option("deactivated")
    expect(row).to_have_count(1)
    assert_accessible(desk, "admin-people-deactivated")
    desk.set_viewport_size({"width": 390, "height": 844})  # the same screen on a phone
    assert_accessible(desk, "admin-people-deactivated-phone")
    row.get_by_role("button", name=f"Reactivate {pupil['name']}").click()
    expect(row).to_contain_text("Active")
    phone.get_by_role("button", name="Log in").click()
    expect(phone.locator("#connection")).to_have_text("Live: connected")

    # The admin changes their password elsewhere: this page's next request is 401, and it
    # signs out saying so (an admin has no live socket to be told by).
    elsewhere = api.post("/auth/login", json={"email": admin_email, "password": "admin-pw-1"})
    changed = api.post(
        "/auth/me/password",
        json={"currentPassword": "admin-pw-1", "newPassword": "admin-pw-2"},
        headers={"Authorization": elsewhere.json()["data"]["token"]},
    )
    assert changed.status_code == 200
    desk.get_by_role("button", name="Find").click()
    expect(desk.locator("#notice")).to_have_text("You were signed out. Log in again.")
    expect(desk.get_by_role("heading", name="Log in or sign up")).to_be_visible()
