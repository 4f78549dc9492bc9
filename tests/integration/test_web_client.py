"""The web client in a real browser (headless Chromium driven by Playwright): a teacher and a
student, in two browser contexts, run a whole session."""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.factories import SignupBodyFactory

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# A browser, two servers and PostgreSQL share two cores in CI: wait longer than Playwright's
# 5 s for what the page shows after a round trip (a failure still fails, only later).
expect.set_options(timeout=15_000)
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
            pytest.fail("Chromium is missing: `make browser` installs it (see its output)")
        pytest.skip("browser tests skipped: Chromium not found (`make browser` installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def sign_up(page: Page, base_url: str, role: str, name: str | None = None) -> dict:
    body = SignupBodyFactory.build(role=role, **({"name": name} if name else {}))
    page.goto(base_url)
    page.get_by_label("Name", exact=True).fill(body["name"])
    page.locator("#signup-email").fill(body["email"])
    page.locator("#signup-password").fill(body["password"])
    page.get_by_label("I am a").select_option(role)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#connection")).to_have_text("Live: connected")
    return body


# axe-core 4.14.1, vendored (tests talk to loopback only): newer than the copy bundled with
# axe-playwright-python (4.12.1), which ran label-content-name-mismatch only as experimental.
AXE_VERSION = "4.14.1"
AXE_SOURCE = (Path(__file__).parent / "vendor/axe-core/axe.min.js").read_text()
# UPDATE_SCREENSHOTS=1: the screens the README shows are written into docs/screens (so they
# are made by this test, and cannot drift from the client); else into test-artifacts only.
SCREENS = Path(__file__).resolve().parents[2] / "docs/screens"
README_SCREENS = {
    "teacher-class-live",
    "teacher-check-in",
    "student-check-in",
    "student-two-classes",
    "confirm-restart",
    "teacher-after-done",
    "teacher-corrections",
    "teacher-report",
    "student-archived",
    "teacher-class-phone",
    "teacher-report-phone",
}


def screenshot(page: Page, screen: str) -> None:
    # The whole page, but what the window shows while a dialog covers it (its backdrop is fixed).
    whole = not page.evaluate("document.querySelector('dialog[open]') !== null")
    page.screenshot(path=str(ARTIFACTS / f"screen-{screen}.png"), full_page=whole)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1" and screen in README_SCREENS:
        page.screenshot(path=str(SCREENS / f"{screen}.png"), full_page=whole, animations="disabled")


def assert_accessible(page: Page, screen: str) -> None:
    """axe-core finds no serious or critical violation on what the page shows now; the
    screenshot of it is kept."""
    screenshot(page, screen)
    if page.evaluate("typeof axe === 'undefined' ? null : axe.version") != AXE_VERSION:
        page.evaluate(AXE_SOURCE)  # evaluated, not injected: the page's policy allows no inline
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{screen}: {serious}"


@pytest.fixture
def contexts(browser):
    """A teacher at a desk and students on phones, each in a browser of their own."""
    ARTIFACTS.mkdir(exist_ok=True)
    opened = []

    def open_page(phone: bool = False) -> Page:
        size = {"width": 390, "height": 844} if phone else {"width": 1100, "height": 900}
        context = browser.new_context(viewport=size, is_mobile=phone, has_touch=phone)
        opened.append(context)
        return context.new_page()

    yield open_page
    for context in opened:
        context.close()


def create_class_with(teacher: Page, name: str, *students: dict) -> None:
    teacher.goto(teacher.url.split("#")[0] + "#/")
    teacher.get_by_label("New class name").fill(name)
    teacher.get_by_role("button", name="Create class").click()
    expect(teacher.locator("#class-title")).to_have_text(name)
    for student in students:
        teacher.get_by_label("Find a student by name or email").fill(student["email"])
        teacher.get_by_role("button", name=f"Add {student['name']}").click()
        expect(teacher.locator("#roster")).to_contain_text(student["name"])


def status_of(page: Page, name: str):
    return page.get_by_role("row").filter(has_text=name).locator("[data-status-of]")


def test_a_student_checks_in_from_a_phone_and_the_roster_turns_present_live(contexts, server):
    teacher, student = contexts(), contexts(phone=True)
    student.goto(server.base_url)
    assert_accessible(student, "sign-in")
    sign_up(teacher, server.base_url, "teacher")
    asha = sign_up(student, server.base_url, "student")
    create_class_with(teacher, "Physics 9B", asha)
    expect(student.locator("#student-classes")).to_contain_text("Physics 9B")  # no reload
    assert_accessible(student, "student-home")

    teacher.get_by_role("button", name="Start attendance").click()
    expect(teacher.locator("#session-status")).to_contain_text("Live since")
    expect(student.locator("#student-classes")).to_contain_text("Attendance started")
    assert_accessible(teacher, "teacher-class-live")
    teacher.get_by_role("link", name="Self check-in").click()
    code = teacher.locator("#check-in-code")
    expect(code).to_have_text(re.compile(r"^\d{6}$"))
    expect(teacher.locator("#check-in-qr svg")).to_be_visible()
    assert_accessible(teacher, "teacher-check-in-at-loopback")  # README's: with PUBLIC_URL

    student.get_by_role("link", name="Check in").click()
    student.get_by_label("Code shown by your teacher").fill(code.text_content())
    student.get_by_role("button", name="Check in").click()
    expect(student.locator("#check-in-result")).to_have_text("You are checked in: present.")
    assert_accessible(student, "student-check-in")
    expect(teacher.locator("#check-in-count")).to_have_text("1 checked in; 1 of 1 here")

    student.get_by_label("Code shown by your teacher").fill("000000")
    student.get_by_role("button", name="Check in").click()
    error = student.locator("[data-error-for=check-in-form]")
    expect(error).to_have_text(re.compile("Wrong or expired code|Already marked"))

    teacher.get_by_role("button", name="Close check-in").click()
    expect(status_of(teacher, asha["name"])).to_have_text("present (checked in)")


def test_the_teacher_reloads_mid_session_and_start_and_done_ask_first(contexts, server):
    teacher = contexts()
    sign_up(teacher, server.base_url, "teacher")
    students = [sign_up(contexts(phone=True), server.base_url, "student") for _ in range(3)]
    create_class_with(teacher, "Chemistry", *students)
    assert_accessible(teacher, "teacher-class")
    expect(teacher.get_by_role("button", name=re.compile("^Mark "))).to_have_count(0)

    teacher.get_by_role("button", name="Start attendance").click()
    first, second, third = (s["name"] for s in students)
    teacher.get_by_role("button", name=f"Mark {first} present").click()
    teacher.get_by_role("button", name=f"Mark {second} absent").click()
    expect(status_of(teacher, second)).to_have_text("absent")

    summary = teacher.get_by_role("button", name="Show summary")
    summary.click()
    summary.click()  # twice: the same counts
    expect(teacher.locator("#summary")).to_have_text("Summary: 1 present, 1 absent, 2 total")

    teacher.reload()
    expect(status_of(teacher, first)).to_have_text("present")
    expect(status_of(teacher, second)).to_have_text("absent")
    expect(status_of(teacher, third)).to_have_text("not yet marked")
    expect(teacher.locator("#session-status")).to_contain_text("2 of 3 marked")
    teacher.get_by_role("button", name=f"Mark {second} present").click()
    summary.click()
    expect(teacher.locator("#summary")).to_have_text("Summary: 2 present, 0 absent, 2 total")

    teacher.get_by_role("button", name="Start a new session").click()
    dialog = teacher.get_by_role("dialog")
    expect(dialog).to_contain_text("A session is live")
    assert_accessible(teacher, "confirm-restart")
    dialog.get_by_role("button", name="Cancel").click()
    expect(status_of(teacher, first)).to_have_text("present")  # nothing lost

    teacher.get_by_role("button", name="Done").click()
    expect(dialog).to_contain_text("1 unmarked student will be saved as absent")
    dialog.get_by_role("button", name="Done: save attendance").click()
    expect(teacher.locator("#summary")).to_have_text(
        "Attendance saved: 2 present, 1 absent, 3 total"
    )
    # the final statuses, labelled as the last session's
    expect(status_of(teacher, third)).to_have_text(re.compile(r"^Last session, .+: absent$"))
    expect(teacher.get_by_role("button", name=re.compile("^Mark "))).to_have_count(0)
    history = teacher.locator("#class-history details").first
    history.locator("summary").click()
    expect(history).to_contain_text(f"{first}: present")
    expect(history).to_contain_text(f"{third}: absent")
    assert_accessible(teacher, "teacher-after-done")


def test_a_student_in_two_classes_sees_each_classs_status_apart(contexts, server):
    teacher, student = contexts(), contexts(phone=True)
    sign_up(teacher, server.base_url, "teacher")
    ravi = sign_up(student, server.base_url, "student")
    create_class_with(teacher, "Art", ravi)
    create_class_with(teacher, "Music", ravi)
    teacher.get_by_role("button", name="Start attendance").click()  # Music only
    teacher.get_by_role("button", name=f"Mark {ravi['name']} absent").click()

    card = {
        name: student.locator("#student-classes > li").filter(
            has=student.get_by_role("heading", name=name, exact=True)
        )
        for name in ("Art", "Music")
    }
    expect(card["Music"]).to_contain_text("Your status: absent")
    expect(card["Art"]).to_contain_text("No live session")
    student.reload()
    expect(card["Music"]).to_contain_text("Your status: absent")
    expect(card["Art"]).to_contain_text("No live session")
    assert_accessible(student, "student-two-classes")
    teacher.get_by_role("link", name="Back to my classes").click()
    expect(teacher.locator("#teacher-classes li").filter(has_text="Music")).to_contain_text(
        "Live now"
    )
    expect(teacher.locator("#teacher-classes li").filter(has_text="Art")).not_to_contain_text(
        "Live now"
    )
    assert_accessible(teacher, "teacher-home")


def test_the_page_is_served_with_a_policy_that_allows_only_itself(api):
    page = api.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self';" in policy
    assert '<script type="module" src="/app.js">' in page.text
    # Every module, the screens' too: a module runs only when served as JavaScript (nosniff).
    web = Path(__file__).resolve().parents[2] / "src/api/web"
    modules = sorted(path.relative_to(web).as_posix() for path in web.rglob("*.js"))
    assert "screens/class.js" in modules
    for module in modules:
        answer = api.get(f"/{module}")
        assert answer.status_code == 200, module
        assert answer.headers["content-type"] == "text/javascript; charset=utf-8", module


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


def test_a_lost_connection_is_noticed_and_the_view_catches_up(contexts, server):
    teacher, student = contexts(), contexts(phone=True)
    sign_up(teacher, server.base_url, "teacher")
    mia = sign_up(student, server.base_url, "student")
    create_class_with(teacher, "Geography", mia)
    teacher.get_by_role("button", name="Start attendance").click()
    card = student.locator("#student-classes > li").first
    expect(card).to_contain_text("Your status: not yet marked")

    # The phone loses its connection (as when it sleeps), and misses a mark meanwhile.
    student.evaluate("state.socket.onclose = null; state.socket.close()")
    teacher.get_by_role("button", name=f"Mark {mia['name']} present").click()
    expect(status_of(teacher, mia["name"])).to_have_text("present")
    expect(card).to_contain_text("Your status: not yet marked")
    student.evaluate("state.reconnecting = true; connect()")  # what onclose does, at once
    expect(student.locator("#notice")).to_have_text("Reconnected: the view is up to date again.")
    expect(card).to_contain_text("Your status: present")


def test_a_teacher_can_run_a_session_from_the_keyboard_alone(contexts, server):
    teacher = contexts()
    sign_up(teacher, server.base_url, "teacher")
    noor = sign_up(contexts(phone=True), server.base_url, "student")
    create_class_with(teacher, "History", noor)

    def tab_to(name: str) -> None:
        for _ in range(60):
            teacher.keyboard.press("Tab")
            focused = teacher.evaluate(
                "document.activeElement.getAttribute('aria-label')"
                " || document.activeElement.textContent"
            )
            if focused.strip() == name:
                return
        raise AssertionError(f"{name!r} cannot be reached with Tab")

    tab_to("Start attendance")
    teacher.keyboard.press("Enter")
    expect(teacher.locator("#session-status")).to_contain_text("Live since")
    tab_to(f"Mark {noor['name']} absent")
    teacher.keyboard.press("Space")
    expect(status_of(teacher, noor["name"])).to_have_text("absent")
    tab_to("Done")
    teacher.keyboard.press("Enter")
    expect(teacher.get_by_role("dialog")).to_be_visible()
    teacher.keyboard.press("Escape")  # changed my mind
    expect(teacher.get_by_role("dialog")).to_be_hidden()
    expect(teacher.locator("#session-status")).to_contain_text("Live since")
    tab_to("Done")
    teacher.keyboard.press("Enter")
    teacher.keyboard.press("Enter")  # the dialog's first button: save
    expect(teacher.locator("#summary")).to_have_text(
        "Attendance saved: 0 present, 1 absent, 1 total"
    )


def test_late_a_correction_the_report_and_its_csv_and_the_student_sees_the_correction(
    contexts, server
):
    teacher, student = contexts(), contexts(phone=True)
    sign_up(teacher, server.base_url, "teacher")
    bea = sign_up(student, server.base_url, "student")
    create_class_with(teacher, "Latin", bea)
    teacher.get_by_label("Late").check()
    expect(teacher.get_by_label("Late")).to_be_checked()
    teacher.get_by_role("button", name="Start attendance").click()
    teacher.get_by_role("button", name=f"Mark {bea['name']} late").click()
    expect(status_of(teacher, bea["name"])).to_have_text("late")
    teacher.get_by_role("button", name="Done").click()
    teacher.get_by_role("button", name="Done: save attendance").click()
    expect(teacher.locator("#summary")).to_have_text(
        "Attendance saved: 0 present, 0 absent, 1 late, 0 excused, 1 total"
    )

    teacher.locator("#class-history summary").first.click()
    teacher.get_by_label(f"New status for {bea['name']}").select_option("present")
    teacher.get_by_label(f"Note for {bea['name']}").fill("The bus was late")
    teacher.get_by_role("button", name=f"Correct {bea['name']}'s status").click()
    expect(teacher.locator("#class-history")).to_contain_text("(corrected)")
    teacher.locator("#corrections summary").click()
    expect(teacher.locator("#corrections-list")).to_contain_text("late → present")
    expect(teacher.locator("#corrections-list")).to_contain_text("The bus was late")
    assert_accessible(teacher, "teacher-corrections")

    teacher.get_by_role("link", name="Report").click()
    row = teacher.locator("#report-rows tr").filter(has_text=bea["name"])
    expect(row).to_contain_text("100%")
    expect(teacher.locator("#report-chart rect.bar")).to_have_count(1)
    assert_accessible(teacher, "teacher-report")
    with teacher.expect_download() as downloading:
        teacher.get_by_role("button", name="Download report (CSV)").click()
    text = Path(downloading.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("student_id,name,email,sessions_held")
    assert f",{bea['name']}," in text and text.splitlines()[1].endswith(",100.0,true")

    student.reload()
    card = student.locator("#student-classes > li").first
    card.locator("summary").click()
    expect(card).to_contain_text("present (corrected)")
    expect(card).to_contain_text("Attendance rate: 100%")
