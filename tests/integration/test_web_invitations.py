"""Invitations in a real browser: a teacher invites a pupil from the class page, and the pupil
accepts on a phone and finds the class; an administrator invites a teacher from the
Invitations tab, makes a new link and revokes one (the fixtures are the web client test's)."""

import re

from playwright.sync_api import Page, expect

from tests.factories import unique_email
from tests.integration import test_web_client as web
from tests.integration.test_web_accounts import admin_link
from tests.integration.test_web_client import assert_accessible

browser = web.browser  # the fixtures, shared
contexts = web.contexts

USED = "This link is invalid, used or expired"


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url)
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(password)
    page.get_by_role("button", name="Log in").click()


def choose_password(page: Page, password: str) -> None:
    page.get_by_label("New password (6 or more characters)").fill(password)
    page.get_by_label("The same password again").fill(password)
    page.get_by_role("button", name="Set password").click()


def test_a_student_accepts_a_teachers_invitation_on_a_phone_and_sees_the_class(
    contexts, server, make_account, make_class
):
    teacher = make_account("teacher")
    classroom = make_class(teacher, name="7B Maths")
    desk = contexts()
    log_in(desk, server.base_url, teacher.email, teacher.password)
    expect(desk.locator("#connection")).to_have_text("Live: connected")
    desk.goto(f"{server.base_url}/#/class/{classroom['id']}")
    expect(desk.locator("#class-title")).to_have_text("7B Maths")
    email = unique_email()
    desk.get_by_label("Student's name").fill("Priya Pupil")
    desk.get_by_label("Student's email").fill(email)
    desk.get_by_role("button", name="Invite", exact=True).click()
    link_field = desk.locator("#class-invite-result-link")
    expect(desk.locator("#class-invite-result")).to_contain_text("Link for Priya Pupil")
    link = link_field.input_value()
    assert link.startswith(f"{server.base_url}/#/invitation/")
    expect(desk.locator("#roster")).to_contain_text("Priya Pupil")  # in the class at once
    desk.get_by_role("button", name="Copy link for Priya Pupil").click()
    # Copied, or (no clipboard for the page) selected to copy by hand.
    expect(desk.locator("#class-invite-result")).to_contain_text(re.compile("Copied|Selected"))
    assert_accessible(desk, "teacher-invites")
    desk.set_viewport_size({"width": 390, "height": 844})  # the same on a phone
    assert_accessible(desk, "teacher-invites-phone")

    phone = contexts(phone=True)
    phone.goto(link)
    expect(phone.get_by_role("heading", name="You are invited")).to_be_visible()
    intro = phone.locator("#set-password-intro")
    expect(intro).to_contain_text(f"{teacher.name} invited you to 7B Maths")
    expect(intro).to_contain_text(email)
    assert_accessible(phone, "invitation-phone")
    choose_password(phone, "priya-pw-1")
    expect(phone.get_by_role("status")).to_contain_text(email)
    assert "invitation" not in phone.url  # the token left the address bar
    phone.get_by_role("link", name="Log in").click()
    expect(phone.locator("#login-email")).to_have_value(email)
    phone.locator("#login-password").fill("priya-pw-1")
    phone.get_by_role("button", name="Log in").click()
    expect(phone.locator("#student-classes")).to_contain_text("7B Maths")
    expect(phone.locator("#connection")).to_have_text("Live: connected")
    assert_accessible(phone, "invited-student-phone")

    again = contexts(phone=True)  # the link worked once
    again.goto(link)
    expect(again.get_by_role("alert").filter(has_text="link")).to_contain_text(USED)
    expect(again.locator("#set-password-form")).to_be_hidden()


def test_an_admin_invites_a_teacher_makes_a_new_link_and_revokes_one(
    contexts, server, database_url, api
):
    admin_email = unique_email()
    token = admin_link(database_url, admin_email)
    assert api.post("/auth/password", json={"token": token, "password": "admin-pw-1"}).is_success
    desk = contexts()
    log_in(desk, server.base_url, admin_email, "admin-pw-1")
    expect(desk.get_by_role("heading", name="Administration")).to_be_visible()
    desk.get_by_role("link", name="Invitations").click()
    expect(desk.get_by_role("heading", name="Invite someone")).to_be_visible()

    teacher_email = unique_email()
    desk.get_by_label("Their name").fill("Tomás Teacher")
    desk.get_by_label("Their email").fill(teacher_email)
    desk.get_by_label("Invite as").select_option("teacher")
    desk.get_by_role("button", name="Invite", exact=True).click()
    result = desk.locator("#invite-result")
    expect(result).to_contain_text("Link for Tomás Teacher")
    first_link = desk.locator("#invite-result-link").input_value()
    card = desk.locator("#pending-invitations li").filter(has_text=teacher_email)
    expect(card).to_contain_text("a teacher")
    assert_accessible(desk, "admin-invitations")
    desk.set_viewport_size({"width": 390, "height": 844})  # on a phone
    assert_accessible(desk, "admin-invitations-phone")
    desk.set_viewport_size({"width": 1100, "height": 900})

    card.get_by_role("button", name="New link for Tomás Teacher").click()
    expect(desk.locator("#invite-result-link")).not_to_have_value(first_link)
    second_link = desk.locator("#invite-result-link").input_value()
    assert api.post("/auth/invitation", json={"token": first_link.rsplit("/", 1)[1]}).json() == {
        "success": False, "error": USED,
    }  # fmt: skip
    expect(desk.locator("#pending-invitations li").filter(has_text=teacher_email)).to_have_count(1)

    # Another invitation, revoked: its link works no more.
    other_email = unique_email()
    desk.get_by_label("Their name").fill("Olga Other")
    desk.get_by_label("Their email").fill(other_email)
    desk.get_by_role("button", name="Invite", exact=True).click()
    expect(result).to_contain_text("Link for Olga Other")
    revoked_link = desk.locator("#invite-result-link").input_value()
    desk.get_by_role("button", name="Revoke the invitation of Olga Other").click()
    assert_accessible(desk, "admin-revoke-confirm")
    desk.get_by_role("button", name="Revoke", exact=True).click()
    expect(result).to_contain_text("The invitation of Olga Other is revoked")
    expect(desk.locator("#pending-invitations")).not_to_contain_text(other_email)
    gone = api.post("/auth/invitation", json={"token": revoked_link.rsplit("/", 1)[1]})
    assert gone.status_code == 400

    # The teacher accepts at their desk, and finds their (empty) list of classes.
    teacher_desk = contexts()
    teacher_desk.goto(second_link)
    expect(teacher_desk.locator("#set-password-intro")).to_contain_text("as a teacher")
    choose_password(teacher_desk, "tomas-pw-1")
    teacher_desk.get_by_role("link", name="Log in").click()
    teacher_desk.locator("#login-password").fill("tomas-pw-1")
    teacher_desk.get_by_role("button", name="Log in").click()
    expect(teacher_desk.get_by_role("heading", name="My classes")).to_be_visible()
    desk.get_by_role("link", name="People").click()
    desk.get_by_role("link", name="Invitations").click()
    expect(desk.locator("#pending-invitations")).not_to_contain_text(teacher_email)


def test_an_admin_invites_a_student_into_a_class_chosen_from_the_schools_classes(
    contexts, server, database_url, api, make_account, make_class
):
    teacher = make_account("teacher")
    classroom = make_class(teacher)
    admin_email = unique_email()
    token = admin_link(database_url, admin_email)
    assert api.post("/auth/password", json={"token": token, "password": "admin-pw-1"}).is_success
    desk = contexts()
    log_in(desk, server.base_url, admin_email, "admin-pw-1")
    desk.get_by_role("link", name="Invitations").click()
    expect(desk.get_by_label("Into the class")).to_be_hidden()  # teachers join no class
    desk.get_by_label("Invite as").select_option("student")
    choice = desk.get_by_label("Into the class")
    expect(choice).to_be_visible()
    choice.select_option(classroom["id"])
    expect(choice.locator("option:checked")).to_contain_text(f"({teacher.name})")
    assert_accessible(desk, "admin-invite-into-class")

    student_email = unique_email()
    desk.get_by_label("Their name").fill("Sam Student")
    desk.get_by_label("Their email").fill(student_email)
    desk.get_by_role("button", name="Invite", exact=True).click()
    expect(desk.locator("#invite-result")).to_contain_text("Link for Sam Student")
    roster = api.get(f"/class/{classroom['id']}", headers=teacher.auth).json()["data"]["students"]
    assert [student["email"] for student in roster] == [student_email]
    expect(choice).to_be_hidden()  # the form is as it was: teacher first
