"""Single sign-on in a real browser: the whole redirect dance, from the "Sign in with …" button
through a provider's own sign-in page and back, signed in with no code or token left in the
address. The provider (oidc-provider-mock) is at `localhost` and the app at `127.0.0.1`: two
sites, as a real provider and a school's service are, so the pending sign-in's cookie must
come back with a navigation from another site (SameSite=Lax). Nothing but loopback is
reached: the mock's page asks for a stylesheet on the internet, which is refused."""

from urllib.parse import urlsplit
from uuid import uuid4

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.factories import unique_email
from tests.integration import test_web_client as web
from tests.integration.sign_in.oidc_provider import Knobs
from tests.integration.sign_in.test_sign_in_api import person
from tests.integration.test_web_accounts import admin_link
from tests.integration.test_web_client import assert_accessible

browser = web.browser  # the fixtures, shared
contexts = web.contexts
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def loopback_only(page: Page) -> list[str]:
    """Refuses every request to anywhere but this machine; answers what was refused."""
    refused: list[str] = []

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return refused


def test_a_pupil_signs_in_with_the_school_account_on_a_phone(contexts, sign_in_setup, make_account):
    pupil = make_account("student")
    subject = f"pupil-{uuid4().hex[:8]}"
    claims = {"email": pupil.email, "email_verified": True, "name": pupil.name}
    assert httpx.put(f"{sign_in_setup.mock_issuer}/users/{subject}", json=claims).status_code == 204

    phone = contexts(phone=True)
    outside = loopback_only(phone)
    phone.goto(sign_in_setup.base_url)
    button = phone.get_by_role("link", name="Sign in with Mock District")
    expect(button).to_be_visible()
    password_form = phone.get_by_role("heading", name="Administrators: log in with a password")
    expect(password_form).to_be_visible()
    expect(phone.locator("#signup-form")).to_be_hidden()  # PASSWORD_LOGIN=admins
    assert_accessible(phone, "sign-in-providers-phone")

    button.click()
    expect(phone.get_by_role("heading", name="Authorize Client")).to_be_visible()  # the mock's
    phone.get_by_placeholder("sub").fill(subject)
    phone.get_by_role("button", name="Authorize").click()
    expect(phone.locator("#connection")).to_have_text("Live: connected")
    expect(phone.locator("#who")).to_have_text(f"{pupil.name} (student)")
    assert phone.url == f"{sign_in_setup.base_url}/"  # the one-time code left the address bar
    assert_accessible(phone, "signed-in-with-provider-phone")
    assert all(urlsplit(url).hostname not in ("127.0.0.1", "localhost") for url in outside)


def test_the_sign_in_screen_says_why_a_sign_in_did_not_work(
    contexts, sign_in_setup, school, make_account
):
    desk = contexts()
    loopback_only(desk)
    school.user = person(make_account("teacher").email, verified=False)
    desk.goto(sign_in_setup.base_url)
    desk.get_by_role("link", name="Sign in with School Account").click()
    problem = desk.get_by_role("alert").filter(has_text="confirmed your email")
    expect(problem).to_contain_text("has not confirmed your email address")
    assert desk.url == f"{sign_in_setup.base_url}/"
    assert_accessible(desk, "sign-in-refused")

    school.user = person(f"nobody.{uuid4().hex[:8]}@elsewhere.example")
    desk.get_by_role("link", name="Sign in with School Account").click()
    expect(desk.locator("#sign-in-problem")).to_contain_text("no account here for your email")

    school.knobs = Knobs(alg="none")
    desk.get_by_role("link", name="Sign in with School Account").click()
    expect(desk.locator("#sign-in-problem")).to_contain_text("could not be verified")

    desk.get_by_role("link", name="Sign in with Down").click()
    expect(desk.locator("#sign-in-problem")).to_contain_text("cannot be reached")

    desk.get_by_role("link", name="Sign in with Mock District").click()
    desk.get_by_role("button", name="Deny").click()  # the person says no at the provider
    expect(desk.locator("#sign-in-problem")).to_contain_text("Sign-in was cancelled")
    desk.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(desk, "sign-in-refused-phone")


def test_an_invited_teacher_is_sent_to_the_school_sign_in_not_to_a_password(
    contexts, sign_in_setup, school, api, database_url
):
    admin_email = unique_email()
    token = admin_link(database_url, admin_email)
    assert api.post("/auth/password", json={"token": token, "password": "admin-pw-1"}).is_success
    admin = api.post("/auth/login", json={"email": admin_email, "password": "admin-pw-1"})
    teacher_email = unique_email()
    invited = api.post(
        "/admin/invitations",
        json={"name": "Tariq Teacher", "email": teacher_email, "role": "teacher"},
        headers={"Authorization": admin.json()["data"]["token"]},
    )
    link_token = invited.json()["data"]["link"].rsplit("/", 1)[1]

    desk = contexts()
    loopback_only(desk)
    desk.goto(f"{sign_in_setup.base_url}/#/invitation/{link_token}")  # PASSWORD_LOGIN=admins
    intro = desk.locator("#set-password-intro")
    expect(intro).to_contain_text("No password is needed: sign in with your school account")
    expect(intro).to_contain_text(teacher_email)
    expect(desk.locator("#set-password-form")).to_be_hidden()
    assert link_token not in desk.url
    assert_accessible(desk, "invitation-sign-in-instead")
    desk.get_by_role("link", name="Sign in with your school account").click()
    school.user = person(teacher_email)
    desk.get_by_role("link", name="Sign in with School Account").click()
    expect(desk.locator("#who")).to_have_text("Tariq Teacher (teacher)")
    expect(desk.locator("#connection")).to_have_text("Live: connected")
