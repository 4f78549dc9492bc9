"""Password reset in a real browser: a forgotten password reset through the received email on
a phone (a real SMTP server, the link taken from the message), and the links a teacher and an
administrator make to hand over (the fixtures and helpers are the web client test's)."""

import re
from concurrent.futures import ThreadPoolExecutor

import httpx
from playwright.sync_api import Page, expect

from tests.factories import SignupBodyFactory
from tests.integration import test_web_client as web
from tests.integration.mailbox import mail_server, mailbox
from tests.integration.test_admin_api import make_admin
from tests.integration.test_web_client import assert_accessible, create_class_with, sign_up

browser = web.browser  # the fixtures, shared
contexts = web.contexts
__all__ = ["browser", "contexts", "mail_server", "mailbox", "make_admin"]


def log_in(page: Page, email: str, password: str) -> None:
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(password)
    page.get_by_role("button", name="Log in").click()


def choose_new_password(page: Page, password: str) -> None:
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password (6 or more characters)").fill(password)
    page.get_by_label("The same password again").fill(password)
    page.get_by_role("button", name="Set password").click()


def test_a_forgotten_password_is_reset_through_the_received_email_on_a_phone(
    contexts, mail_server, mailbox
):
    pupil = SignupBodyFactory.build(role="student")
    created = httpx.post(f"{mail_server.base_url}/auth/signup", json=pupil, timeout=30)
    assert created.status_code == 201
    phone = contexts(phone=True)
    phone.goto(mail_server.base_url)
    phone.get_by_role("link", name="Forgot your password?").click()
    expect(phone.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    phone.get_by_role("textbox", name="Email", exact=True).fill(pupil["email"])
    phone.get_by_role("button", name="Email me a link").click()
    sent = phone.locator("#forgot-password-sent")
    expect(sent).to_have_text(re.compile("^If an account has this email, a link"))
    assert_accessible(phone, "forgot-password-phone")

    [mail] = mailbox.wait_for(pupil["email"])
    assert mail.link.startswith(f"{mail_server.base_url}/#/reset-password/")
    phone.goto(mail.link)
    choose_new_password(phone, "reset-pw-1")
    expect(phone.get_by_role("status").filter(has_text=pupil["email"])).to_be_visible()
    assert mail.token not in phone.url  # the token left the address bar
    assert_accessible(phone, "reset-password-done-phone")
    phone.get_by_role("link", name="Log in").click()
    log_in(phone, pupil["email"], "reset-pw-1")
    expect(phone.locator("#connection")).to_have_text("Live: connected")


def test_an_unknown_email_gets_the_same_message_and_no_mail_server_a_clear_one(
    contexts, mail_server, server
):
    phone = contexts(phone=True)
    phone.goto(f"{mail_server.base_url}/#/forgot-password")
    phone.get_by_role("textbox", name="Email", exact=True).fill("nobody.at.all@example.com")
    phone.get_by_role("button", name="Email me a link").click()
    expect(phone.locator("#forgot-password-sent")).to_have_text(
        re.compile("^If an account has this email")
    )
    without_mail = contexts(phone=True)
    without_mail.goto(f"{server.base_url}/#/forgot-password")
    without_mail.get_by_role("textbox", name="Email", exact=True).fill("nobody.at.all@example.com")
    without_mail.get_by_role("button", name="Email me a link").click()
    expect(without_mail.get_by_role("alert")).to_have_text(
        "Password reset by email is not available; ask your school's administrator"
    )
    assert_accessible(without_mail, "forgot-password-no-mail")


def test_a_teacher_hands_a_student_a_password_link_which_works_on_a_phone(contexts, server):
    teacher, pupil_phone = contexts(phone=True), contexts(phone=True)
    sign_up(teacher, server.base_url, "teacher")
    pupil = sign_up(pupil_phone, server.base_url, "student")
    create_class_with(teacher, "Biology 7C", pupil)
    web.screenshot(teacher, "teacher-roster-password-link-phone")
    teacher.get_by_role("button", name=f"Password link for {pupil['name']}").click()
    dialog = teacher.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Give this link to {pupil['name']}")
    link = teacher.get_by_role("textbox", name="Link", exact=True).input_value()
    assert link.startswith(f"{server.base_url}/#/reset-password/")
    assert_accessible(teacher, "teacher-password-link")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    pupil_phone.get_by_role("button", name="Log out").click()
    pupil_phone.goto(link)
    choose_new_password(pupil_phone, "handed-pw-1")
    expect(pupil_phone.get_by_role("status").filter(has_text=pupil["email"])).to_be_visible()
    pupil_phone.get_by_role("link", name="Log in").click()
    log_in(pupil_phone, pupil["email"], "handed-pw-1")
    expect(pupil_phone.locator("#connection")).to_have_text("Live: connected")


def test_an_admin_makes_a_password_link_from_the_people_list(contexts, server, make_admin):
    with ThreadPoolExecutor(1) as thread:  # it runs asyncio, which Playwright's loop would not let
        admin = thread.submit(make_admin).result()
    person = SignupBodyFactory.build(role="teacher")
    assert httpx.post(f"{server.base_url}/auth/signup", json=person).status_code == 201
    desk = contexts()
    desk.goto(server.base_url)
    log_in(desk, admin.email, admin.password)
    desk.get_by_label("Find people by name or email").fill(person["email"])
    desk.get_by_role("button", name="Find").click()
    desk.get_by_role("button", name=f"Password link for {person['name']}").click()
    expect(desk.get_by_role("dialog")).to_contain_text(f"Give this link to {person['name']}")
    assert (
        desk.get_by_role("textbox", name="Link", exact=True)
        .input_value()
        .startswith(f"{server.base_url}/#/reset-password/")
    )
    assert_accessible(desk, "admin-password-link")
