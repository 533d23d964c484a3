"""Someone whose answers support a level far below the one they hold is not told that their
next step is the level above it without a word: the page says the first step is to show what
the held level expects, names those gaps, and keeps the recommender's target as the step
after (the contract's `target` is the level above the one held)."""

from __future__ import annotations

import re

import pytest

from webapp.assessment.models import Assessment
from webapp.extensions import db

LOW_RATING = 2


@pytest.fixture
def distinguished_but_rated_low(people):
    """A Distinguished Engineer (L6) who rated every competency 2 of 5."""
    person = people[0]
    answers = {
        item: (LOW_RATING if item.startswith("rate_") else value)
        for item, value in person["answers"].items()
    }
    context = {**person["context"], "current_level": "L6", "years_experience": 20}
    return {**person, "answers": answers, "context": context}


@pytest.fixture
def stored(app, team, make_assessment, distinguished_but_rated_low, share):
    """Ada's result as that person, shared with Mo; (id, its recommendation)."""
    number = make_assessment("ada@example.com", distinguished_but_rated_low)
    share(number)
    with app.app_context():
        return number, db.session.get(Assessment, number).recommendation


def _text(html: str) -> str:
    main = html.split("<main", 1)[1].split("</main>", maxsplit=1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", main))


def test_the_recommender_keeps_its_contract_target_the_level_above_the_one_held(stored):
    _, recommendation = stored
    ic = recommendation["levels"]["ic"]
    assert (ic["current"], ic["supported"], ic["target"]) == ("L6", "L2", "L7")


def test_the_page_says_the_first_step_is_the_level_held_and_names_its_gaps(
    stored, signed_in, engineering
):
    number, recommendation = stored
    text = _text(signed_in("ada@example.com").get(f"/results/{number}").get_data(as_text=True))
    assert "Next step: L7" not in text
    assert (
        "your answers support L2 Engineer II. That is below the level you hold, so the next "
        "step is to show what L6 Distinguished Engineer expects (the gaps below); L7 Fellow is "
        "the step after that." in text
    )
    heading = "Individual contributor: first, what L6 Distinguished Engineer, the level you hold"
    assert f"{heading}, expects" in text
    held = engineering.framework.level("L6").expects
    short = [c for c in engineering.framework.competencies if held.get(c.id, 0) > LOW_RATING]
    assert short  # the person is short of L6 somewhere, or the test proves nothing
    for competency in short:
        need = held[competency.id]
        assert f"{competency.label}: you rated {LOW_RATING}, L6 expects {need}" in text
    for competency in engineering.framework.competencies:
        if held.get(competency.id, 0) <= LOW_RATING:
            assert f"{competency.label}: you rated {LOW_RATING}, L6 expects" not in text
    assert "L7 expects" not in text  # the target's gaps are named, not listed as the next step
    gaps_to_target = len(recommendation["levels"]["ic"]["gaps"])
    assert f"L7 Fellow, the step after, expects more again: {gaps_to_target} of your" in text
    assert "Your competencies against L6 Distinguished Engineer" in text  # the chart


def test_the_manager_is_told_the_same_about_the_report(stored, signed_in):
    number, _ = stored
    mo = signed_in("mo@example.com")
    for url in (f"/team/assessments/{number}", f"/team/assessments/{number}/print"):
        text = _text(mo.get(url).get_data(as_text=True))
        assert (
            "Ada holds Distinguished Engineer (L6); the answers support Engineer II (L2); below "
            "the level held, so the next step is to show what Distinguished Engineer (L6) "
            "expects, then Fellow (L7)." in text
        ), url
        assert "next step Fellow (L7)" not in text, url
    text = _text(mo.get(f"/team/assessments/{number}").get_data(as_text=True))
    assert "Gaps to Distinguished Engineer (L6), the level Ada holds, on both ratings" in text


def test_someone_meeting_the_level_held_still_steps_to_the_level_above(
    app, ada, people, make_assessment, client
):
    number = make_assessment("ada@example.com", people[0])  # a senior engineer, L3
    text = _text(client.get(f"/results/{number}").get_data(as_text=True))
    assert "Next step: L4 Staff Engineer." in text
    assert "below the level you hold" not in text


def test_a_change_of_track_below_the_grade_held_is_not_called_sideways(
    stored, signed_in, engineering
):
    """An L6 whose answers support little on the manager track: the move there is to a lower
    grade, said with how many grades below, never "sideways"."""
    number, recommendation = stored
    manager = recommendation["levels"]["manager"]
    below = (
        engineering.framework.level("L6").grade
        - engineering.framework.level(manager["target"]).grade
    )
    assert below > 0  # the case this test is about
    text = _text(signed_in("ada@example.com").get(f"/results/{number}").get_data(as_text=True))
    title = engineering.framework.level(manager["target"]).title
    grades = f"{below} grade{'s' if below > 1 else ''} below the level you hold"
    assert f"A move to this track would be to {manager['target']} {title}, {grades}" in text
    assert f"toward {manager['target']} {title} ({grades})" in text
    assert f"{manager['target']} {title}, sideways" not in text
    assert "(a sideways move)" not in text


@pytest.fixture
def fellow(app, team, make_assessment, people, share):
    """Ada holds L7 Fellow, the top of the IC ladder, and rated every competency 5 of 5."""
    person = people[0]
    answers = {
        item: (5 if item.startswith("rate_") else value)
        for item, value in person["answers"].items()
    }
    context = {**person["context"], "current_track": "ic", "current_level": "L7"}
    context["years_experience"] = 25
    number = make_assessment("ada@example.com", {**person, "answers": answers, "context": context})
    with app.app_context():
        return number, db.session.get(Assessment, number).recommendation


def test_the_top_of_a_ladder_is_not_its_own_next_step(fellow, signed_in, engineering):
    number, recommendation = fellow
    assert recommendation["levels"]["ic"]["target"] == "L7"  # the engine's target: the top
    text = _text(signed_in("ada@example.com").get(f"/results/{number}").get_data(as_text=True))
    assert "Next step: L7" not in text and "toward L7" not in text
    assert "You hold the top of this ladder: there is no level above it" in text
    assert "Individual contributor: what L7 Fellow, the top of the ladder, expects" in text


def test_agreeing_on_the_level_held_as_the_first_step_is_following_the_advice(stored, signed_in):
    """The page tells the L6 whose answers support L2 that the first step is to show what L6
    expects: a 1:1 agreeing on exactly that follows the advice and needs no reason; another
    level does."""
    from sqlalchemy import select  # noqa: PLC0415

    from webapp.manager.models import Decision  # noqa: PLC0415

    number, recommendation = stored
    assert recommendation["track"] == "ic"  # the case this test is about
    mo = signed_in("mo@example.com")
    page = f"/team/assessments/{number}"
    other = mo.submit(page, {"track": "ic", "target_level": "L5", "reason": ""}, f"{page}/decision")
    assert other.status_code == 422 and "say why" in other.get_data(as_text=True)
    held = mo.submit(page, {"track": "ic", "target_level": "L6", "reason": ""}, f"{page}/decision")
    assert held.status_code == 302
    with mo.client.application.app_context():
        decision = db.session.scalar(select(Decision))
        assert decision.target_level == "L6" and not decision.overrides


def test_a_shared_top_level_held_through_the_other_track_is_not_a_next_step(
    app, make_user, make_assessment, signed_in
):
    """Product design's D5 tops both ladders: someone holding it on the IC track is told they
    hold it already on the manager track too, not that it is their next step there."""
    from tests.webapp import factories  # noqa: PLC0415

    make_user("dee@example.com", "employee", "Dee", discipline="product-design")
    person = factories.sample_people("product-design")[0]
    answers = {i: (5 if i.startswith("rate_") else v) for i, v in person["answers"].items()}
    context = {**person["context"], "current_track": "ic", "current_level": "D5"}
    context["years_experience"] = 25
    number = make_assessment("dee@example.com", {**person, "answers": answers, "context": context})
    with app.app_context():
        levels = db.session.get(Assessment, number).recommendation["levels"]
    assert levels["manager"]["target"] == "D5"  # the case this test is about
    text = _text(signed_in("dee@example.com").get(f"/results/{number}").get_data(as_text=True))
    assert "Next step: D5" not in text and "toward D5" not in text
    assert "You hold D5 Head of Design already, a level this track shares" in text


def test_the_history_says_the_same_first_step_as_the_result(stored, signed_in):
    text = _text(signed_in("ada@example.com").get("/results/history").get_data(as_text=True))
    assert "first what Distinguished Engineer (L6), the level you hold, expects" in text
    assert "Fellow (L7)" not in text
