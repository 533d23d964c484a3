"""In a real browser (Debian's Chromium driven by Playwright): an employee registers, answers
part of the assessment, leaves, comes back, finishes and reads the result; keyboard-only
answering works; axe-core finds no serious or critical accessibility violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.webapp.browsing import answer_page

PASSWORD = "a browser password"


@pytest.fixture
def live_url(make_app, serve):
    """The app served over HTTP on a free loopback port."""
    return serve(make_app())


def answer_page_by_keyboard(page, values: dict) -> None:
    """Answer a page of radio questions with the keyboard alone: Tab, arrows, Space, Enter."""
    names = [f.get_attribute("id") for f in page.locator("fieldset.question").all()]
    page.locator("h1").click()  # a neutral starting point; nothing is answered by it
    for name in names:
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name") == name:
                break
        page.keyboard.press("Space")  # selects the first option
        low = int(page.evaluate("document.activeElement.value"))
        for _ in range(int(values[name]) - low):
            page.keyboard.press("ArrowRight")
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.value") == "next":
            break
    page.keyboard.press("Enter")


def register_and_start(page, name: str, email: str) -> None:
    """Fill in the registration form shown, create the account and start the assessment."""
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("button", name="Start the assessment").click()


def test_register_answer_leave_resume_and_read_the_result(
    page, live_url, people, assert_accessible
):
    person = people[0]
    values = {**person["answers"], **person["context"]}

    page.goto(live_url)
    page.get_by_role("link", name="Create an account").first.click()
    register_and_start(page, "Grace Browser", "grace@example.com")

    expect(page.get_by_text("Step 1 of 7")).to_be_visible()
    page.get_by_role("button", name="Next").click()  # nothing answered yet
    expect(page.get_by_role("alert").get_by_text("Please check 5 answers")).to_be_visible()
    assert_accessible(page, "assessment page with errors")
    answer_page(page, values)
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_text("Step 2 of 7")).to_be_visible()
    assert_accessible(page, "assessment page")
    answer_page_by_keyboard(page, values)
    expect(page.get_by_text("Step 3 of 7")).to_be_visible()  # the keyboard answers went through

    answer_page(page, values)
    page.get_by_role("button", name="Save and finish later").click()
    expect(page.get_by_text("Your answers are saved")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # page 3, answered in full and saved: where it carries on, not "2 pages finished"
    expect(page.get_by_text(re.compile(r"Every answer you gave is saved .*; you carry on from "
                                       r"page 3\.")).first).to_be_visible()  # fmt: skip
    page.get_by_role("link", name="Resume where you left off").click()
    expect(page.get_by_text("Step 3 of 7")).to_be_visible()
    assert (
        page.locator("fieldset.question input:checked").count()
        == page.locator("fieldset.question").count()
    ), "the answers saved before logging out are not shown"
    page.get_by_role("button", name="Next").click()
    for step in range(4, 8):
        expect(page.get_by_text(f"Step {step} of 7")).to_be_visible()
        answer_page(page, values)
        page.get_by_role("button", name="See my results" if step == 7 else "Next").click()

    expect(
        page.get_by_role("heading", name="Recommended track: Individual contributor")
    ).to_be_visible()
    expect(page.get_by_text("This is advice, not a decision.")).to_be_visible()
    expect(page.get_by_text("Trained on synthetic data.")).to_be_visible()
    ladder = page.get_by_role("img", name="Your levels on both ladders")
    expect(ladder).to_be_visible()
    assert "L3 Senior Engineer: You are here" in ladder.locator("desc").text_content()
    expect(
        page.get_by_role("heading", name="What pointed toward individual contributor")
    ).to_be_visible()
    page.get_by_text("Your answers behind this").first.click()
    expect(page.get_by_text("You answered:").first).to_be_visible()
    expect(
        page.get_by_role("heading", name="Individual contributor: toward L4 Staff Engineer")
    ).to_be_visible()
    assert_accessible(page, "results page")


def test_the_assessment_works_with_javascript_switched_off(browser, live_url, people):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    person = people[1]
    page.goto(live_url + "/account/register")
    register_and_start(page, "No Script", "noscript@example.com")
    answer_page(page, {**person["answers"], **person["context"]})
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Step 2 of 7")).to_be_visible()
    context.close()
