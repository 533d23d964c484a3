"""In a real browser: HR uploads an org chart with two disciplines; an engineer and a product
designer each take their own discipline's assessment and share it; their manager opens both
1:1s and sees each report's own competencies. HR moves a person to another discipline after
reading what the move means. Every screen at a phone's width, a desktop's and in print; axe
finds no serious or critical violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from tests.webapp.browsing import answer_page, log_in
from tests.webapp.factories import password_hash, sample_people
from tests.webapp.screens import look_at_every_width
from webapp.accounts.models import User
from webapp.extensions import db

CHART = (
    "email,name,manager_email,role,discipline\n"
    "mo@example.com,Mo Manager,,manager,\n"
    "ada@example.com,Ada Engineer,mo@example.com,employee,engineering\n"
    "dee@example.com,Dee Designer,mo@example.com,employee,product-design\n"
)


@pytest.fixture
def live(app, make_user, serve):
    """The app served over HTTP, with Hana from HR."""
    make_user("hr@example.com", "hr", "Hana")
    return serve(app)


def take_and_share(page, live: str, email: str, person: dict, ladders: str) -> None:
    """Sign in, take the whole assessment with this person's answers, share the result."""
    log_in(page, live, email)
    expect(page.get_by_text(f"You are on the {ladders} ladders")).to_be_visible()
    page.get_by_role("link", name="Start", exact=True).click()
    expect(page.get_by_role("heading", name=ladders, level=1)).to_be_visible()
    page.get_by_role("button", name="Start the assessment").click()
    values = {**person["answers"], **person["context"]}
    step, last = 1, False
    while not last:
        label = page.locator("#step-label")
        expect(label).to_have_text(re.compile(rf"^Step {step} of \d+$"))  # this page, loaded
        last = label.inner_text().endswith(f" of {step}")
        answer_page(page, values)
        page.get_by_role("button", name="See my results" if last else "Next").click()
        step += 1
    expect(page.get_by_text(f"on the {ladders} ladders")).to_be_visible()
    page.get_by_role("button", name="Share with Mo Manager").click()
    expect(page.get_by_text("Shared with Mo Manager.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()


def test_two_disciplines_from_the_org_chart_to_the_managers_one_to_ones(
    app, page, live, tmp_path, assert_accessible
):
    chart = tmp_path / "org-chart.csv"
    chart.write_text(CHART)
    log_in(page, live, "hr@example.com")
    page.goto(f"{live}/hr/people")
    page.get_by_label("CSV file").set_input_files(str(chart))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("Org chart imported: 3 people added")).to_be_visible()
    people = page.get_by_role("region", name=re.compile("people"))
    expect(people.get_by_role("row", name=re.compile("Dee Designer"))).to_contain_text(
        "Product design"
    )
    expect(people.get_by_role("row", name=re.compile("Ada Engineer"))).to_contain_text(
        "Software engineering"
    )
    assert_accessible(page, "people page with disciplines")
    look_at_every_width(page, "disciplines-people")
    page.get_by_role("button", name="Log out").click()

    with app.app_context():  # as if each had chosen a password from their invitation link
        db.session.execute(update(User).values(password_hash=password_hash()))
        db.session.commit()

    take_and_share(page, live, "ada@example.com", sample_people()[0], "Software engineering")
    take_and_share(
        page, live, "dee@example.com", sample_people("product-design")[0], "Product design"
    )

    log_in(page, live, "mo@example.com")
    page.goto(f"{live}/team/")
    ada = page.locator("section.card", has=page.get_by_role("heading", name="Ada Engineer"))
    dee = page.locator("section.card", has=page.get_by_role("heading", name="Dee Designer"))
    expect(ada.get_by_text("Discipline: Software engineering")).to_be_visible()
    expect(dee.get_by_text("Discipline: Product design")).to_be_visible()
    assert_accessible(page, "team page with two disciplines")
    look_at_every_width(page, "disciplines-team")

    ada.get_by_role("link", name=re.compile("Assessment of")).click()
    expect(page.get_by_role("heading", name="1:1 with Ada Engineer")).to_be_visible()
    compare = page.locator("table.compare")
    expect(compare.get_by_role("rowheader", name="System design")).to_be_visible()
    assert compare.get_by_role("rowheader", name="User research").count() == 0

    page.goto(f"{live}/team/")
    dee.get_by_role("link", name=re.compile("Assessment of")).click()
    expect(page.get_by_role("heading", name="1:1 with Dee Designer")).to_be_visible()
    expect(page.get_by_text("on the Product design ladders").first).to_be_visible()
    expect(compare.get_by_role("rowheader", name="User research")).to_be_visible()
    expect(compare.get_by_role("rowheader", name="Visual and interaction craft")).to_be_visible()
    assert compare.get_by_role("rowheader", name="System design").count() == 0
    assert_accessible(page, "1:1 of a product designer")
    look_at_every_width(page, "disciplines-one-to-one-design")


def test_hr_moves_a_person_to_another_discipline_after_reading_what_it_means(
    app, page, live, make_user, assert_accessible
):
    make_user("ada@example.com", "employee", "Ada")
    log_in(page, live, "hr@example.com")
    page.goto(f"{live}/hr/people")
    page.get_by_role("link", name="Ada").click()
    expect(page.get_by_text("Ada is in Software engineering")).to_be_visible()
    assert_accessible(page, "person page")
    look_at_every_width(page, "disciplines-person")
    page.get_by_role("combobox", name="Discipline").select_option("product-design")
    page.get_by_role("button", name="Move…").click()
    expect(page.get_by_role("heading", name="Move Ada to Product design?")).to_be_visible()
    expect(page.get_by_text("Ada has no unfinished assessment.")).to_be_visible()
    assert_accessible(page, "move confirmation")
    look_at_every_width(page, "disciplines-move-confirm")
    page.get_by_role("button", name="Yes, move Ada to Product design").click()
    expect(page.get_by_text("Ada is now in Product design.")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Ada"))
    expect(row).to_contain_text("Product design")


def test_anyone_browses_another_disciplines_ladders_with_the_chooser(
    page, live, make_user, assert_accessible
):
    make_user("dee@example.com", "employee", "Dee", discipline="product-design")
    log_in(page, live, "dee@example.com")
    page.get_by_role("link", name="See its ladders").click()
    expect(page.get_by_role("heading", name="Career framework: Product design")).to_be_visible()
    page.get_by_label("Ladders of").select_option("engineering")
    page.get_by_role("button", name="Show").click()
    expect(
        page.get_by_role("heading", name="Career framework: Software engineering")
    ).to_be_visible()
    expect(page.get_by_text("Yours are the Product design ladders")).to_be_visible()
    assert_accessible(page, "another discipline's ladders")
    look_at_every_width(page, "disciplines-framework-other")
    page.get_by_role("link", name=re.compile("^L4 ")).click()
    expect(page).to_have_url(re.compile(r"/framework/L4\?discipline=engineering"))
    expect(page.get_by_role("link", name="Career framework: Software engineering")).to_be_visible()
