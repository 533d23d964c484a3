"""History: each result with its date and time, what changed since the one before in words,
and a note when another model or questionnaire version produced the later one."""

import copy
import re

import pytest
from playwright.sync_api import expect

from tests.webapp.screens import look_at_every_width
from webapp.assessment.models import Assessment
from webapp.extensions import db


@pytest.fixture
def two_results(app, ada, people, make_assessment):
    """Ada's results as a craft-loving senior engineer, then as a natural lead; their ids."""
    return make_assessment("ada@example.com", people[0]), make_assessment(
        "ada@example.com", people[1]
    )


def _rewrite(app, assessment_id: int, change) -> None:
    """Change a kept recommendation as another model or pack version would have left it."""
    with app.app_context():
        stored = db.session.get(Assessment, assessment_id)
        recommendation = copy.deepcopy(stored.recommendation)
        change(recommendation)
        stored.recommendation = recommendation
        db.session.commit()


def test_each_result_has_its_date_and_time(client, two_results):
    html = client.get("/results/history").text
    assert html.count('<li class="card">') == 2
    stamps = re.findall(r'<time datetime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)">([^<]+)</time>', html)
    assert len(stamps) == 2
    for _, shown in stamps:
        assert re.fullmatch(r"\d{1,2} \w+ \d{4}, \d\d:\d\d UTC", shown)
    assert "Your first assessment." in html


def test_changes_are_said_in_words_not_raw_scores(client, two_results):
    html = client.get("/results/history").text
    changes = "".join(re.findall(r'<ul class="changes">(.*?)</ul>', html, re.S))
    assert "The recommended track changed from individual contributor to people manager." in changes
    assert "People leadership rose two steps." in changes
    assert "Technical depth fell a step." in changes
    # both results hold L3 on the IC track: a move to management stays sideways (M3), while
    # the evidence for it is new
    assert (
        "The level your answers support on the people manager track is now Engineering "
        "Manager (M3)." in changes
    )
    assert "The target level on the people manager track" not in changes
    assert "“Enjoys leading people” rose three points." in changes
    assert "→" not in changes
    assert not re.search(r"\d\.\d{2,}", changes), "a raw score is shown"


def test_a_change_of_chance_is_said_with_both_ranges(app, client, two_results):
    """The result page gives each chance with the range the model gave it; the history said
    "fell from 92% to 59%" bare, as if both were exact."""
    older, newer = two_results

    def chances(ic, ic_range, manager, manager_range):
        def change(recommendation):
            recommendation["p_success"] = {"ic": ic, "manager": manager}
            recommendation["p_success_interval"] = {"ic": ic_range, "manager": manager_range}

        return change

    _rewrite(app, older, chances(0.92, [0.88, 0.95], 0.14, [0.07, 0.25]))
    _rewrite(app, newer, chances(0.59, [0.48, 0.70], 0.25, [0.14, 0.40]))
    changes = client.get("/results/history").text
    assert (
        "The estimated chance of doing well on the individual contributor track fell from "
        "about 92% (likely between 88% and 95%) to about 59% (likely between 48% and 70%)."
        in changes
    )
    assert (
        "The estimated chance of doing well on the people manager track rose from about 14% "
        "(likely between 7% and 25%) to about 25% (likely between 14% and 40%)." in changes
    )


def test_a_change_of_chance_from_a_result_without_ranges_gives_what_it_kept(
    app, client, two_results
):
    older, newer = two_results

    def without_ranges(recommendation):
        recommendation.pop("p_success_interval", None)
        recommendation["p_success"] = {"ic": 0.92, "manager": 0.14}

    _rewrite(app, older, without_ranges)
    _rewrite(
        app,
        newer,
        lambda r: r.update(
            p_success={"ic": 0.59, "manager": 0.14},
            p_success_interval={"ic": [0.48, 0.70], "manager": [0.07, 0.25]},
        ),
    )
    changes = client.get("/results/history").text
    assert (
        "The estimated chance of doing well on the individual contributor track fell from "
        "92% to about 59% (likely between 48% and 70%)." in changes
    )


def test_how_sure_falling_with_a_new_note_on_the_answers_is_a_change(
    app, client, ada, people, make_assessment
):
    """The same answers again, the pages this time answered faster than they can be read: how
    sure fell from 89% to 79% with the new note, both figures on the page, and the history
    said "Nothing important changed since the one before"."""
    older = make_assessment("ada@example.com", people[0])
    newer = make_assessment("ada@example.com", people[0])
    note = "The pages were answered faster than they can be read."
    unnoted = {"confidence": 0.89, "flags": []}
    _rewrite(app, older, lambda r: r.update(unnoted))
    _rewrite(app, newer, lambda r: r.update(unnoted | {"confidence": 0.79}))
    _rewrite(app, newer, lambda r: r["flags"].append({"id": "too_fast", "message": note}))
    html = client.get("/results/history").text
    assert "Nothing important changed" not in html
    changes = "".join(re.findall(r'<ul class="changes">(.*?)</ul>', html, re.S))
    assert "How sure the advice is fell from 89% to 79%." in changes
    assert f"A new note on your answers: “{note}”" in changes


def test_how_sure_each_advice_was_is_said_of_its_own_track_when_the_track_changed(
    app, client, ada, people, make_assessment
):
    """From individual contributor at 90% to people manager at 60%: "fell from 90% to 60%"
    compared how sure one advice was of one track with how sure the other was of another."""
    older = make_assessment("ada@example.com", people[0])
    newer = make_assessment("ada@example.com", people[0])
    _rewrite(app, older, lambda r: r.update(track="ic", confidence=0.9))
    _rewrite(app, newer, lambda r: r.update(track="manager", confidence=0.6))
    html = client.get("/results/history").text
    changes = "".join(re.findall(r'<ul class="changes">(.*?)</ul>', html, re.S))
    assert (
        "How sure the advice is: 90% for individual contributor then, 60% for people manager "
        "now." in changes
    )
    assert "fell from 90% to 60%" not in changes


def test_half_steps_and_levels_held_are_said_exactly(app, client, two_results):
    older, newer = two_results

    def held_and_supported(levels_of):
        def change(recommendation):
            for factor in recommendation["explanation"]["factors"]:
                if factor["feature"] == "system_design":
                    factor["value"] = levels_of["system_design"]
            recommendation["levels"]["ic"] |= {
                "current": levels_of["held"],
                "supported": levels_of["supported"],
                "target": levels_of["target"],
            }

        return change

    _rewrite(
        app,
        older,
        held_and_supported({"system_design": 3.5, "held": "L3", "supported": "L3", "target": "L4"}),
    )
    _rewrite(
        app,
        newer,
        held_and_supported({"system_design": 3.0, "held": "L4", "supported": "L4", "target": "L5"}),
    )
    changes = client.get("/results/history").text
    assert "System design fell half a step." in changes
    assert (
        "The level you gave as your current one on the individual contributor track changed "
        "from Senior Engineer (L3) to Staff Engineer (L4)." in changes
    )
    assert (
        "The target level on the individual contributor track rose from Staff Engineer (L4) "
        "to Principal Engineer (L5)." in changes
    )


def test_a_lower_level_given_as_held_is_a_change_of_answer_not_a_demotion(app, client, two_results):
    older, newer = two_results

    def holding(level):
        return lambda recommendation: recommendation["levels"]["ic"].update(current=level)

    _rewrite(app, older, holding("L4"))
    _rewrite(app, newer, holding("L3"))
    changes = client.get("/results/history").text
    assert (
        "The level you gave as your current one on the individual contributor track changed "
        "from Staff Engineer (L4) to Senior Engineer (L3)." in changes
    )
    assert "The level you hold" not in changes and "fell from Staff" not in changes


def test_a_newer_model_is_named_as_a_possible_cause_of_the_change(app, client, two_results):
    _rewrite(app, two_results[1], lambda r: r.update(model_version="v2"))
    html = client.get("/results/history").text
    assert (
        "A newer model (v2) produced this result; the one before came from v1. Part of the "
        "change may come from the model, not from you." in html
    )


def test_a_newer_pack_version_is_named_as_a_possible_cause_of_the_change(app, client, two_results):
    _rewrite(app, two_results[1], lambda r: r.update(pack="engineering@2"))
    html = client.get("/results/history").text
    assert (
        "A newer version of the questionnaire and framework (engineering@2) produced this "
        "result; the one before came from engineering@1." in html
    )


def test_same_model_and_pack_have_no_note(client, two_results):
    assert "may come from the model" not in client.get("/results/history").text


@pytest.fixture
def history_url(app, serve, two_results):
    """The app served over HTTP, Ada's newer result kept from a newer model (v2)."""
    _rewrite(app, two_results[1], lambda r: r.update(model_version="v2"))
    return serve(app)


def test_history_in_the_browser_at_every_width(page, history_url, password, assert_accessible):
    url = history_url
    page.goto(f"{url}/account/login?next=/results/history")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your assessments")).to_be_visible()
    expect(page.get_by_text("A newer model (v2) produced this result")).to_be_visible()
    expect(page.get_by_text("People leadership rose two steps.")).to_be_visible()
    assert_accessible(page, "history")
    look_at_every_width(page, "history")
