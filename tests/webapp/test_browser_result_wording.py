"""In a real browser, at a phone's width and a desktop's and in print: a result that is a close
call at 74% for someone whose answers support far less than the level they hold reads as one
story on the employee's page, the manager's 1:1 and its printout; HR's quality page with the
complete and left-out counts fits too."""

from __future__ import annotations

import copy

import pytest
from playwright.sync_api import expect

from tests.webapp import factories
from tests.webapp.browsing import log_in
from tests.webapp.screens import look_at_every_width
from webapp.assessment.models import Assessment
from webapp.extensions import db


@pytest.fixture
def live(team, serve, people, make_assessment, share):
    """Ada, a Distinguished Engineer (L6) who rated every competency 2, with a close call at
    74% (as the close-call rule would have left it), shared with Mo; the site's URL and id."""
    person = people[0]
    answers = {k: 2 if k.startswith("rate_") else v for k, v in person["answers"].items()}
    context = {**person["context"], "current_level": "L6", "years_experience": 20}
    number = make_assessment("ada@example.com", {**person, "answers": answers, "context": context})
    with team.app_context():
        from webapp import answering  # noqa: PLC0415

        rule = next(
            r
            for r in answering.current_pack().rules.rules
            if r.then.add_flag == answering.CLOSE_CALL_FLAG
        )
        stored = db.session.get(Assessment, number)
        recommendation = copy.deepcopy(stored.recommendation)
        recommendation["track"], recommendation["confidence"] = "ic", 0.74
        recommendation["p_success"] = {"ic": 0.90, "manager": 0.42}
        recommendation["p_success_interval"] = {"ic": [0.55, 0.97], "manager": [0.20, 0.75]}
        recommendation["flags"].append({"id": rule.then.add_flag, "message": rule.message})
        recommendation["explanation"]["rules"].append({"id": rule.id, "message": rule.message})
        stored.recommendation = recommendation
        db.session.commit()
    share(number)
    return serve(team), number


def test_a_close_call_below_the_level_held_reads_as_one_story_at_every_width(
    page, live, assert_accessible
):
    url, number = live
    log_in(page, url, "ada@example.com")
    page.goto(f"{url}/results/{number}")
    expect(page.locator(".verdict")).to_contain_text("looks like a close call")
    expect(page.get_by_text("That is below the level you hold")).to_be_visible()
    assert page.get_by_text("fairly clear").count() == 0
    assert_accessible(page, "result below the level held")
    look_at_every_width(page, "result-close-call-below-held")

    page.context.clear_cookies()  # Ada leaves; Mo logs in on the same tab
    log_in(page, url, "mo@example.com")
    for path, name in (("", "one-to-one"), ("/print", "one-to-one-print")):
        page.goto(f"{url}/team/assessments/{number}{path}")
        expect(page.get_by_text("Advice for Ada:")).to_contain_text(
            "a close call: neither track is clearly the better fit for them"
        )
        expect(page.get_by_text("below the level held")).to_be_visible()
        look_at_every_width(page, f"manager-{name}-below-held")


@pytest.fixture
def quality_site(team, serve, make_assessment, people):
    """The sample people's finished assessments, each seven times over as seven people (the
    figures are from the first forty, over thirty of them without a quality flag: the fewest
    the figures are shown from), every other one without an answer to la2 (so that
    construct's figures are withheld); the site's URL."""
    for number, person in enumerate(people * 7):
        email = f"person{number}@example.com"
        factories.user(team, email, "employee", f"Person {number}")
        stored = make_assessment(email, person, seconds_per_page=90)
        if number % 2:  # skipped one item of a construct
            with team.app_context():
                assessment = db.session.get(Assessment, stored)
                assessment.answers = {k: v for k, v in assessment.answers.items() if k != "la2"}
                db.session.commit()
    return serve(team)


def test_the_quality_page_with_left_out_counts_fits_every_width(
    page, quality_site, assert_accessible
):
    log_in(page, quality_site, "hr@example.com")
    page.goto(f"{quality_site}/hr/quality")
    expect(page.get_by_role("columnheader", name="Skipped an item")).to_be_visible()
    withheld = page.get_by_role("row", name="Enjoys leading people")
    expect(withheld).to_contain_text("not shown: fewer than 30 complete responses")
    expect(page.locator("#released")).to_contain_text("first 40 of the 42 responses")
    assert_accessible(page, "quality page")
    look_at_every_width(page, "hr-quality-left-out")
