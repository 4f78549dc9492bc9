"""The web client in a real browser (headless Chromium driven by Playwright): a teacher and a
student, in two browser contexts, run a whole session."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.factories import SignupBodyFactory

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        if os.environ.get("CI"):  # CI installs Chromium: missing there is a failure
            pytest.fail("Chromium is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip("browser tests skipped: Chromium not found (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def sign_up(page: Page, base_url: str, role: str) -> dict:
    body = SignupBodyFactory.build(role=role)
    page.goto(base_url)
    page.get_by_label("Name", exact=True).fill(body["name"])
    page.locator("#signup-email").fill(body["email"])
    page.locator("#signup-password").fill(body["password"])
    page.get_by_label("I am a").select_option(role)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#connection")).to_have_text("Live: connected")
    return body


def test_a_teacher_and_a_student_run_a_whole_session(browser, server):
    ARTIFACTS.mkdir(exist_ok=True)
    teacher_context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    student_context = browser.new_context(viewport={"width": 390, "height": 844})
    teacher, student = teacher_context.new_page(), student_context.new_page()
    try:
        sign_up(teacher, server.base_url, "teacher")
        student_body = sign_up(student, server.base_url, "student")
        expect(student.locator("#student-view")).to_be_visible()

        teacher.get_by_label("New class name").fill("Biology")
        teacher.get_by_role("button", name="Create class").click()
        teacher.get_by_role("button", name="Open Biology").click()
        teacher.get_by_label("Add a student").select_option(
            label=f"{student_body['name']} <{student_body['email']}>"
        )
        teacher.get_by_role("button", name="Add student").click()
        expect(teacher.locator("#roster")).to_contain_text(student_body["name"])
        teacher.get_by_role("button", name="Start attendance").click()
        expect(teacher.locator("#summary")).to_contain_text("Attendance started")

        student.reload()  # the new class on the student's page
        expect(student.locator("#student-classes")).to_contain_text("Biology")
        expect(student.locator("#connection")).to_have_text("Live: connected")

        for status in ("present", "absent"):
            teacher.get_by_role("button", name=f"Mark {student_body['name']} {status}").click()
            expect(student.locator("#live-status")).to_have_text(status)  # live, as it happens
            expect(teacher.locator("#roster")).to_contain_text(status)

        teacher.get_by_role("button", name="Show summary").click()
        expect(teacher.locator("#summary")).to_have_text("So far: 0 present, 1 absent, 1 total")
        teacher.screenshot(path=str(ARTIFACTS / "teacher-live-session.png"), full_page=True)

        teacher.get_by_role("button", name="Done").click()
        persisted = "Attendance persisted: 0 present, 1 absent, 1 total"
        expect(teacher.locator("#summary")).to_have_text(persisted)
        expect(teacher.locator("#class-history")).to_contain_text("0 present, 1 absent, 1 total")
        expect(student.locator("#live-summary")).to_have_text(persisted)
        expect(student.locator("[data-persisted-in]")).to_have_text("absent")
        student.screenshot(path=str(ARTIFACTS / "student-after-done.png"), full_page=True)
    finally:
        teacher_context.close()
        student_context.close()


def test_the_page_is_served_with_a_policy_that_allows_only_itself(api):
    page = api.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self';" in policy
    assert api.get("/app.js").status_code == 200


def test_the_openapi_page_renders_offline_with_its_authorize_button(browser, server):
    """Swagger UI's files come from this server (the machine has no internet), and the page's
    policy lets its scripts run."""
    context = browser.new_context()
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None
    )
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(server.base_url) else None,
    )
    try:
        page.goto(f"{server.base_url}/schema")
        expect(page.get_by_text("/auth/signup", exact=True)).to_be_visible(timeout=15000)
        expect(page.get_by_role("button", name="Authorize")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "openapi-page.png"))
        assert blocked == [] and outside == []
    finally:
        context.close()


def test_authorize_on_the_openapi_page_sends_the_token_to_routes_that_need_it(
    browser, server, teacher
):
    page = browser.new_page()
    try:
        page.goto(f"{server.base_url}/schema")
        page.get_by_role("button", name="Authorize").click()
        page.locator(".modal-ux input").fill(teacher.token)
        page.locator(".modal-ux").get_by_role("button", name="Apply credentials").click()
        page.locator(".modal-ux .btn-done").click()

        operation = page.locator("[id^=operations-auth-][id$=MyAccount]")
        operation.locator(".opblock-summary").click()
        operation.get_by_role("button", name="Try it out").click()
        operation.get_by_role("button", name="Execute").click()
        response = operation.locator(".live-responses-table .response").first
        expect(response.locator(".response-col_status")).to_have_text("200")
        expect(response).to_contain_text(teacher.email)
        page.screenshot(path=str(ARTIFACTS / "openapi-authorized.png"))
    finally:
        page.close()
