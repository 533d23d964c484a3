"""How a browser test acts as a person: signing a tab in with the test accounts' password, and
answering a questionnaire page by clicking and filling."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.webapp.factories import PASSWORD


def log_in(page, url: str, email: str) -> None:
    """Log the tab in at the site `url` as `email`, and wait until the site says so."""
    page.goto(f"{url}/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_attached()


def answer_page(page, values: dict) -> None:
    """Answer every question on the page by clicking labels and filling fields."""
    for field in page.locator("fieldset.question").all():
        name = field.get_attribute("id")
        field.locator(f"input[value='{values[name]}']").check()
    for field in page.locator("div.question input, div.question select").all():
        name = field.get_attribute("name")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(str(values[name]))
        else:
            field.fill(str(values[name]))


def give_a_reason_if_asked(page, version: str, reason: str) -> None:
    """On a candidate's page: write `reason` where promoting needs one in writing (a candidate
    judged worse, or a flagged fairness result); a verdict is the method's, not the journey's."""
    expect(page.get_by_role("button", name=f"Promote {version}…")).to_be_visible()
    justification = page.get_by_label("Justification")
    if justification.count():
        justification.fill(reason)
