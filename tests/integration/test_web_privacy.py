"""The administration's Report tab and a person's Export and Erase, in a real browser (the
fixtures and helpers are the web client test's)."""

import csv
import io
import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.integration import test_web_client as web
from tests.integration.test_privacy_requests import mark_and_finish
from tests.integration.test_web_accounts import admin_link
from tests.integration.test_web_client import assert_accessible

browser = web.browser  # the fixtures, shared
contexts = web.contexts


def signed_in_admin(contexts, server, database_url, api, email: str, phone: bool = False) -> Page:
    token = admin_link(database_url, email)
    assert api.post("/auth/password", json={"token": token, "password": "admin-pw-1"}).is_success
    page = contexts(phone=phone)
    page.goto(server.base_url)
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill("admin-pw-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    return page


def test_an_admin_reads_the_school_report_and_downloads_its_csv(
    contexts, server, database_url, api, make_account, make_class, start_session, live
):
    teacher, pupil = make_account("teacher"), make_account()
    classroom = make_class(teacher, pupil, name=f"Biology {pupil.id.hex[:6]}")
    start_session(teacher, classroom)
    mark_and_finish(live, teacher, {pupil: "present"})
    old = make_class(teacher, name=f"Old {pupil.id.hex[:6]}")
    api.patch(f"/class/{old['id']}", json={"archived": True}, headers=teacher.auth)
    for phone in (False, True):
        page = signed_in_admin(
            contexts, server, database_url, api, f"report{int(phone)}.{pupil.email}", phone
        )
        page.get_by_role("link", name="Report").click()
        row = page.get_by_role("row").filter(has_text=classroom["className"])
        expect(row).to_contain_text(teacher.name)
        expect(row).to_contain_text("100%")
        expect(page.get_by_role("row").filter(has_text=old["className"])).to_contain_text(
            "(archived)"
        )
        assert_accessible(page, f"admin-report{'-phone' if phone else ''}")
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download report (CSV)").click()
    text = Path(downloading.value.path()).read_text(encoding="utf-8-sig")
    rows = {row["class_id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows[classroom["id"]]["attendance_rate_percent"] == "100.0"
    assert rows[old["id"]]["archived"] == "true"


def test_an_admin_exports_a_person_then_erases_them_after_a_confirmation_naming_them(
    contexts, server, database_url, api, make_account, make_class
):
    teacher, pupil = make_account("teacher"), make_account()
    make_class(teacher, pupil)
    # The pupil's own page, open all along (signed out at once when they are erased).
    pupils_page = contexts()
    pupils_page.goto(server.base_url)
    pupils_page.locator("#login-email").fill(pupil.email)
    pupils_page.locator("#login-password").fill(pupil.password)
    pupils_page.get_by_role("button", name="Log in").click()
    expect(pupils_page.locator("#connection")).to_have_text("Live: connected")
    # On a phone: the row's buttons fit.
    page = signed_in_admin(contexts, server, database_url, api, f"privacy.{pupil.email}", True)
    page.get_by_label("Find people by name or email").fill(pupil.email)
    page.get_by_role("button", name="Find").click()
    row = page.get_by_role("row").filter(has_text=pupil.email)
    expect(row).to_have_count(1)
    assert_accessible(page, "admin-people-actions")

    with page.expect_download() as downloading:
        row.get_by_role("button", name=f"Export {pupil.name}'s data").click()
    exported = json.loads(Path(downloading.value.path()).read_text(encoding="utf-8"))
    assert exported["account"]["email"] == pupil.email
    assert len(exported["classesEnrolled"]) == 1

    row.get_by_role("button", name=f"Erase {pupil.name}").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Erase {pupil.name} ({pupil.email})?")
    assert_accessible(page, "admin-erase-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    expect(row).to_have_count(1)  # nothing happened
    row.get_by_role("button", name=f"Erase {pupil.name}").click()
    dialog.get_by_role("button", name=f"Erase {pupil.name}").click()
    expect(page.locator("#admin-notice")).to_have_text(f"{pupil.name} was erased.")
    expect(page.get_by_role("row").filter(has_text=pupil.email)).to_have_count(0)
    expect(pupils_page.locator("#notice")).to_have_text(
        "You were signed out: your account was erased at your school's request."
    )
    assert_accessible(pupils_page, "signed-out-erased")
    login = api.post("/auth/login", json={"email": pupil.email, "password": pupil.password})
    assert login.status_code == 400
