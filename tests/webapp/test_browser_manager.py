"""In a real browser, at a phone's width and a desktop's: a manager opens a report's shared
assessment for the 1:1 (told about Ada, not to her), a refused rating, note or decision opens
at its error summary, the printout and the team page read well, and each person's home page
says what is waiting for them. Every page passes axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from recommender.answer.quality import FLAG_MESSAGES
from tests.webapp import factories
from tests.webapp.browsing import log_in
from tests.webapp.screens import landed_on_errors, look_at_every_width, printed_pages


@pytest.fixture
def live(team, serve, people, make_assessment, share):
    """The team's app served over HTTP; Ada's first sample assessment shared with Mo."""
    assessment_id = make_assessment("ada@example.com", people[0])
    share(assessment_id)
    return serve(team), assessment_id


def test_a_manager_reads_the_one_to_one_at_every_width_and_refused_forms_open_at_their_errors(
    page, live, assert_accessible
):
    url, assessment_id = live
    log_in(page, url, "mo@example.com")
    waiting = page.get_by_role("heading", name="Shared with you, waiting for a 1:1: 1")
    expect(waiting).to_be_visible()
    page.get_by_role("link", name="Ada: assessment of").click()
    expect(page.get_by_role("heading", name="1:1 with Ada")).to_be_visible()
    expect(page.get_by_role("heading", name="Skills: Ada's view and yours")).to_be_visible()
    assert page.get_by_text("You rated yourself").count() == 0

    for question in page.locator("fieldset.question").all():
        question.locator("input").first.check()  # Mo rates every skill at 1
    page.get_by_role("button", name="Save your ratings").click()
    expect(page.get_by_text("Your ratings are saved")).to_be_visible()
    expect(page.locator("#gaps li").first).to_contain_text("you rate 1")
    page.get_by_label("Private notes").fill("Ask about the on-call rota")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_text("Notes saved.")).to_be_visible()
    assert_accessible(page, "1:1 page")
    look_at_every_width(page, "manager-one-to-one")
    page.emulate_media(media="print")
    expect(page.get_by_label("Private notes")).to_be_hidden()  # private notes stay off paper
    page.emulate_media(media="screen")

    page.set_viewport_size({"width": 390, "height": 800})
    page.get_by_label("Agreed track").select_option("manager")
    page.get_by_label("Agreed target level").select_option("L5")  # an IC level
    page.get_by_role("button", name="Record the decision").click()
    assert landed_on_errors(page), "the refused decision did not open at its error summary"
    expect(page.locator("#target_level-error")).to_contain_text(
        "is not a level of the people manager track"
    )
    expect(page.locator("#reason-error")).to_contain_text("say why")  # both problems at once
    assert_accessible(page, "refused decision")
    look_at_every_width(page, "manager-decision-refused")

    page.goto(f"{url}/team/assessments/{assessment_id}")
    notes = page.get_by_label("Private notes")
    notes.evaluate("box => box.removeAttribute('maxlength')")  # as a hand-made request would
    notes.fill("x" * 10_001)
    page.get_by_role("button", name="Save notes").click()
    assert landed_on_errors(page), "the refused notes did not open at their error summary"

    page.goto(f"{url}/team/assessments/{assessment_id}")
    page.get_by_text("Change your ratings").click()
    # a value no statement has, as a tampered form would send
    page.locator("fieldset.question").first.locator("input").first.evaluate(
        "input => { input.value = '9'; input.checked = true; }"
    )
    page.get_by_role("button", name="Save your ratings").click()
    assert landed_on_errors(page), "the refused ratings did not open at their error summary"

    page.goto(f"{url}/team/assessments/{assessment_id}/print")
    expect(page.get_by_role("heading", name="1:1 summary: Ada")).to_be_visible()
    assert_accessible(page, "1:1 printout")
    look_at_every_width(page, "manager-one-to-one-print")

    page.goto(f"{url}/team/")
    assert_accessible(page, "team page")
    look_at_every_width(page, "manager-team")


def decide_elsewhere(page, url: str, assessment_id: int, level: str) -> None:
    """Mo records another target level on the assessment's 1:1 page at the site `url`, signed
    in on a browser of his own (a context with its own cookies), while `page` stays as it is."""
    other = page.context.browser.new_context()
    try:
        mo = other.new_page()
        log_in(mo, url, "mo@example.com")
        mo.goto(f"{url}/team/assessments/{assessment_id}")
        mo.get_by_label("Agreed target level").select_option(level)
        mo.get_by_label("Why, when it differs from the advice").fill("One step at a time, agreed.")
        mo.get_by_role("button", name="Record the decision").click()
        expect(mo.get_by_text("Ada has not confirmed it yet")).to_be_visible()
    finally:
        other.close()


def test_each_home_page_says_what_is_waiting_and_the_decision_travels_between_them(
    page, live, assert_accessible
):
    """The decision travels from Mo to Ada; one Mo changes while Ada's page is open is not
    confirmed unread: the page says it changed and shows it, and Ada confirms that one."""
    url, assessment_id = live
    log_in(page, url, "ada@example.com")
    expect(page.get_by_text("is shared with Mo since")).to_be_visible()
    assert_accessible(page, "employee home, shared")
    look_at_every_width(page, "home-employee-shared")
    page.get_by_role("button", name="Log out").click()

    log_in(page, url, "mo@example.com")
    page.get_by_role("link", name="Ada: assessment of").click()
    page.get_by_label("Agreed track").select_option("ic")
    page.get_by_label("Agreed target level").select_option("L7")
    page.get_by_label("Why, when it differs from the advice").fill("A stretch goal, agreed.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Ada has not confirmed it yet")).to_be_visible()
    page.get_by_role("link", name="trackfit").click()
    expect(
        page.get_by_role("heading", name="Decisions waiting for confirmation: 1")
    ).to_be_visible()
    waiting = page.get_by_role("heading", name="Shared with you, waiting for a 1:1: 0")
    expect(waiting).to_be_visible()
    assert_accessible(page, "manager home")
    look_at_every_width(page, "home-manager")
    page.get_by_role("button", name="Log out").click()

    log_in(page, url, "ada@example.com")
    to_confirm = page.get_by_role("heading", name="Waiting for you: 1 decision to confirm")
    expect(to_confirm).to_be_visible()
    look_at_every_width(page, "home-employee-to-confirm")
    page.get_by_role("link", name="Read it and confirm it").click()
    expect(page.get_by_text("aiming for Fellow (L7)")).to_be_visible()

    # Ada leaves the page open while Mo, on his own computer, records another decision
    decide_elsewhere(page, url, assessment_id, "L6")
    page.get_by_role("button", name="I agree with this").click()  # on the page opened before
    assert landed_on_errors(page), "the changed decision did not open at its notice"
    expect(page.locator("#decision-changed")).to_contain_text(
        "The decision changed since you opened this page"
    )
    expect(page.get_by_text("aiming for Distinguished Engineer (L6)")).to_be_visible()
    expect(page.get_by_text("aiming for Fellow (L7)")).to_have_count(0)
    assert_accessible(page, "result, decision changed")
    look_at_every_width(page, "result-decision-changed")
    page.emulate_media(media="print")  # on paper the decision, not the button
    expect(page.get_by_role("button", name="I agree with this")).to_be_hidden()
    expect(page.get_by_text("aiming for Distinguished Engineer (L6)")).to_be_visible()
    page.emulate_media(media="screen")
    page.get_by_role("button", name="I agree with this").click()
    expect(page.get_by_text("You confirmed this")).to_be_visible()
    page.get_by_role("link", name="trackfit").click()
    expect(page).to_have_url(f"{url}/")
    expect(page.get_by_text("to confirm")).to_have_count(0)


def test_the_printout_with_notes_on_the_answers_is_still_one_page(page, live, team):
    from webapp.assessment.models import Assessment  # noqa: PLC0415
    from webapp.extensions import db  # noqa: PLC0415

    url, assessment_id = live
    with team.app_context():  # three notes on the answers, as careless answers get
        assessment = db.session.get(Assessment, assessment_id)
        flags = [
            {"id": flag, "message": FLAG_MESSAGES[flag]}
            for flag in ("straight_lining", "failed_attention_check", "too_fast")
        ]
        assessment.recommendation = dict(assessment.recommendation) | {"flags": flags}
        db.session.commit()
    log_in(page, url, "mo@example.com")
    page.goto(f"{url}/team/assessments/{assessment_id}")
    for question in page.locator("fieldset.question").all():
        question.locator("input").first.check()  # Mo rates every skill at 1
    page.get_by_role("button", name="Save your ratings").click()
    link = "https://wiki.example.com/incident_reviews/" + "postmortem" * 30
    page.get_by_label("Notes shared with the employee").fill(
        f"Lead the next incident review\n{link}"
    )
    page.get_by_role("button", name="Save notes").click()
    page.get_by_label("Agreed track").select_option("manager")
    page.get_by_label("Agreed target level").select_option("M3")
    page.get_by_label("Why, when it differs from the advice").fill("Wants to try leading")
    page.get_by_role("button", name="Record the decision").click()
    page.goto(f"{url}/team/assessments/{assessment_id}/print")
    expect(page.get_by_role("heading", name="Notes on Ada's answers")).to_be_visible()
    expect(page.get_by_text("faster than they can be read")).to_be_visible()
    look_at_every_width(page, "manager-print-answer-notes")
    assert printed_pages(page) == 1, "the summary with notes on the answers is not one page"


def test_a_manager_of_a_large_team_finds_who_waits_for_a_one_to_one(
    page, live, team, assert_accessible
):
    """From the home page's count to the reports waiting, then one found by name, at a phone's
    width and a desktop's, on screen and in print (the filters are not printed, what they
    picked is)."""
    factories.reports(team, "mo@example.com", 60)
    base, _ = live
    log_in(page, base, "mo@example.com")
    page.get_by_role("link", name="My team").click()
    expect(page.get_by_text("People 1–50 of 61, page 1 of 2.")).to_be_visible()
    page.get_by_role("link", name="1 waits for a 1:1").click()
    expect(page.locator("section.card h2")).to_have_text(["Ada"])
    page.get_by_label("Shared").select_option("nothing")
    page.get_by_label("Name or email").fill("report 05")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("section.card h2")).to_have_count(10)
    expect(page.locator("#team-count")).to_have_text("10 people matching the filters.")
    assert_accessible(page, "team page, filtered")
    look_at_every_width(page, "team-filtered")
    page.emulate_media(media="print")
    expect(page.locator("form.filters")).to_be_hidden()
    expect(
        page.get_by_text("Filtered by Name or email: report 05; Shared: Nothing shared.")
    ).to_be_visible()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Clear the filters").click()
    page.get_by_role("link", name="Page 2").first.click()
    expect(page.locator("section.card h2")).to_have_count(11)
