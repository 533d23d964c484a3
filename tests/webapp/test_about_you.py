"""The About-you step checks itself: answers about your role that cannot all be true are named
next to their fields, all at once, and never kept."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from playwright.sync_api import expect

from recommender.pack.loading import load_pack
from tests.webapp.factories import assessment as stored_assessment
from tests.webapp.screens import landed_on_errors, look_at_every_width
from webapp.assessment.about_you import contradictions

GOOD = {
    "years_experience": "8",
    "years_at_level": "3",
    "direct_reports": "0",
    "current_track": "ic",
    "current_level": "L3",
}


def _start(client):
    return client.submit("/assessment/", action_url="/assessment/start").headers["Location"]


def _error_of(html: str, field: str) -> str:
    """The inline message shown next to a field ('' when there is none)."""
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def test_every_contradiction_is_named_next_to_its_field_in_one_pass(client, ada):
    first = _start(client)
    contradictory = {
        "years_experience": "2",
        "years_at_level": "9",
        "direct_reports": "3",
        "current_track": "ic",
        "current_level": "M5",
    }
    response = client.submit(first, contradictory | {"action": "next"})
    html = response.text
    assert response.status_code == 422
    assert "Please check 3 answers" in html
    assert "9 years at your current level but 2 years of experience" in _error_of(
        html, "years_at_level"
    )
    assert "Director of Engineering is a level of the people manager track" in _error_of(
        html, "current_level"
    )
    assert "said 3 people report to you" in _error_of(html, "direct_reports")
    assert _error_of(html, "years_experience") == ""
    assert re.search(r'<input [^>]*name="years_at_level" type="number" value="9"', html)


def test_answers_that_contradict_each_other_are_not_kept(client, ada):
    first = _start(client)
    client.submit(first, {"years_experience": "2", "years_at_level": "9", "action": "save"})
    reopened = client.get(first).text
    assert 'value="9"' not in reopened
    assert 'value="2"' not in reopened


@pytest.mark.parametrize("action", ["save", "back"])
def test_save_with_a_contradiction_says_the_page_was_not_saved(client, ada, action):
    """ "Save and finish later" with years at the level above the years in all: none of the
    page's answers is kept (the track, the level and the reports that contradict nothing
    neither), yet the page said only "Please check 1 answer", as if the others were saved as
    with any other refused answer; leaving then lost them all."""
    first = _start(client)
    response = client.submit(first, GOOD | {"years_at_level": "12", "action": action})
    assert response.status_code == 422
    summary = re.search(r'<h2 id="error-summary-title">([^<]*)</h2>', response.text).group(1)
    assert summary == (
        "This page is not saved: some of its answers cannot all be true. Correct them, then "
        "save again."
    )
    assert 'name="current_level"' in response.text
    reopened = client.get(first).text
    assert "selected" not in re.search(r'<select id="current_track".*?</select>', reopened, re.S)[0]


def test_a_change_that_contradicts_a_saved_answer_is_refused_and_the_saved_ones_stay(client, ada):
    first = _start(client)
    assert client.submit(first, GOOD | {"action": "save"}).status_code == 302
    changed = GOOD | {"years_at_level": "12", "action": "back"}
    response = client.submit(first, changed)
    assert response.status_code == 422
    assert "at most 8" in _error_of(response.text, "years_at_level")
    reopened = client.get(first).text
    assert 'name="years_at_level" type="number" value="3"' in reopened


def test_a_cleared_answer_is_judged_blank_not_by_the_one_stored(client, ada):
    first = _start(client)
    manager = GOOD | {"current_track": "manager", "current_level": "M3"}
    assert client.submit(first, manager | {"action": "save"}).status_code == 302
    cleared = manager | {"current_track": "", "current_level": "L5", "action": "save"}
    response = client.submit(first, cleared)
    assert response.status_code == 302, _error_of(response.text, "current_level")
    reopened = client.get(first).text
    assert re.search(r'<option selected value="L5">', reopened)
    track = re.search(r'<select id="current_track".*?</select>', reopened, re.S).group(0)
    assert "selected" not in track


def test_answers_cleared_and_saved_stay_cleared_and_finishing_asks_for_them(client, ada, people):
    client.answer_all(people[0], stop_after=1)
    start = client.get("/assessment/").text
    first = re.search(r'href="(/assessment/\d+/)2"', start).group(1) + "1"
    blank = dict.fromkeys(GOOD, "")
    assert client.submit(first, blank | {"action": "save"}).status_code == 302
    reopened = client.get(first).text
    assert 'name="years_experience" type="number" value=""' in reopened
    assert "selected" not in reopened
    onwards = client.answer_all(people[0]).headers["Location"]
    assert onwards.endswith("/1")  # finishing sends them back to the answers they cleared


def test_years_at_level_equal_to_experience_is_fine(client, ada):
    first = _start(client)
    response = client.submit(first, GOOD | {"years_at_level": "8", "action": "next"})
    assert response.status_code == 302


def test_the_level_list_is_grouped_by_track_with_the_shared_trunk(client, ada):
    html = client.get(_start(client)).text
    select = re.search(r'<select id="current_level".*?</select>', html, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    values = {label: re.findall(r'value="(\w+)"', options) for label, options in groups}
    assert values == {
        "Both tracks, before they branch": ["L1", "L2"],
        "Individual contributor": ["L3", "L4", "L5", "L6", "L7"],
        "People manager": ["M3", "M4", "M5", "M6", "M7"],
    }


def test_a_trunk_level_belongs_to_either_track(client, ada):
    first = _start(client)
    manager_at_trunk = GOOD | {"current_track": "manager", "current_level": "L2"}
    assert client.submit(first, manager_at_trunk | {"action": "next"}).status_code == 302


def test_reports_on_the_ic_track_are_asked_about(client, ada):
    first = _start(client)
    response = client.submit(first, GOOD | {"direct_reports": "4", "action": "next"})
    assert response.status_code == 422
    assert "Which is true about the people who report to you?" in response.text
    assert "said 4 people report to you" in _error_of(response.text, "direct_reports")
    assert "Please check 1 answer" in response.text


def test_a_tech_lead_keeps_their_reports_and_is_not_asked_again(client, ada):
    first = _start(client)
    answered = GOOD | {"direct_reports": "4", "reports_role": "lead", "action": "next"}
    assert client.submit(first, answered).status_code == 302
    reopened = client.get(first).text
    assert 'name="direct_reports" type="number" value="4"' in reopened
    assert re.search(r'<input checked id="reports_role-0"', reopened)
    again = client.submit(first, GOOD | {"direct_reports": "4", "reports_role": "lead"})
    assert again.status_code == 302


def test_reports_managed_by_someone_else_count_as_none(client, ada):
    first = _start(client)
    answered = GOOD | {"direct_reports": "4", "reports_role": "elsewhere", "action": "next"}
    assert client.submit(first, answered).status_code == 302
    reopened = client.get(first).text
    assert 'name="direct_reports" type="number" value="0"' in reopened
    assert "Which is true about the people who report to you?" not in reopened


def test_a_manager_with_reports_is_not_asked(client, ada):
    first = _start(client)
    manager = GOOD | {"direct_reports": "6", "current_track": "manager", "current_level": "M4"}
    response = client.submit(first, manager | {"action": "next"})
    assert response.status_code == 302


def test_contradictions_saved_before_the_checks_are_sent_back_to_be_fixed(app, client, ada, people):
    person = people[0] | {"context": people[0]["context"] | {"years_at_level": 11}}
    assessment_id = stored_assessment(app, "ada@example.com", person, pages_done=7)
    last = f"/assessment/{assessment_id}/7"
    html = client.get(last).text
    sent = {name: "3" for name in set(re.findall(r'name="([a-z_0-9]+)" type="radio"', html))}
    response = client.submit(last, sent | {"action": "next"})
    assert response.headers["Location"] == f"/assessment/{assessment_id}/1"
    page = client.get(f"/assessment/{assessment_id}/1").text
    assert "cannot all be true" in page
    assert "11 years at your current level but 8 years" in _error_of(page, "years_at_level")


# The validator itself: whatever it is given, it never passes what cannot be true, nor raises.
PACKS = {name: load_pack(name) for name in ("engineering", "product-design")}
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)


@st.composite
def role_answers(draw):
    pack = PACKS[draw(st.sampled_from(sorted(PACKS)))]
    framework = pack.framework
    context = {
        "years_experience": draw(st.one_of(st.integers(0, 60), anything)),
        "years_at_level": draw(st.one_of(st.integers(0, 40), anything)),
        "direct_reports": draw(st.one_of(st.integers(0, 500), anything)),
        "current_track": draw(st.one_of(st.sampled_from(framework.track_ids), anything)),
        "current_level": draw(st.one_of(st.sampled_from(framework.level_ids), anything)),
    }
    present = draw(st.sets(st.sampled_from(sorted(context))))
    role = draw(st.one_of(st.none(), st.sampled_from(["lead", "elsewhere"]), st.text(max_size=3)))
    return pack, {key: context[key] for key in present}, role


@settings(max_examples=400, deadline=None)
@given(role_answers())
def test_the_validator_never_accepts_what_cannot_be_true_and_never_raises(drawn):
    pack, context, role = drawn
    found = {c.field for c in contradictions(pack, context, role)}
    experience, at_level = context.get("years_experience"), context.get("years_at_level")
    if all(type(v) is int for v in (experience, at_level)) and at_level > experience:
        assert "years_at_level" in found
    track, level = context.get("current_track"), context.get("current_level")
    if track is not None and level is not None:
        ladder = (
            [lv.id for lv in pack.framework.ladder(track)]
            if track in pack.framework.track_ids
            else []
        )
        if level not in ladder:
            assert "current_level" in found
    reports = context.get("direct_reports")
    if track == "ic" and type(reports) is int and reports > 0 and role not in ("lead", "elsewhere"):
        assert "direct_reports" in found


@pytest.fixture
def live(app, serve, make_user):
    """The app served over HTTP, with Ada's account."""
    make_user("ada@example.com", "employee", "Ada")
    return serve(app)


def test_about_you_in_the_browser_names_every_contradiction_then_takes_the_fix(
    page, live, password, assert_accessible
):
    page.goto(f"{live}/account/login?next=/assessment/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Start the assessment").click()
    page.get_by_label("How many years have you worked").fill("2")
    page.get_by_label("How many years have you been at your current level?").fill("9")
    page.get_by_label("How many people report to you directly?").fill("3")
    page.get_by_label("Which track are you on today?").select_option("ic")
    page.get_by_label("What is your current level?").select_option("M5")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("alert").get_by_text("Please check 3 answers")).to_be_visible()
    assert landed_on_errors(page)
    expect(page.get_by_role("group", name="Which is true about the people")).to_be_visible()
    assert_accessible(page, "About you with contradictions")
    look_at_every_width(page, "about-you-contradictions")

    page.get_by_label("How many years have you been at your current level?").fill("2")
    page.get_by_label("What is your current level?").select_option("L2")
    page.get_by_label("I lead them while staying an individual contributor").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Step 2 of 7")).to_be_visible()
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_label("I lead them while staying an individual contributor")).to_be_checked()
    assert_accessible(page, "About you answered")
    look_at_every_width(page, "about-you-answered")


def test_levels_where_the_tracks_meet_at_the_top_are_their_own_group(
    make_app, make_user, form_client
):
    design = make_app(TRACKFIT_PACK="product-design")
    make_user("dee@example.com", app=design)
    client = form_client(app=design)
    client.login("dee@example.com")
    first = _start(client)
    select = re.search(r'<select id="current_level".*?</select>', client.get(first).text, re.S)
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select.group(0), re.S)
    values = {label: re.findall(r'value="(\w+)"', options) for label, options in groups}
    assert values == {
        "Both tracks, before they branch": ["D1", "D2"],
        "Individual contributor": ["D3", "D4"],
        "Design manager": ["DM3", "DM4"],
        "Both tracks, where they meet at the top": ["D5"],
    }
    head_of_design = {
        "years_experience": "15",
        "years_at_level": "2",
        "direct_reports": "5",
        "current_track": "manager",
        "current_level": "D5",
    }
    assert client.submit(first, head_of_design | {"action": "next"}).status_code == 302
