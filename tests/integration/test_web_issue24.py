"""Issue 24: what a user found wrong in the web client through a whole term, each in a real
browser (the fixtures and helpers are the web client test's)."""

import re

from playwright.sync_api import Page, expect

from tests.factories import SignupBodyFactory
from tests.integration.test_web_client import (  # noqa: F401 (fixtures)
    assert_accessible,
    browser,
    contexts,
    create_class_with,
    screenshot,
    sign_up,
    status_of,
)


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
