"""Imports in a real browser: an administrator previews a roster, applies it and finds the
people in the People tab, and downloads their links; a OneRoster bundle the same way; a
teacher imports a roster into their class, on a phone too (axe: no serious violation)."""

import csv
import io
from pathlib import Path
from uuid import uuid4

from playwright.sync_api import Page, expect

from tests.integration import test_web_client as web
from tests.integration.test_web_accounts import admin_link
from tests.integration.test_web_client import assert_accessible, screenshot
from tests.oneroster_bundles import bundle, enrolment, klass, user

browser = web.browser  # the fixtures, shared
contexts = web.contexts


def signed_in_admin(page: Page, api, server, database_url) -> str:
    email = f"admin.{uuid4().hex[:8]}@school.test"
    token = admin_link(database_url, email)
    assert api.post("/auth/password", json={"token": token, "password": "admin-pw-1"}).is_success
    page.goto(server.base_url)
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill("admin-pw-1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    return email


def choose_file(page: Page, label: str, name: str, content: bytes, mime: str) -> None:
    file = {"name": name, "mimeType": mime, "buffer": content}
    page.get_by_label(label, exact=True).set_input_files(file)


def test_an_admin_previews_and_applies_a_roster_and_the_people_appear(
    contexts, server, api, database_url, make_account
):
    desk = contexts()
    signed_in_admin(desk, api, server, database_url)
    teacher = make_account("teacher")
    tag = uuid4().hex[:6]
    roster = (
        "name,email,class,teacher\n"
        f"Ana Import {tag},ana.{tag}@school.test,Art {tag},{teacher.email}\n"
        f"Ben Import {tag},ben.{tag}@school.test,Art {tag},{teacher.email}\n"
        f"Bad Row {tag},not-an-email,Art {tag},{teacher.email}\n"
        f"Dup {tag},ANA.{tag}@school.test,Art {tag},{teacher.email}\n"
    ).encode()
    desk.get_by_role("link", name="Imports").click()
    expect(desk.get_by_role("heading", name="Import people")).to_be_visible()
    choose_file(desk, "Roster CSV or OneRoster zip", "roster.csv", roster, "text/csv")
    desk.get_by_role("button", name="Preview").click()
    summary = desk.locator("#admin-import-summary")
    expect(summary).to_contain_text("Preview (nothing has changed yet): 2 will be created")
    expect(summary).to_contain_text(f"Classes to make: Art {tag}")
    refused = desk.get_by_role("row").filter(has_text="not-an-email")
    expect(refused).to_contain_text("refused")
    expect(refused).to_contain_text("Not an email address")
    expect(desk.get_by_role("row").filter(has_text=f"Dup {tag}")).to_contain_text(
        "The same email (and class) as line 2"
    )
    assert_accessible(desk, "admin-import-preview")

    desk.get_by_role("button", name="Apply").click()
    expect(summary).to_contain_text("Imported: 2 created")
    links = desk.get_by_role("button", name="Download the 2 set-password links (CSV)")
    with desk.expect_download() as downloading:
        links.click()
    saved = downloading.value
    assert saved.suggested_filename == "set-password-links.csv"
    rows = list(csv.reader(io.StringIO(Path(saved.path()).read_text(encoding="utf-8-sig"))))
    assert [row[:2] for row in rows] == [
        ["name", "email"], [f"Ana Import {tag}", f"ana.{tag}@school.test"],
        [f"Ben Import {tag}", f"ben.{tag}@school.test"],
    ]  # fmt: skip
    assert all("/#/set-password/" in row[2] for row in rows[1:])
    assert_accessible(desk, "admin-import-applied")

    desk.get_by_role("link", name="People").click()
    desk.get_by_label("Find people by name or email").fill(f"ana.{tag}")
    desk.get_by_role("button", name="Find").click()
    expect(desk.get_by_role("row").filter(has_text=f"ana.{tag}@school.test")).to_have_count(1)

    # The link works: Ana chooses her password and is in the class the import made.
    phone = contexts(phone=True)
    phone.goto(rows[1][2])
    phone.get_by_label("New password (6 or more characters)").fill("ana-pw-1")
    phone.get_by_label("The same password again").fill("ana-pw-1")
    phone.get_by_role("button", name="Set password").click()
    expect(phone.get_by_role("status")).to_contain_text(f"ana.{tag}@school.test")


def test_an_admin_syncs_a_oneroster_bundle_on_a_phone(contexts, server, api, database_url):
    phone = contexts(phone=True)
    signed_in_admin(phone, api, server, database_url)
    tag = uuid4().hex[:6]
    data = bundle(
        [
            user(f"{tag}-t", "Tess", f"Teach {tag}", "teacher", f"tess.{tag}@school.test"),
            user(f"{tag}-a", "Ana", f"Rivera {tag}", "student", f"ana.{tag}@school.test"),
            user(f"{tag}-p", "Pat", f"Parent {tag}", "parent", f"pat.{tag}@home.test"),
        ],
        [klass(f"{tag}-c", f"Maths {tag}")],
        [
            enrolment(f"{tag}-e1", f"{tag}-c", f"{tag}-t", "teacher", primary="true"),
            enrolment(f"{tag}-e2", f"{tag}-c", f"{tag}-a"),
        ],
        mode="delta",  # other tests' synced accounts and classes stay as they are
    )
    phone.get_by_role("link", name="Imports").click()
    choose_file(phone, "Roster CSV or OneRoster zip", "sis.zip", data, "application/zip")
    phone.get_by_role("button", name="Preview").click()
    summary = phone.locator("#admin-import-summary")
    expect(summary).to_contain_text("OneRoster 1.1: users.csv (delta): 2 created, 1 skipped")
    expect(phone.get_by_role("row").filter(has_text=f"Pat Parent {tag}")).to_contain_text(
        "Only teachers and students are imported"
    )
    assert_accessible(phone, "admin-oneroster-preview-phone")
    phone.get_by_role("button", name="Apply").click()
    expect(summary).to_contain_text("Synced")
    expect(
        phone.get_by_role("button", name="Download the 2 set-password links (CSV)")
    ).to_be_visible()
    screenshot(phone, "admin-oneroster-applied-phone")


def test_a_teacher_imports_a_roster_into_their_class_on_a_phone_and_the_students_appear(
    contexts, server
):
    desk = contexts(phone=True)
    web.sign_up(desk, server.base_url, "teacher")
    tag = uuid4().hex[:6]
    web.create_class_with(desk, f"Roster {tag}")
    roster = f"name,email\nCy Import {tag},cy.{tag}@school.test\n=1+2,f.{tag}@school.test\n"
    choose_file(desk, "Roster CSV", "class.csv", roster.encode(), "text/csv")
    desk.locator("#class-import-form").get_by_role("button", name="Preview").click()
    expect(desk.locator("#class-import-summary")).to_contain_text("2 will be created")
    expect(desk.locator("#roster")).not_to_contain_text(f"Cy Import {tag}")
    assert_accessible(desk, "teacher-import-preview-phone")
    desk.locator("#class-import-form").get_by_role("button", name="Apply").click()
    expect(desk.locator("#class-import-summary")).to_contain_text("Imported: 2 created")
    expect(desk.locator("#roster")).to_contain_text(f"Cy Import {tag}")
    expect(desk.locator("#roster")).to_contain_text("=1+2")  # a name kept as it was given
    assert desk.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out
    screenshot(desk, "teacher-import-applied-phone")
