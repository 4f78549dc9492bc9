"""Issue 24: what a user found wrong in the web client through a whole term, each in a real
browser (the fixtures and helpers are the web client test's)."""

import re

import httpx
from playwright.sync_api import Page, expect

from tests.factories import SignupBodyFactory
from tests.integration import test_web_client as web
from tests.integration.server import ServerProcess
from tests.integration.test_web_client import (
    assert_accessible,
    create_class_with,
    screenshot,
    sign_up,
    status_of,
)

browser = web.browser  # the fixtures, shared
contexts = web.contexts


def finish_session(teacher: Page) -> None:
    teacher.get_by_role("button", name="Done").click()
    teacher.get_by_role("button", name="Done: save attendance").click()
    expect(teacher.locator("#session-status")).to_contain_text("No live session")


def test_sign_up_makes_no_one_a_teacher_who_did_not_choose_it(contexts, server):
    page = contexts(phone=True)
    page.goto(server.base_url)
    body = SignupBodyFactory.build(role="student")
    page.get_by_label("Name", exact=True).fill(body["name"])
    page.locator("#signup-email").fill(body["email"])
    page.locator("#signup-password").fill(body["password"])
    page.get_by_role("button", name="Sign up").click()  # the menu untouched
    role = page.get_by_label("I am a")
    assert role.evaluate("select => select.validity.valueMissing") is True
    expect(page.locator("#auth-view")).to_be_visible()
    expect(page.locator("#who")).to_have_text("")
    role.select_option("student")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#who")).to_have_text(f"{body['name']} (student)")


def test_an_archived_class_stays_readable_for_its_students(contexts, server):
    teacher, student = contexts(), contexts(phone=True)
    sign_up(teacher, server.base_url, "teacher")
    lea = sign_up(student, server.base_url, "student")
    create_class_with(teacher, "Biology 7", lea)
    teacher.get_by_role("button", name="Start attendance").click()
    teacher.get_by_role("button", name=f"Mark {lea['name']} present").click()
    finish_session(teacher)

    teacher.get_by_role("button", name="Archive this class").click()
    dialog = teacher.get_by_role("dialog")
    expect(dialog).to_contain_text("students keep read-only access to their record")
    expect(dialog).to_contain_text("no new session can start")
    dialog.get_by_role("button", name="Archive", exact=True).click()
    expect(teacher.locator("#archived-note")).to_be_visible()

    student.reload()
    card = student.locator("#student-classes > li").filter(has_text="Biology 7")
    expect(card).to_contain_text("(archived)")
    expect(card).to_contain_text("read-only")
    expect(card).to_contain_text("Attendance rate: 100% over 1 session")
    card.locator("summary").click()
    expect(card.get_by_role("listitem")).to_contain_text(": present")
    expect(card.get_by_role("link", name="Check in")).to_have_count(0)
    assert_accessible(student, "student-archived")

    # The teacher's only class is archived: the list says so, and how to see it.
    teacher.get_by_role("link", name="Back to my classes").click()
    classes = teacher.locator("#teacher-classes")
    expect(classes).to_have_text(
        re.compile("Your only class is archived: tick “Show archived classes” to see it")
    )
    teacher.get_by_role("checkbox", name="Show archived classes").check()
    expect(classes.get_by_role("listitem").filter(has_text="Biology 7")).to_contain_text("archived")


def test_after_a_reload_the_roster_shows_the_last_sessions_statuses(contexts, server):
    teacher = contexts()
    sign_up(teacher, server.base_url, "teacher")
    kim, ola = (sign_up(contexts(phone=True), server.base_url, "student") for _ in range(2))
    create_class_with(teacher, "Drama", kim, ola)
    expect(status_of(teacher, kim["name"])).to_have_text("no session yet")
    teacher.get_by_role("button", name="Start attendance").click()
    teacher.get_by_role("button", name=f"Mark {kim['name']} present").click()
    expect(status_of(teacher, kim["name"])).to_have_text("present")
    finish_session(teacher)
    last = re.compile(r"^Last session, \d{1,4}\D\d{1,2}\D\d{1,4}: ")  # a date, the browser's way
    expect(status_of(teacher, kim["name"])).to_have_text(re.compile(last.pattern + "present$"))

    teacher.reload()
    expect(status_of(teacher, kim["name"])).to_have_text(re.compile(last.pattern + "present$"))
    expect(status_of(teacher, ola["name"])).to_have_text(re.compile(last.pattern + "absent$"))
    expect(teacher.locator("#roster")).not_to_contain_text("not yet marked")


def test_the_words_a_user_reads(contexts, server):
    teacher, student = contexts(), contexts(phone=True)
    sign_up(teacher, server.base_url, "teacher")
    ian = sign_up(student, server.base_url, "student")
    create_class_with(teacher, "Welsh", ian)
    teacher.get_by_label("Late").check()
    expect(teacher.get_by_label("Late")).to_be_checked()
    teacher.get_by_role("button", name="Start attendance").click()
    teacher.get_by_role("button", name=f"Mark {ian['name']} late").click()
    teacher.get_by_role("link", name="Self check-in").click()
    # A late student is here, and counted apart: not "1 of 1 present".
    expect(teacher.locator("#check-in-count")).to_have_text("0 checked in; 1 of 1 here (1 late)")
    teacher.get_by_role("link", name="Back to the class").click()
    finish_session(teacher)
    expect(teacher.locator("#summary")).to_have_text(
        "Attendance saved: 0 present, 0 absent, 1 late, 0 excused, 1 total"
    )

    teacher.get_by_role("link", name="Back to my classes").click()
    welsh = teacher.locator("#teacher-classes li").filter(has_text="Welsh")
    expect(welsh).to_contain_text("1 student")
    expect(welsh).not_to_contain_text("1 students")
    teacher.locator("#teacher-classes").get_by_role("link", name="Welsh").click()
    teacher.get_by_role("link", name="Report").click()
    expect(teacher.locator("#report-held")).to_have_text("1 session held")
    expect(teacher.locator("#report-rows tr")).to_have_count(1)
    teacher.locator("#report-from").fill("2030-02-01")
    teacher.locator("#report-to").fill("2030-01-31")
    teacher.get_by_role("button", name="Show").click()
    error = teacher.locator("[data-error-for=report-form]")
    expect(error).to_have_text("From must be on or before To.")
    expect(teacher.locator("#report-rows tr")).to_have_count(0)  # not the last period's
    expect(teacher.locator("#report-held")).to_have_text("")
    teacher.get_by_role("button", name="Download report (CSV)").click()
    expect(teacher.locator("#download-error")).to_have_text("From must be on or before To.")

    student.reload()
    card = student.locator("#student-classes > li").first
    expect(card).to_contain_text("Attendance rate: 100% over 1 session")
    expect(card).not_to_contain_text("session(s)")


def open_projector(teacher: Page, base_url: str, student: dict) -> None:
    sign_up(teacher, base_url, "teacher")
    create_class_with(teacher, "Physics 8", student)
    teacher.get_by_role("button", name="Start attendance").click()
    teacher.get_by_role("link", name="Self check-in").click()
    expect(teacher.locator("#check-in-code")).to_have_text(re.compile(r"^\d{6}$"))


def test_a_loopback_check_in_address_is_flagged_on_the_projector(contexts, server):
    teacher = contexts()
    tom = sign_up(contexts(phone=True), server.base_url, "student")
    open_projector(teacher, server.base_url, tom)  # the server is at 127.0.0.1
    expect(teacher.locator("#check-in-address")).to_have_text(
        re.compile(rf"^127\.0\.0\.1:{server.port}/#/check-in/[0-9a-f-]{{36}}$")
    )
    warning = teacher.locator("#check-in-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("no phone can open it")
    expect(warning).to_contain_text("PUBLIC_URL")
    assert_accessible(teacher, "teacher-check-in-loopback")


PUBLIC_URL = "https://attendance.school.example"


def test_links_use_public_url_when_it_is_set(contexts, server_env, tmp_path):
    public = ServerProcess({**server_env, "PUBLIC_URL": PUBLIC_URL + "/"}, tmp_path / "log")
    public.start()
    try:
        teacher = contexts()
        zoe = sign_up(contexts(phone=True), public.base_url, "student")
        open_projector(teacher, public.base_url, zoe)
        class_id = teacher.url.split("/")[-2]
        expect(teacher.locator("#check-in-address")).to_have_text(
            f"attendance.school.example/#/check-in/{class_id}"
        )
        expect(teacher.locator("#check-in-warning")).to_be_hidden()
        assert_accessible(teacher, "teacher-check-in")
        token = teacher.evaluate("localStorage.getItem('token')")
        answer = httpx.get(
            f"{public.base_url}/class/{class_id}/check-in", headers={"Authorization": token}
        ).json()["data"]
        assert answer["pageUrl"] == f"{PUBLIC_URL}/#/check-in/{class_id}"
        assert answer["checkInUrl"] == f"{PUBLIC_URL}/#/check-in/{class_id}/{answer['code']}"
        assert "127.0.0.1" not in answer["qrSvg"]
    finally:
        public.stop()


# The words in these elements that the browser split over two lines (a word's text range
# has boxes on more than one line).
BROKEN_WORDS = """selector => {
  const broken = [];
  for (const element of document.querySelectorAll(selector)) {
    if (!element.checkVisibility()) continue;
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const boxes = [...range.getClientRects()].filter((r) => r.width > 0);
        const lines = new Set(boxes.map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(word[0]);
      }
    }
  }
  return broken;
}"""

# The smallest size, in CSS pixels as drawn, of the report chart's text.
SMALLEST_CHART_TEXT = """() => Math.min(...[...document.querySelectorAll("#report-chart text")].map(
  (text) => text.getScreenCTM().a * parseFloat(getComputedStyle(text).fontSize)))"""

# How far (px) the Remove button is from the nearest mark button, and whether it is among them.
REMOVE_APART = """row => {
  const remove = row.querySelector("button[aria-label^=Remove]");
  const marks = [...row.querySelectorAll("button[aria-label^=Mark]")]
    .map((b) => b.getBoundingClientRect());
  const r = remove.getBoundingClientRect();
  const gap = (m) => Math.max(
    m.left - r.right, r.left - m.right, m.top - r.bottom, r.top - m.bottom);
  return { among: remove.parentElement.querySelector("button[aria-label^=Mark]") !== null,
           gap: Math.min(...marks.map(gap)) };
}"""


def test_on_a_phone_no_word_breaks_remove_stands_apart_and_the_chart_is_legible(contexts, server):
    teacher = contexts(phone=True)
    sign_up(teacher, server.base_url, "teacher")
    ben = sign_up(contexts(phone=True), server.base_url, "student", name="Ben O'Connor")
    eve = sign_up(contexts(phone=True), server.base_url, "student", name="Evangeline Abernathy")
    create_class_with(teacher, "Year 10 Chemistry", ben, eve)
    teacher.get_by_label("Late").check()
    expect(teacher.get_by_label("Late")).to_be_checked()
    teacher.get_by_label("Excused").check()
    expect(teacher.get_by_label("Excused")).to_be_checked()
    teacher.get_by_role("button", name="Start attendance").click()
    teacher.get_by_role("button", name=f"Mark {ben['name']} present").click()
    expect(status_of(teacher, ben["name"])).to_have_text("present")
    screenshot(teacher, "teacher-class-phone")

    roster = "#class-view caption, #class-view th, #roster td, #roster button"
    assert teacher.evaluate(BROKEN_WORDS, roster) == []
    for name in (ben["name"], eve["name"]):
        apart = teacher.get_by_role("row").filter(has_text=name).evaluate(REMOVE_APART)
        assert not apart["among"] and apart["gap"] >= 24, (name, apart)

    finish_session(teacher)
    teacher.get_by_role("link", name="Report").click()
    expect(teacher.locator("#report-rows tr")).to_have_count(2)
    expect(teacher.locator("#report-rows")).to_contain_text("100%")
    screenshot(teacher, "teacher-report-phone")
    assert teacher.evaluate(BROKEN_WORDS, "#report-view th, #report-view td") == []
    assert teacher.evaluate(SMALLEST_CHART_TEXT) >= 12
    assert teacher.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways page
    assert_accessible(teacher, "teacher-report-phone")


def test_a_students_phone_follows_a_correction_rename_archive_and_removal_live(contexts, server):
    """Item 8: none of it needed a reload (the page keeps a marker set at the start)."""
    teacher, student = contexts(), contexts(phone=True)
    sign_up(teacher, server.base_url, "teacher")
    noa = sign_up(student, server.base_url, "student")
    create_class_with(teacher, "Chemistry 3", noa)
    teacher.get_by_role("button", name="Start attendance").click()
    teacher.get_by_role("button", name=f"Mark {noa['name']} absent").click()
    finish_session(teacher)
    student.evaluate("window.notReloaded = true")
    card = student.locator("#student-classes > li").first
    expect(card).to_contain_text("Last session: absent")

    # A correction after Done: the last status and the history entry follow.
    teacher.locator("#class-history summary").first.click()
    teacher.get_by_label(f"New status for {noa['name']}").select_option("present")
    teacher.get_by_role("button", name=f"Correct {noa['name']}'s status").click()
    expect(card).to_contain_text("Last session: present")
    expect(card).not_to_contain_text("1 absent")  # the counts heard at Done no longer hold
    card.locator("summary").click()
    expect(card.get_by_role("listitem")).to_have_text(re.compile(r": present \(corrected\)$"))
    expect(card.get_by_role("listitem")).to_be_visible()  # redraws keep the history open
    screenshot(student, "student-corrected-live")

    # A new name, then the class archived: read-only. The teacher's other tab follows too.
    other_tab = teacher.context.new_page()
    other_tab.goto(server.base_url)
    listed = other_tab.locator("#teacher-classes")
    expect(listed.get_by_role("link", name="Chemistry 3")).to_be_visible()
    teacher.get_by_label("Class name", exact=True).fill("Organic Chemistry")
    teacher.get_by_role("button", name="Rename").click()
    expect(card.get_by_role("heading")).to_have_text("Organic Chemistry")
    expect(listed.get_by_role("link", name="Organic Chemistry")).to_be_visible()
    teacher.get_by_role("button", name="Archive this class").click()
    teacher.get_by_role("dialog").get_by_role("button", name="Archive", exact=True).click()
    expect(card.get_by_role("heading")).to_have_text("Organic Chemistry (archived)")
    expect(listed).to_contain_text("Your only class is archived")
    other_tab.close()
    expect(card).to_contain_text("Archived by your teacher: read-only")
    assert_accessible(student, "student-archived-live")

    # Unarchived, a session with her marked present, then she is taken off the class.
    teacher.get_by_role("button", name="Unarchive this class").click()
    expect(card.get_by_role("heading")).to_have_text("Organic Chemistry")
    teacher.get_by_role("button", name="Start attendance").click()
    teacher.get_by_role("button", name=f"Mark {noa['name']} present").click()
    expect(card.locator(".live-line")).to_contain_text("Your status: present")
    teacher.get_by_role("button", name=f"Remove {noa['name']} from the class").click()
    teacher.get_by_role("dialog").get_by_role("button", name="Remove", exact=True).click()
    expect(card.locator(".live-line")).to_have_text("You were removed from this class.")
    expect(card).not_to_contain_text("Your status")
    expect(card.get_by_role("heading")).to_have_text("Organic Chemistry")
    assert_accessible(student, "student-removed-live")
    assert student.evaluate("window.notReloaded") is True
