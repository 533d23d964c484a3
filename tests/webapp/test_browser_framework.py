"""In a real browser: an employee opens the framework from the main navigation, reads both
ladders (equal grades side by side, also on a phone), opens a level, compares it with the
equivalent level on the other track, reads their own ratings against it and prints it on at
most two A4 pages; a comparison with no such level opens at its error summary; an unknown
level is a helpful page. Every screen passes axe-core and is looked at on a phone, a desktop
and in print."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.webapp.browsing import log_in
from tests.webapp.screens import PHONE, landed_on_errors, look_at_every_width


@pytest.fixture
def live(team, serve, people, make_assessment):
    """The team's app over HTTP; Ada has finished an assessment (she holds L3)."""
    make_assessment("ada@example.com", people[0])
    return serve(team)


def top_of(page, name: str) -> float:
    """Where the ladder cell holding the link `name` starts, from the top of the page."""
    cell = page.locator("table.ladders td").filter(has=page.get_by_role("link", name=name))
    return cell.bounding_box()["y"]


def test_an_employee_reads_the_ladders_compares_levels_and_prints_one(
    page, live, assert_accessible
):
    log_in(page, live, "ada@example.com")
    page.get_by_role("link", name="Framework", exact=True).click()
    expect(page.get_by_role("heading", name="Career framework")).to_be_visible()
    assert_accessible(page, "framework ladders")
    look_at_every_width(page, "framework-ladders")
    page.set_viewport_size({"width": PHONE, "height": 900})
    assert top_of(page, "L4 Staff Engineer") == top_of(page, "M4 Senior Engineering Manager")
    expect(
        page.locator("td").filter(has=page.get_by_role("link", name="L3 Senior Engineer"))
    ).to_contain_text("Your current level")

    page.get_by_role("link", name="L4 Staff Engineer").click()
    expect(page.get_by_role("heading", name="L4 Staff Engineer", level=1)).to_be_visible()
    expect(page.get_by_label("Compare with")).to_have_value("L5")
    page.get_by_label("Compare with").select_option("M4")
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(r"/framework/L4\?compare=M4$"))
    expect(
        page.get_by_role("heading", name="What changes from L4 to M4 Senior Engineering Manager")
    ).to_be_visible()
    expect(page.get_by_text("a sideways move, not a promotion")).to_be_visible()
    page.locator("details.same summary").click()
    expect(page.locator("details.same li").first).to_be_visible()
    expect(page.get_by_role("img", name="Your ratings against L4 Staff Engineer")).to_be_visible()
    expect(page.locator("table.standing")).to_contain_text("System design")
    assert_accessible(page, "framework level")
    look_at_every_width(page, "framework-level")

    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.locator("form.compare")).to_be_hidden()
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2, f"the level prints on {pages} pages"


def test_a_comparison_with_no_such_level_opens_at_its_error_summary(page, live, assert_accessible):
    log_in(page, live, "bob@example.com")
    page.goto(f"{live}/framework/L3?compare=Z9")
    assert landed_on_errors(page)
    expect(page.locator("#compare-error")).to_contain_text("There is no level 'Z9'")
    assert_accessible(page, "framework level with a refused comparison")
    look_at_every_width(page, "framework-level-refused")


def test_an_unknown_level_is_a_page_that_leads_back_to_every_level(page, live, assert_accessible):
    log_in(page, live, "bob@example.com")
    response = page.goto(f"{live}/framework/l9")
    assert response.status == 404
    expect(page.get_by_role("heading", name="There is no level “l9”")).to_be_visible()
    assert_accessible(page, "unknown level")
    look_at_every_width(page, "framework-unknown-level")
    page.get_by_role("link", name="L2 Engineer II").click()
    expect(page.get_by_role("heading", name="L2 Engineer II", level=1)).to_be_visible()
    expect(page.get_by_text("When you finish an assessment")).to_be_visible()  # Bob has none
    expect(page.get_by_label("Compare with")).to_have_value("L3")
    look_at_every_width(page, "framework-shared-level")
